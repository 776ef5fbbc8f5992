"""Ledger import pages: upload -> preview (correct the mapping) -> confirm -> progress -> report."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs
from core.excel import XLSX_MIME
from registry import selectors
from registry.forms import LedgerUploadForm
from registry.ledger import services
from registry.ledger.columns import is_field
from territory.models import AdminUnit
from territory.selectors import unit_list

IMPORT_LEVELS = (AdminUnit.Level.VILLAGE, AdminUnit.Level.GRID, AdminUnit.Level.TOWNSHIP)


def _units(user):
    return [
        u
        for u in unit_list(user=user).select_related(None).only("id", "code", "name", "level", "path")
        if u.level in IMPORT_LEVELS
    ]


@login_required
@permission_required("registry.add_person", raise_exception=True)
def ledger_home(request):
    units = _units(request.user)
    form = LedgerUploadForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.code == form.cleaned_data["unit"])
        upload = form.cleaned_data["file"]
        try:
            ledger_import = services.ledger_upload(
                actor=request.user, unit=unit, content=upload.read(), filename=upload.name
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("registry:ledger_preview", pk=ledger_import.pk)
    imports = selectors.ledger_import_list(user=request.user)[:20]
    return render(request, "registry/ledger/home.html", {"form": form, "imports": imports})


def _posted_mapping(request, preview_sheets) -> dict:
    mapping = {}
    for s_index, sheet in enumerate(preview_sheets):
        chosen = {}
        for col in range(len(sheet.labels)):
            value = request.POST.get(f"map-{s_index}-{col}", "")
            if is_field(value):
                chosen[str(col)] = value
        mapping[sheet.name] = chosen
    return mapping


@login_required
@permission_required("registry.add_person", raise_exception=True)
def ledger_preview(request, pk: int):
    ledger_import = selectors.ledger_import_get(user=request.user, pk=pk)
    if (
        ledger_import.status != ledger_import.Status.UPLOADED
        and ledger_import.status != ledger_import.Status.FAILED
    ):
        return redirect("registry:ledger_status", pk=pk)
    try:
        preview = services.ledger_preview(actor=request.user, ledger_import=ledger_import)
    except PermissionDenied:
        raise
    error = ""
    if request.method == "POST":
        mapping = _posted_mapping(request, preview.sheets)
        if request.POST.get("action") == "confirm":
            try:
                services.ledger_confirm(actor=request.user, ledger_import=ledger_import, mapping=mapping)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect("registry:ledger_status", pk=pk)
        preview = services.ledger_preview(actor=request.user, ledger_import=ledger_import, mapping=mapping)
    fields = services.field_choices(ledger_import.unit)
    sheets = [
        {
            "index": i,
            "sheet": s,
            "columns": [
                {
                    "index": c,
                    "label": label,
                    "field": s.mapping.get(c, ""),
                    "samples": [r[c] if c < len(r) else "" for r in s.samples],
                }
                for c, label in enumerate(s.labels)
            ],
        }
        for i, s in enumerate(preview.sheets)
    ]
    return render(
        request,
        "registry/ledger/preview.html",
        {
            "ledger_import": ledger_import,
            "preview": preview,
            "sheets": sheets,
            "fields": fields,
            "error": error,
        },
    )


@login_required
@permission_required("registry.add_person", raise_exception=True)
def ledger_status(request, pk: int):
    ledger_import = selectors.ledger_import_get(user=request.user, pk=pk)
    context = _status_context(ledger_import)
    template = (
        "registry/ledger/_progress.html"
        if request.headers.get("HX-Request")
        else "registry/ledger/status.html"
    )
    return render(request, template, context)


def _status_context(ledger_import) -> dict:
    if ledger_import.status in {ledger_import.Status.QUEUED, ledger_import.Status.RUNNING}:
        jobs.reap_quietly()  # a worker killed mid-import turns this page from "running" to "failed"
        ledger_import.refresh_from_db()
    progress = services.progress_read(ledger_import)
    total = progress.get("total") or 0
    percent = int(100 * progress.get("done", 0) / total) if total else 0
    finished = ledger_import.status in {ledger_import.Status.DONE, ledger_import.Status.FAILED}
    stalled = not finished and services.is_stalled(ledger_import)
    return {
        "ledger_import": ledger_import,
        "progress": progress,
        "percent": 100 if ledger_import.status == ledger_import.Status.DONE else percent,
        "finished": finished,
        "stalled": stalled,
        "quarantined": ledger_import.quarantined_rows.all()[:100] if finished else [],
    }


@login_required
@permission_required("registry.add_person", raise_exception=True)
@require_POST
def ledger_rerun(request, pk: int):
    """A failed import left the registry untouched; running it again is safe."""
    ledger_import = selectors.ledger_import_get(user=request.user, pk=pk)
    try:
        services.ledger_confirm(actor=request.user, ledger_import=ledger_import)
    except ValidationError as exc:
        from django.contrib import messages

        messages.error(request, " ".join(exc.messages))
    return redirect("registry:ledger_status", pk=pk)


@login_required
@permission_required("registry.add_person", raise_exception=True)
def ledger_quarantine(request, pk: int):
    ledger_import = selectors.ledger_import_get(user=request.user, pk=pk)
    content = services.quarantine_workbook(actor=request.user, ledger_import=ledger_import)
    from urllib.parse import quote

    name = _("待处理-%(name)s") % {"name": ledger_import.original_name.rsplit(".", 1)[0]}
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response
