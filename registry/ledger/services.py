"""Ledger import services: upload, preview, confirm, run. The UI, the API and `import_ledger` call these."""

import hashlib
import json
import logging
import os
import re
import threading
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
from core.excel import write_xlsx, write_xlsx_sheets
from core.masking import mask_id_number, mask_phone
from registry.ledger import cells, columns, engine, reader
from registry.ledger import table as tables_
from registry.ledger.columns import FIELDS, TAG_PREFIX
from registry.models import LedgerImport, LedgerMapping, QuarantinedRow, Tag
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
    # a temporary file of this writer's own: the preview, the run and a re-run may write at once
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
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


def _county_tags(unit: AdminUnit) -> list[Tag]:
    return list(Tag.objects.filter(county__path=unit.county_path).order_by("sort_order", "name"))


def field_choices(unit: AdminUnit) -> list[tuple[str, str]]:
    """What a column can map to: the dictionary's fields, then one choice per tag of the unit's county."""
    out = [(k, str(v)) for k, v in FIELDS.items()]
    out += [(f"{TAG_PREFIX}{t.code}", _("标签：%(name)s") % {"name": t.name}) for t in _county_tags(unit)]
    return out


def _propose_tags(unit: AdminUnit, t: tables_.Table, mapping: dict[int, str]) -> dict[int, str]:
    """Columns named after one of the county's tags (低保, 是否独居, 五保户 …) map to that tag."""
    lookup = columns.tag_lookup(_county_tags(unit))
    out = dict(mapping)
    for i, label in enumerate(t.labels):
        if i in out or not label:
            continue
        tag = lookup.get(columns.tag_key(label.rsplit("-", 1)[-1]))
        if tag is not None and f"{TAG_PREFIX}{tag.code}" not in out.values():
            out[i] = f"{TAG_PREFIX}{tag.code}"
    return out


@dataclass
class SheetPreview:
    name: str
    header_rows: list[int]  # 1-based
    labels: list[str]
    mapping: dict[int, str]
    remembered: bool
    remembered_from: str  # "" (this office's own), or the unit whose mapping was borrowed
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
    warnings: list[dict] = field(default_factory=list)


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


SIMILAR_HEADERS = 0.6  # share of labels two layouts have in common to borrow a mapping by label


def _clean(mapping: dict) -> dict[int, str]:
    return {int(k): v for k, v in mapping.items() if columns.is_field(v)}


def _remembered(unit: AdminUnit, t: tables_.Table) -> tuple[dict[int, str], AdminUnit | None] | None:
    """A confirmed mapping for this layout: the office's own, else the nearest ancestor's (township,
    then county) for the same header, else the county's most recent mapping for a similar header.

    Returns the mapping and the unit it was borrowed from (None when it is the office's own).
    """
    codes = [c for c in unit.path.strip("/").split("/") if c]
    memos = {
        m.unit.code: m
        for m in LedgerMapping.objects.filter(unit__code__in=codes, signature=t.signature).select_related(
            "unit"
        )
    }
    for code in reversed(codes):  # the unit itself, then its parent, … up to the county
        if code in memos:
            memo = memos[code]
            return _clean(memo.mapping), (None if memo.unit_id == unit.pk else memo.unit)
    labels = [columns.normalise_label(label) for label in t.labels]
    wanted = {label for label in labels if label}
    if not wanted:
        return None
    recent = (
        LedgerMapping.objects.filter(unit__path__startswith=unit.county_path)
        .select_related("unit")
        .order_by("-updated_at", "-id")[:50]
    )
    for memo in recent:
        theirs = [columns.normalise_label(label) for label in memo.labels]
        common = wanted & {label for label in theirs if label}
        if len(common) < SIMILAR_HEADERS * max(len(wanted), len(set(theirs) - {""})):
            continue
        field_of = {theirs[int(k)]: v for k, v in memo.mapping.items() if int(k) < len(theirs)}
        mapping = {i: field_of[label] for i, label in enumerate(labels) if label in field_of}
        known = set(theirs)
        for i, f in t.proposed.items():  # columns the other layout lacks: the dictionary's proposal
            if labels[i] not in known and f not in mapping.values():
                mapping[i] = f
        mapping = _clean(mapping)
        if "name" in mapping.values() or "head_name" in mapping.values():
            return mapping, memo.unit
    return None


