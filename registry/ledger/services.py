"""Ledger import services: upload, preview, confirm, run. The UI, the API and `import_ledger` call these."""

import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import journal
from core import crypto, jobs, uploads
from core.excel import write_xlsx
from core.masking import mask_id_number, mask_phone
from registry.ledger import cells, engine, reader
from registry.ledger import table as tables_
from registry.ledger.columns import FIELDS
from registry.models import LedgerImport, LedgerMapping, QuarantinedRow
from territory.models import AdminUnit
from territory.selectors import unit_in_scope

logger = logging.getLogger(__name__)
PREVIEW_LIMIT = 5000
REASON_HEADER = "原因"
IMPORT_PERMS = ("registry.add_person", "registry.change_person", "registry.add_household")


def _require_import(actor, unit: AdminUnit) -> None:
    if actor is None:
        return
    if not all(actor.has_perm(p) for p in IMPORT_PERMS) or not unit_in_scope(user=actor, unit=unit):
        raise PermissionDenied(_("您没有权限向“%(unit)s”导入台账") % {"unit": unit.name})


def ledger_dir() -> Path:
    path = Path(settings.PRIVATE_ROOT) / "ledgers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_path(ledger_import: LedgerImport) -> Path:
    return ledger_dir() / f"{ledger_import.pk}.progress.json"


def progress_write(ledger_import: LedgerImport, *, phase: str, done: int = 0, total: int = 0) -> None:
    """Progress lives in a small file: the import's own transaction hides DB writes until it commits."""
    path = _progress_path(ledger_import)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
    tmp.replace(path)


STALLED_AFTER_SECONDS = 600


def is_stalled(ledger_import: LedgerImport) -> bool:
    """A queued or running import whose progress has not moved for ten minutes: its worker died.

    Its transaction rolled back with it, so running it again is safe.
    """
    try:
        age = time.time() - _progress_path(ledger_import).stat().st_mtime
    except OSError:
        return True
    return age > STALLED_AFTER_SECONDS


def progress_read(ledger_import: LedgerImport) -> dict:
    try:
        return json.loads(_progress_path(ledger_import).read_text())
    except (OSError, ValueError):
        return {"phase": "", "done": 0, "total": 0}


@transaction.atomic
def ledger_upload(*, actor, unit: AdminUnit, content: bytes, filename: str) -> LedgerImport:
    """Keep the file privately and check that it can be read; nothing reaches the registry yet."""
    _require_import(actor, unit)
    try:
        uploads.check_size(len(content))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    suffix = Path(filename).suffix.lower()
    if suffix not in {".xlsx", ".xlsm", ".xls", ".csv"}:
        raise ValidationError(
            {"file": _("只能导入.xlsx、.xls或.csv文件，这个文件是“%(suffix)s”。") % {"suffix": suffix or "?"}}
        )
    stored = ledger_dir() / f"{uuid.uuid4().hex}{suffix}"
    stored.write_bytes(content)
    try:
        sheets = reader.read(stored, filename=filename)
    except reader.UnreadableFile as exc:
        stored.unlink(missing_ok=True)
        raise ValidationError({"file": str(exc)}) from None
    found = [t for t in (tables_.find_table(s.name, s.rows) for s in sheets) if t is not None]
    if not found:
        stored.unlink(missing_ok=True)
        raise ValidationError(
            {"file": _("在这个文件里没有找到表头：表头应包含“姓名”“身份证号”等列名（不必在第一行）。")}
        )
    ledger_import = LedgerImport.objects.create(
        unit=unit,
        scope_path=unit.path,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        original_name=Path(filename).name[:255],
        stored_path=str(stored),
        file_sha256=hashlib.sha256(content).hexdigest(),
    )
    _TABLE_CACHE.clear()
    _TABLE_CACHE[_cache_key(ledger_import)] = found
    journal.record(
        actor=actor,
        action="registry.ledger.uploaded",
        target=ledger_import,
        data={"file": ledger_import.original_name, "sha256": ledger_import.file_sha256, "unit": unit.code},
    )
    return ledger_import


_ID_LIKE = re.compile(r"\d{14,17}[\dXx]")
_PHONE_LIKE = re.compile(r"1\d{10}")


def _masked(value: str) -> str:
    """Sample cells on screen: anything shaped like an ID number or a mobile number is masked."""
    compact = value.replace(" ", "")
    if _ID_LIKE.fullmatch(compact):
        return mask_id_number(compact)
    if _PHONE_LIKE.fullmatch(compact):
        return mask_phone(compact)
    return value


