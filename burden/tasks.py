"""Background work: report fills can take a minute at county scale, so they run outside the request."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core import jobs

logger = logging.getLogger(__name__)


@task()
def run_fill(fill_id: int) -> None:
    """Fill one report, recording progress, cells filled and the cadre-hours that saved."""
    from django.core.files.base import ContentFile

    from burden import filler
    from burden.models import ReportFill
    from burden.services import county_of, county_setting

    fill = ReportFill.objects.select_related("template", "actor", "unit").get(pk=fill_id)
    ReportFill.objects.filter(pk=fill.pk).update(status=ReportFill.Status.RUNNING, progress=1)

    def progress(percent: int) -> None:
        ReportFill.objects.filter(pk=fill.pk).update(progress=percent)

    try:
        with transaction.atomic():  # a savepoint: a failed query must not poison the failure record
            result = filler.fill(fill.template, fill.actor, progress=progress)
    except Exception as exc:  # noqa: BLE001 - the person sees what went wrong instead of a spinner forever
        logger.exception("report fill %s failed", fill.pk)
        fill.status, fill.error = ReportFill.Status.FAILED, str(exc)[:2000]
        fill.finished_at = timezone.now()
        fill.save(update_fields=["status", "error", "finished_at"])
        return
    minutes = county_setting(county_of(fill.unit)).minutes_per_cell
    fill.output.save(f"fill-{fill.pk}.xlsx", ContentFile(result.content), save=False)
    fill.status, fill.progress = ReportFill.Status.DONE, 100
    fill.rows_filled, fill.cells_filled = result.rows, result.cells
    fill.hours_saved = (Decimal(result.cells) * minutes / 60).quantize(Decimal("0.01"))
    fill.finished_at = timezone.now()
    fill.save(
        update_fields=[
            "output",
            "status",
            "progress",
            "rows_filled",
            "cells_filled",
            "hours_saved",
            "finished_at",
        ]
    )


@jobs.on_lost(run_fill)
def _fill_lost(fill_id: int, *, reason: str) -> None:
    """The worker died mid-fill (core.jobs): the fill is failed, with the reason, instead of "filling" forever."""
    from burden.models import ReportFill

    ReportFill.objects.filter(
        pk=fill_id, status__in=[ReportFill.Status.QUEUED, ReportFill.Status.RUNNING]
    ).update(status=ReportFill.Status.FAILED, error=reason, finished_at=timezone.now())


@jobs.on_lost(run_fill)
def _fill_lost(fill_id: int, *, reason: str) -> None:
    """The worker died mid-fill (core.jobs): the fill is failed, with the reason, instead of "filling" forever."""
    from burden.models import ReportFill

    ReportFill.objects.filter(
        pk=fill_id, status__in=[ReportFill.Status.QUEUED, ReportFill.Status.RUNNING]
    ).update(status=ReportFill.Status.FAILED, error=reason, finished_at=timezone.now())
