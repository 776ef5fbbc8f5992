"""Background work that cannot silently vanish.

django-tasks-db marks a task RUNNING when a `db_worker` claims it and SUCCESSFUL/FAILED when the task
returns or raises. If the worker process is killed (SIGKILL, OOM killer, power cut) it never gets that
far: the task result stays RUNNING forever, and the page that polls the import, plan or fill spins.

Here the worker keeps a heartbeat per running task (`core.models.TaskHeartbeat`: host, pid, last
beat), and `reap()` finds the running tasks whose process is gone (same host: the pid no longer
exists) or whose heartbeat is older than DOORSTEP_TASK_LOST_AFTER_SECONDS (another host). It marks
the task result FAILED and calls the domain's hook, which marks the import, plan or fill failed with
a reason its page shows; the person can run it again. `reap()` runs when a worker starts, every
minute inside each running worker, on the polled status pages, and as `manage.py reap_tasks`.

A domain job opts in with one hook in its tasks module:

    @jobs.on_lost(run_ledger_import)
    def _lost(ledger_import_id: int, *, reason: str) -> None: ...
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# What a domain job's error field holds when its worker died; pages translate it with `job_error`.
LOST_MARK = "[worker-lost]"

_hooks: dict[str, Callable[..., None]] = {}


class WorkerLost(Exception):
    """The process running a task stopped without finishing it."""


def heartbeat_seconds() -> float:
    return float(getattr(settings, "DOORSTEP_TASK_HEARTBEAT_SECONDS", 15))


def lost_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "DOORSTEP_TASK_LOST_AFTER_SECONDS", 120)))


def on_lost(task) -> Callable:
    """Register `hook(*task_args, reason=..., **task_kwargs)`: mark the domain job failed if it is not done."""

    def register(hook: Callable[..., None]) -> Callable[..., None]:
        _hooks[task.module_path] = hook
        return hook

    return register


def lost_message(error: str) -> str:
    """What a person reads for a job whose worker died (in their language); other errors pass through."""
    if not error.startswith(LOST_MARK):
        return error
    return _(
        "处理这项工作的后台进程在运行中停止了（被终止或崩溃），这次运行没有完成，已做的改动都已撤销。可以重新运行。"
    )


# ------------------------------------------------------------------ the staleness rule


@dataclass(frozen=True)
class Beat:
    host: str
    pid: int
    process_start: str
    beat_at: datetime


def process_start(pid: int) -> str | None:
    """An identity for a live process (its start time in clock ticks), or None when it no longer runs.

    A zombie (killed, not yet reaped by its parent) counts as gone. Without /proc, only existence is checked.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return None if fields[0] in {"Z", "X"} else fields[19]
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return ""
        return ""


def verdict(
    beat: Beat | None,
    *,
    started_at: datetime | None,
    now: datetime,
    host: str,
    lost_after: timedelta,
    probe: Callable[[int], str | None] = process_start,
) -> str | None:
    """Why a RUNNING task is lost ("process-gone", "heartbeat-stale", "no-heartbeat"), or None if it may live.

    On the worker's own host the process table is the truth: a live pid with the same start time is
    alive however old its heartbeat (SQLite can hold the heartbeat back during a long write). On another
    host only the heartbeat can tell. A task with no heartbeat at all gets the same grace from its start.
    """
    if beat is None:
        if started_at is None or now - started_at > lost_after:
            return "no-heartbeat"
        return None
    if beat.host == host:
        current = probe(beat.pid)
        if current is None or (beat.process_start and current and current != beat.process_start):
            return "process-gone"
        return None
    if now - beat.beat_at > lost_after:
        return "heartbeat-stale"
    return None


# ------------------------------------------------------------------ reaping


def reap(*, now: datetime | None = None) -> list[str]:
    """Mark every lost RUNNING task failed and tell its domain; returns the lost task ids."""
    from django_tasks_db.models import DBTaskResult

    from core.models import TaskHeartbeat

    autodiscover_modules("tasks")  # every app's on_lost hook, even in a process that never enqueued
    now = now or timezone.now()
    running = list(DBTaskResult.objects.running().only("id", "started_at", "task_path", "args_kwargs"))
    if not running:
        return []
    beats = {
        str(b.task_id): Beat(b.host, b.pid, b.process_start, b.beat_at)
        for b in TaskHeartbeat.objects.filter(task_id__in=[r.id for r in running])
    }
    host = socket.gethostname()
    lost = []
    for result in running:
        reason = verdict(
            beats.get(str(result.id)),
            started_at=result.started_at,
            now=now,
            host=host,
            lost_after=lost_after(),
        )
        if reason and _mark_lost(result, reason=reason, beat=beats.get(str(result.id)), now=now):
            lost.append(str(result.id))
    return lost