@dataclass
class SheetPreview:
    name: str
    header_rows: list[int]  # 1-based
    labels: list[str]
    mapping: dict[int, str]
    remembered: bool
    samples: list[list[str]]
    skipped: dict[str, int]
    data_rows: int
    table: tables_.Table = field(repr=False)


@dataclass
class Preview:
    sheets: list[SheetPreview]
    counts: dict[str, int]
    planned_rows: int
    data_rows: int
    updates: list[engine.RowResult]
    quarantined: list[engine.RowResult]
    limited: bool


_TABLE_CACHE: dict[tuple, list[tables_.Table]] = {}


def _cache_key(ledger_import: LedgerImport, sheet: str | None = None) -> tuple:
    path = Path(ledger_import.stored_path)
    stat = path.stat() if path.exists() else None
    return (
        str(path),
        stat.st_mtime_ns if stat else 0,
        stat.st_size if stat else 0,
        sheet or ledger_import.sheet,
    )


def _tables(ledger_import: LedgerImport, sheet: str | None = None) -> list[tables_.Table]:
    """The tables of the stored file; the last file read is kept, as upload, preview and run all need it."""
    path = Path(ledger_import.stored_path)
    wanted = sheet or ledger_import.sheet
    key = _cache_key(ledger_import, sheet)
    if key in _TABLE_CACHE:
        return _TABLE_CACHE[key]
    sheets = reader.read(path, filename=ledger_import.original_name)
    found = []
    for s in sheets:
        if wanted and s.name != wanted:
            continue
        t = tables_.find_table(s.name, s.rows)
        if t is not None:
            found.append(t)
    _TABLE_CACHE.clear()
    _TABLE_CACHE[key] = found
    return found


def _remembered(unit: AdminUnit, t: tables_.Table) -> dict[int, str] | None:
    path_units = [unit]
    memo = LedgerMapping.objects.filter(unit__in=path_units, signature=t.signature).first()
    if memo is None:
        return None
    return {int(k): v for k, v in memo.mapping.items() if v in FIELDS}


def _mapping_for(ledger_import: LedgerImport, t: tables_.Table, overrides: dict | None) -> tuple[dict, bool]:
    if overrides is not None and t.sheet in overrides:
        return {int(k): v for k, v in overrides[t.sheet].items() if v in FIELDS}, False
    if ledger_import.mapping.get(t.sheet):
        return {int(k): v for k, v in ledger_import.mapping[t.sheet].items() if v in FIELDS}, False
    remembered = _remembered(ledger_import.unit, t)
    if remembered is not None:
        return remembered, True
    return dict(t.proposed), False


def ledger_preview(
    *, actor, ledger_import: LedgerImport, mapping: dict | None = None, limit: int = PREVIEW_LIMIT
) -> Preview:
    """Header found, proposed (or remembered) mapping, sample rows and what the import would do."""
    _require_import(actor, ledger_import.unit)
    tables = _tables(ledger_import)
    sheets, pairs = [], []
    for t in tables:
        chosen, remembered = _mapping_for(ledger_import, t, mapping)
        pairs.append((t, chosen))
        sheets.append(
            SheetPreview(
                name=t.sheet,
                header_rows=[r + 1 for r in t.header_rows],
                labels=t.labels,
                mapping=chosen,
                remembered=remembered,
                samples=[[_masked(cells.raw_text(v)) for v in row] for _i, row in t.data[:8]],
                skipped=t.skipped,
                data_rows=len(t.data),
                table=t,
            )
        )
    result = engine.plan(unit=ledger_import.unit, tables=pairs, limit=limit)
    data_rows = sum(s.data_rows for s in sheets)
    return Preview(
        sheets=sheets,
        counts=result.counts(),
        planned_rows=len(result.rows),
        data_rows=data_rows,
        updates=[r for r in result.rows if r.outcome == engine.UPDATED][:50],
        quarantined=[r for r in result.rows if r.outcome == engine.QUARANTINED][:50],
        limited=len(result.rows) < data_rows,
    )