def _mapping_for(
    ledger_import: LedgerImport, t: tables_.Table, overrides: dict | None
) -> tuple[dict, bool, AdminUnit | None]:
    if overrides is not None and t.sheet in overrides:
        return _clean(overrides[t.sheet]), False, None
    if ledger_import.mapping.get(t.sheet):
        return _clean(ledger_import.mapping[t.sheet]), False, None
    remembered = _remembered(ledger_import.unit, t)
    if remembered is not None:
        return remembered[0], True, remembered[1]
    return _propose_tags(ledger_import.unit, t, dict(t.proposed)), False, None


def ledger_preview(
    *, actor, ledger_import: LedgerImport, mapping: dict | None = None, limit: int = PREVIEW_LIMIT
) -> Preview:
    """Header found, proposed (or remembered) mapping, sample rows and what the import would do."""
    _require_import(actor, ledger_import.unit)
    tables = _tables(ledger_import)
    sheets, pairs = [], []
    for t in tables:
        chosen, remembered, borrowed = _mapping_for(ledger_import, t, mapping)
        pairs.append((t, chosen))
        sheets.append(
            SheetPreview(
                name=t.sheet,
                header_rows=[r + 1 for r in t.header_rows],
                labels=t.labels,
                mapping=chosen,
                remembered=remembered,
                remembered_from=borrowed.name if borrowed is not None else "",
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
        updates=[r for r in result.rows if r.diff or r.household_diff][:50],
        quarantined=[r for r in result.rows if r.outcome == engine.QUARANTINED][:50],
        limited=len(result.rows) < data_rows,
        warnings=result.warnings[:50],
    )


def _check_mapping(mapping: dict, unit: AdminUnit) -> dict[str, dict[str, str]]:
    clean: dict[str, dict[str, str]] = {}
    names = dict(field_choices(unit))
    for sheet, columns_ in mapping.items():
        chosen = {str(int(k)): v for k, v in columns_.items() if v in names}
        values = list(chosen.values())
        doubled = sorted({v for v in values if values.count(v) > 1})
        if doubled:
            raise ValidationError(
                {
                    "mapping": _("工作表“%(sheet)s”中有两列都对应到了“%(field)s”，请只保留一列。")
                    % {"sheet": sheet, "field": names[doubled[0]]}
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
    clean = _check_mapping(chosen, ledger_import.unit)
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
            ledger_import.warnings = result.warnings
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
                    "warnings": len(result.warnings),
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


def _field_label(value: str, tags: dict[str, str]) -> str:
    if value.startswith(TAG_PREFIX):
        return tags.get(value[len(TAG_PREFIX) :], value)
    return str(FIELDS[value])


def quarantine_sheets(*, actor, ledger_import: LedgerImport) -> list[QuarantineSheet]:
    """The quarantined rows as the user wrote them, plus 原因, one sheet per source sheet with its own
    header: fix them and import the file again."""
    _require_import(actor, ledger_import.unit)
    tags = {t.code: t.name for t in _county_tags(ledger_import.unit)}
    labels_by_sheet: dict[str, list[str]] = {}
    try:
        for t in _tables(ledger_import):
            mapping = {int(k): v for k, v in ledger_import.mapping.get(t.sheet, {}).items()}
            # mapped columns carry the dictionary's own name so the fixed file maps itself next time
            labels_by_sheet[t.sheet] = [
                _field_label(mapping[i], tags) if i in mapping else (label or f"列{i + 1}")
                for i, label in enumerate(t.labels)
            ]
    except reader.UnreadableFile:
        pass
    by_sheet: dict[str, list] = {}
    for q in ledger_import.quarantined_rows.all():
        values = json.loads(crypto.decrypt(q.values_cipher, context="ledger.quarantine"))
        by_sheet.setdefault(q.sheet, []).append((q, values))
    out = []
    for sheet, rows in by_sheet.items():
        header = list(labels_by_sheet.get(sheet, []))
        width = max([len(header), *(len(values) for _q, values in rows)])
        header += [f"列{i + 1}" for i in range(len(header), width)]
        out.append(
            QuarantineSheet(
                sheet=sheet,
                header=[*header, REASON_HEADER],
                rows=[values + [""] * (width - len(values)) + [q.reason] for q, values in rows],
            )
        )
    journal.record(
        actor=actor,
        action="registry.ledger.quarantine_downloaded",
        target=ledger_import,
        data={"rows": sum(len(s.rows) for s in out), "sheets": len(out)},
    )
    return out


def quarantine_workbook(*, actor, ledger_import: LedgerImport) -> bytes:
    sheets = quarantine_sheets(actor=actor, ledger_import=ledger_import)
    if not sheets:
        return write_xlsx([REASON_HEADER], [], title=_("待处理"))
    return write_xlsx_sheets([(s.sheet, s.header, s.rows) for s in sheets])


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
