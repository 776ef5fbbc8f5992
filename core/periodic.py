"""Periodic jobs: a small registry of functions with intervals, run by `manage.py run_periodic`.

Each app registers its own jobs in `<app>/periodic.py` (found by `autodiscover`), e.g.

    from core.periodic import register
    register("demands.deadline_sweep", minutes=15, func=deadline_sweep, description="…")

A run is claimed with one conditional UPDATE on the job's PeriodicJobState row ("set last_started_at to now
where it is still older than now − interval"). The UPDATE takes the row lock and re-checks its WHERE after
any wait (PostgreSQL), and SQLite runs one writer at a time, so when several `run_periodic` processes
(or machines) race, exactly one sees a changed row and runs the job; the others skip it. No lock is held
while the job runs. A job that raises is recorded as failed (with its error) and tried again at its next
interval; it does not stop the other jobs.
"""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("doorstep.periodic")


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    func: Callable[[], object]
    description: str = ""


_jobs: dict[str, Job] = {}


def register(
    name: str,
    *,
    func: Callable[[], object],
    minutes: int = 0,
    hours: int = 0,
    days: int = 0,
    description: str = "",
) -> Job:
    """Register (or replace) a job; the interval is the least time between two starts."""
    interval = timedelta(minutes=minutes, hours=hours, days=days)
    if interval <= timedelta(0):
        raise ValueError(f"periodic job {name}: the interval must be positive")
    job = Job(name=name, interval=interval, func=func, description=description)
    _jobs[name] = job
    return job


def unregister(name: str) -> None:
    _jobs.pop(name, None)


def autodiscover() -> None:
    autodiscover_modules("periodic")


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def _ensure_rows(names: list[str]) -> None:
    from core.models import PeriodicJobState

    PeriodicJobState.objects.bulk_create([PeriodicJobState(name=n) for n in names], ignore_conflicts=True)


def is_due(job: Job, *, now: datetime) -> bool:
    from core.models import PeriodicJobState

    state = PeriodicJobState.objects.filter(name=job.name).first()
    return state is None or state.last_started_at is None or state.last_started_at <= now - job.interval


def claim(job: Job, *, now: datetime) -> bool:
    """Mark the job started at `now` if it is due; True for exactly one of several concurrent callers."""
    from core.models import PeriodicJobState

    _ensure_rows([job.name])
    return bool(
        PeriodicJobState.objects.filter(name=job.name)
        .filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.interval))
        .update(last_started_at=now, runs=F("runs") + 1)
    )


def _finish(job: Job, *, ok: bool, result: str) -> None:
    from core.models import PeriodicJobState

    changes = {"last_finished_at": timezone.now(), "last_ok": ok, "last_result": result[:4000]}
    if not ok:
        changes["failures"] = F("failures") + 1
    PeriodicJobState.objects.filter(name=job.name).update(**changes)


def run_due(*, now: datetime | None = None, only: list[str] | None = None) -> dict[str, str]:
    """Run every registered job that is due (and this process claims); returns {name: "ok …" | "failed …"}."""
    now = now or timezone.now()
    done: dict[str, str] = {}
    for job in jobs():
        if only and job.name not in only:
            continue
        if not claim(job, now=now):
            continue
        try:
            result = job.func()
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            logger.exception("periodic job %s failed", job.name)
            _finish(job, ok=False, result="".join(traceback.format_exception_only(exc)).strip())
            done[job.name] = f"failed: {exc}"
        else:
            _finish(job, ok=True, result="" if result is None else str(result))
            done[job.name] = f"ok {'' if result is None else result}".strip()
    return done


def next_due(*, now: datetime | None = None) -> datetime | None:
    """When the next registered job becomes due (None if none are registered)."""
    from core.models import PeriodicJobState

    now = now or timezone.now()
    started = dict(PeriodicJobState.objects.values_list("name", "last_started_at"))
    moments = [now if started.get(job.name) is None else started[job.name] + job.interval for job in jobs()]
    return min(moments, default=None)