def _mark_lost(result, *, reason: str, beat: Beat | None, now: datetime) -> bool:
    from django_tasks_db.models import DBTaskResult

    from core.models import TaskHeartbeat

    where = f" ({beat.host} pid {beat.pid}, last heartbeat {beat.beat_at.isoformat()})" if beat else ""
    detail = f"{LOST_MARK} {reason}{where}"
    with transaction.atomic():
        # Conditional: a worker that finishes at this very moment keeps its own outcome.
        claimed = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {detail}\n",
        )
        TaskHeartbeat.objects.filter(task_id=result.pk).delete()
    if not claimed:
        return False
    logger.warning("task %s (%s) lost: %s", result.pk, result.task_path, detail)
    _tell_domain(result.task_path, result.args_kwargs, detail)
    return True


def _tell_domain(task_path: str, args_kwargs: dict, reason: str) -> None:
    hook = _hooks.get(task_path)
    if hook is None:
        return
    try:
        hook(*args_kwargs.get("args", []), reason=reason, **args_kwargs.get("kwargs", {}))
    except Exception:
        logger.exception("marking the job of task %s failed", task_path)


def through_outage(write: Callable[[], object], *, attempts: int = 30, delay: float = 1.0):
    """Run a small write (a job's failure record), waiting out a database restart of up to ~attempts*delay s.

    The connection that saw the database go away is dead; outside a transaction it is closed and the
    next attempt opens a new one.
    """
    for attempt in range(attempts):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1 or connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(delay)
    return None


def reap_quietly() -> None:
    """For status pages: never let the check itself break the page."""
    try:
        reap()
    except Exception:
        logger.exception("reaping lost tasks")


# ------------------------------------------------------------------ the worker's side


class _Heart(threading.Thread):
    """One per worker process: beats for the task it is running, and reaps lost peers now and then."""

    def __init__(self) -> None:
        super().__init__(name="doorstep-task-heartbeat", daemon=True)
        self.current: str | None = None
        self.wake = threading.Event()

    def run(self) -> None:
        from django.apps import apps

        while not apps.ready:  # started from CoreConfig.ready(), before the other apps are
            time.sleep(0.1)
        ticks = 0
        every = max(1, int(60 / heartbeat_seconds()))
        while True:
            try:
                if ticks % every == 0:
                    reap()
                # Not on the first tick: task_started has just written the first beat, and a second write
                # at once would only contend with the task's own (an in-memory SQLite test database
                # answers a concurrent write with "database is locked" instead of waiting).
                if self.current and ticks > 0:
                    from core.models import TaskHeartbeat

                    TaskHeartbeat.objects.filter(task_id=self.current).update(beat_at=timezone.now())
            except Exception:  # noqa: BLE001 - a database restart must not kill the heartbeat
                logger.warning("task heartbeat failed; retrying", exc_info=True)
            finally:
                connection.close()
            ticks += 1
            self.wake.wait(heartbeat_seconds())
            self.wake.clear()


_heart: _Heart | None = None
_heart_lock = threading.Lock()


def _ensure_heart() -> _Heart:
    global _heart
    with _heart_lock:
        if _heart is None or not _heart.is_alive():
            _heart = _Heart()
            _heart.start()
        return _heart


def _is_database_backend(sender) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(sender, DatabaseBackend) or (
        isinstance(sender, type) and issubclass(sender, DatabaseBackend)
    )


def task_started(sender, task_result, **kwargs) -> None:
    if not _is_database_backend(sender):
        return
    try:
        from core.models import TaskHeartbeat

        now = timezone.now()
        pid = os.getpid()
        TaskHeartbeat.objects.update_or_create(
            task_id=task_result.id,
            defaults={
                "task_path": task_result.task.module_path[:200],
                "host": socket.gethostname()[:255],
                "pid": pid,
                "process_start": process_start(pid) or "",
                "started_at": now,
                "beat_at": now,
            },
        )
        _ensure_heart().current = str(task_result.id)
    except Exception:  # noqa: BLE001 - the task runs even if its heartbeat cannot be written
        logger.exception("could not start the heartbeat of task %s", task_result.id)


def task_finished(sender, task_result, **kwargs) -> None:
    if not _is_database_backend(sender):
        return
    try:
        from core.models import TaskHeartbeat

        if _heart is not None and _heart.current == str(task_result.id):
            _heart.current = None
        TaskHeartbeat.objects.filter(task_id=task_result.id).delete()
        if task_result.status == "FAILED":
            # e.g. a second SIGTERM interrupted it (SystemExit): the domain job must not stay "running"
            errors = getattr(task_result, "errors", [])
            cause = errors[-1].exception_class_path if errors else "unknown"
            _tell_domain(
                task_result.task.module_path,
                {"args": list(task_result.args), "kwargs": dict(task_result.kwargs)},
                f"{LOST_MARK} interrupted ({cause})",
            )
    except Exception:  # noqa: BLE001
        logger.exception("could not close the heartbeat of task %s", task_result.id)


def connect() -> None:
    """Called from CoreConfig.ready(): heartbeats in every worker; a starting worker reaps at once."""
    from django_tasks.signals import task_finished as finished
    from django_tasks.signals import task_started as started

    started.connect(task_started, dispatch_uid="core.jobs.task_started")
    finished.connect(task_finished, dispatch_uid="core.jobs.task_finished")
    if len(sys.argv) > 1 and sys.argv[1] == "db_worker":
        _ensure_heart()