def _check_mapping(mapping: dict) -> dict[str, dict[str, str]]:
    clean: dict[str, dict[str, str]] = {}
    for sheet, columns_ in mapping.items():
        chosen = {str(int(k)): v for k, v in columns_.items() if v in FIELDS}
        values = list(chosen.values())
        doubled = sorted({v for v in values if values.count(v) > 1})
        if doubled:
            raise ValidationError(
                {
                    "mapping": _("工作表“%(sheet)s”中有两列都对应到了“%(field)s”，请只保留一列。")
                    % {"sheet": sheet, "field": FIELDS[doubled[0]]}
                }
            )
        if "name" not in values and "head_name" not in values:
            raise ValidationError(
                {"mapping": _("工作表“%(sheet)s”还没有对应“姓名”列，请指定哪一列是姓名。") % {"sheet": sheet}}
            )
        clean[sheet] = chosen
    return clean


def ledger_confirm(
    *, actor, ledger_import: LedgerImport, mapping: dict | None = None, background: bool = True
):
    """Fix the mapping (remembered for this office's next file of the same layout) and start the import."""
    _require_import(actor, ledger_import.unit)
    if ledger_import.status == LedgerImport.Status.DONE or (
        ledger_import.status in {LedgerImport.Status.QUEUED, LedgerImport.Status.RUNNING}
        and not is_stalled(ledger_import)
    ):
        raise ValidationError(_("这个文件已经在导入或已导入完成。"))
    tables = _tables(ledger_import)
    chosen = {t.sheet: _mapping_for(ledger_import, t, mapping)[0] for t in tables}
    clean = _check_mapping(chosen)
    with transaction.atomic():
        for t in tables:
            LedgerMapping.objects.update_or_create(
                unit=ledger_import.unit,
                signature=t.signature,
                defaults={"labels": t.labels, "mapping": clean[t.sheet]},
            )
        ledger_import.mapping = clean
        ledger_import.status = LedgerImport.Status.QUEUED
        ledger_import.error = ""
        ledger_import.save(update_fields=["mapping", "status", "error"])
        journal.record(
            actor=actor,
            action="registry.ledger.confirmed",
            target=ledger_import,
            data={"mapping": clean},
        )
    progress_write(ledger_import, phase="queued")
    if background:
        from registry.tasks import run_ledger_import

        result = run_ledger_import.enqueue(ledger_import.pk)
        LedgerImport.objects.filter(pk=ledger_import.pk).update(task_id=str(result.id)[:64])
    else:
        ledger_run(ledger_import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    return ledger_import


def ledger_run(*, ledger_import_id: int) -> LedgerImport:
    """Run a confirmed import: all rows or none; a failure leaves the registry untouched and can be re-run."""
    ledger_import = LedgerImport.objects.select_related("unit", "created_by").get(pk=ledger_import_id)
    if ledger_import.status == LedgerImport.Status.DONE:
        return ledger_import  # a task delivered twice (or a re-run racing the old worker) does nothing
    actor = ledger_import.created_by
    LedgerImport.objects.filter(pk=ledger_import.pk).update(status=LedgerImport.Status.RUNNING)
    try:
        progress_write(ledger_import, phase="reading")
        tables = _tables(ledger_import)
        pairs = [(t, {int(k): v for k, v in ledger_import.mapping.get(t.sheet, {}).items()}) for t in tables]
        pairs = [(t, m) for t, m in pairs if m]
        progress_write(ledger_import, phase="checking")
        result = engine.plan(
            unit=ledger_import.unit,
            tables=pairs,
            progress=lambda done, total: progress_write(
                ledger_import, phase="checking", done=done, total=total
            ),
        )
        counts = result.counts()

        def report(done: int, total: int) -> None:
            progress_write(ledger_import, phase="writing", done=done, total=total)

        with transaction.atomic():
            engine.apply(result, actor=actor, target=ledger_import, progress=report)
            QuarantinedRow.objects.filter(ledger_import=ledger_import).delete()
            quarantine = [
                QuarantinedRow(
                    ledger_import=ledger_import,
                    sheet=row.sheet[:100],
                    row_number=row.number,
                    values_cipher=crypto.encrypt(
                        json.dumps([cells.raw_text(v) for v in row.original_cells()], ensure_ascii=False),
                        context="ledger.quarantine",
                    ),
                    reason=row.reason,
                )
                for row in result.rows
                if row.outcome == engine.QUARANTINED
            ]
            QuarantinedRow.objects.bulk_create(quarantine, batch_size=2000)
            ledger_import.status = LedgerImport.Status.DONE
            ledger_import.data_rows = len(result.rows)
            ledger_import.created_count = counts[engine.CREATED]
            ledger_import.updated_count = counts[engine.UPDATED]
            ledger_import.unchanged_count = counts[engine.UNCHANGED]
            ledger_import.quarantined_count = counts[engine.QUARANTINED]
            ledger_import.skipped = result.skipped
            ledger_import.finished_at = timezone.now()
            ledger_import.error = ""
            ledger_import.save()
            journal.record(
                actor=actor,
                action="registry.ledger.imported",
                target=ledger_import,
                data={
                    "file": ledger_import.original_name,
                    "sha256": ledger_import.file_sha256,
                    "data_rows": len(result.rows),
                    **counts,
                    "skipped": result.skipped,
                },
            )
        progress_write(ledger_import, phase="done", done=len(result.rows), total=len(result.rows))
        _TABLE_CACHE.clear()
    except Exception as exc:
        logger.exception("ledger import %s failed", ledger_import.pk)
        error = str(exc)[:2000]
        jobs.through_outage(  # the database itself may be what failed (a restart): record it once it is back
            lambda: LedgerImport.objects.filter(pk=ledger_import.pk).update(
                status=LedgerImport.Status.FAILED, error=error
            )
        )
        progress_write(ledger_import, phase="failed")
        raise
    return ledger_import


def ledger_mark_lost(*, ledger_import_id: int, reason: str) -> None:
    """The worker died mid-import (core.jobs): its transaction rolled back, so the import failed and can be re-run."""
    lost = LedgerImport.objects.filter(
        pk=ledger_import_id, status__in=[LedgerImport.Status.QUEUED, LedgerImport.Status.RUNNING]
    ).update(status=LedgerImport.Status.FAILED, error=reason[:2000])
    if lost:
        progress_write(LedgerImport(pk=ledger_import_id), phase="failed")


@dataclass
class QuarantineSheet:
    sheet: str
    header: list[str]
    rows: list[list[str]]


def quarantine_rows(*, actor, ledger_import: LedgerImport) -> tuple[list[str], list[list[str]]]:
    """The quarantined rows as the user wrote them, plus 原因: fix them and import the file again."""
    _require_import(actor, ledger_import.unit)
    labels_by_sheet: dict[str, list[str]] = {}
    try:
        for t in _tables(ledger_import):
            mapping = {int(k): v for k, v in ledger_import.mapping.get(t.sheet, {}).items()}
            # mapped columns carry the dictionary's own name so the fixed file maps itself next time
            labels_by_sheet[t.sheet] = [
                str(FIELDS[mapping[i]]) if i in mapping else (label or f"列{i + 1}")
                for i, label in enumerate(t.labels)
            ]
    except reader.UnreadableFile:
        pass
    rows = []
    width = max((len(v) for v in labels_by_sheet.values()), default=0)
    header: list[str] = next(iter(labels_by_sheet.values()), [])
    for q in ledger_import.quarantined_rows.all():
        values = json.loads(crypto.decrypt(q.values_cipher, context="ledger.quarantine"))
        width = max(width, len(values))
        rows.append((q, values))
    header = header + [f"列{i + 1}" for i in range(len(header), width)]
    out = []
    for q, values in rows:
        out.append(values + [""] * (width - len(values)) + [q.reason])
    journal.record(
        actor=actor,
        action="registry.ledger.quarantine_downloaded",
        target=ledger_import,
        data={"rows": len(out)},
    )
    return header + [REASON_HEADER], out


def quarantine_workbook(*, actor, ledger_import: LedgerImport) -> bytes:
    header, rows = quarantine_rows(actor=actor, ledger_import=ledger_import)
    return write_xlsx(header, rows, title=_("待处理"))


def import_file(
    *, actor, unit: AdminUnit, path: Path, sheet: str | None = None, mapping: dict | None = None
) -> LedgerImport:
    """Upload, confirm with the proposed (or remembered) mapping, and import now: the command's path."""
    try:
        uploads.check_size(Path(path).stat().st_size)  # before reading a huge file into memory
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    content = Path(path).read_bytes()
    ledger_import = ledger_upload(actor=actor, unit=unit, content=content, filename=Path(path).name)
    if sheet:
        ledger_import.sheet = sheet
        ledger_import.save(update_fields=["sheet"])
    return ledger_confirm(actor=actor, ledger_import=ledger_import, mapping=mapping, background=False)
