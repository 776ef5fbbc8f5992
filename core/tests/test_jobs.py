"""A background task whose worker died is reported failed, never left "running" (core/jobs.py)."""

import os
import socket
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core import jobs
from core.models import TaskHeartbeat
from registry.ledger import services as ledger_services
from registry.models import LedgerImport, Person
from registry.tests import ledgers
from registry.tests.ledgers import Ledger

NOW = timezone.now()
LIMIT = timedelta(minutes=2)
HOST = "worker-1"


def beat(host=HOST, pid=4242, start="777", age=timedelta(seconds=5)):
    return jobs.Beat(host=host, pid=pid, process_start=start, beat_at=NOW - age)


def alive(start="777"):
    return lambda pid: start


def gone(pid):
    return None


def test_same_host_dead_process_is_lost_at_once():
    assert (
        jobs.verdict(beat(), started_at=NOW, now=NOW, host=HOST, lost_after=LIMIT, probe=gone)
        == "process-gone"
    )


def test_same_host_live_process_is_alive_even_with_an_old_heartbeat():
    old = beat(age=timedelta(hours=1))
    assert jobs.verdict(old, started_at=NOW, now=NOW, host=HOST, lost_after=LIMIT, probe=alive()) is None


def test_same_host_reused_pid_is_lost():
    verdict = jobs.verdict(beat(), started_at=NOW, now=NOW, host=HOST, lost_after=LIMIT, probe=alive("999"))
    assert verdict == "process-gone"


def test_other_host_is_judged_by_its_heartbeat_age():
    fresh, stale = beat(age=timedelta(seconds=30)), beat(age=timedelta(minutes=3))
    probe = gone  # the process table of this host says nothing about another host
    assert jobs.verdict(fresh, started_at=NOW, now=NOW, host="web-1", lost_after=LIMIT, probe=probe) is None
    assert (
        jobs.verdict(stale, started_at=NOW, now=NOW, host="web-1", lost_after=LIMIT, probe=probe)
        == "heartbeat-stale"
    )


def test_task_without_heartbeat_gets_a_grace_period_from_its_start():
    assert (
        jobs.verdict(None, started_at=NOW - timedelta(seconds=10), now=NOW, host=HOST, lost_after=LIMIT)
        is None
    )
    assert (
        jobs.verdict(None, started_at=NOW - timedelta(minutes=5), now=NOW, host=HOST, lost_after=LIMIT)
        == "no-heartbeat"
    )


def test_process_start_tells_a_live_process_from_a_finished_one():
    assert jobs.process_start(os.getpid()) is not None
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()
    assert jobs.process_start(child.pid) is None


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()
    return child.pid


def _running_task(task, args, *, pid, host=None) -> DBTaskResult:
    result = DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": args, "kwargs": {}},
        task_path=task.module_path,
        backend_name="default",
        run_after=get_date_max(),
        started_at=timezone.now(),
        worker_ids=["w"],
    )
    TaskHeartbeat.objects.create(
        task_id=result.id,
        task_path=task.module_path,
        host=host or socket.gethostname(),
        pid=pid,
        process_start=jobs.process_start(pid) or "",
        started_at=timezone.now(),
        beat_at=timezone.now(),
    )
    return result


@pytest.fixture
def running_import(tree, village_official, settings, tmp_path):
    """A ledger import that a worker had started when it was killed."""
    from registry.tasks import run_ledger_import

    settings.PRIVATE_ROOT = tmp_path
    content = ledgers.to_xlsx(Ledger(rows=ledgers.households(2, seed=5)))
    ledger_import = ledger_services.ledger_upload(
        actor=village_official, unit=tree.village_a1, content=content, filename="台账.xlsx"
    )
    ledger_import.status = LedgerImport.Status.RUNNING
    ledger_import.save(update_fields=["status"])
    ledger_services.progress_write(ledger_import, phase="writing", done=1, total=10)
    return ledger_import, run_ledger_import


def test_killed_worker_turns_the_import_failed_and_it_can_be_run_again(
    client, village_official, running_import
):
    ledger_import, task = running_import
    result = _running_task(task, [ledger_import.pk], pid=_dead_pid())
    client.force_login(village_official)
    page = client.get(reverse("registry:ledger_status", args=[ledger_import.pk])).content.decode()
    assert "后台进程在运行中停止了" in page and "重新导入" in page
    ledger_import.refresh_from_db()
    result.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.FAILED and ledger_import.error.startswith(
        jobs.LOST_MARK
    )
    assert result.status == "FAILED" and result.exception_class_path == "core.jobs.WorkerLost"
    assert not TaskHeartbeat.objects.exists() and Person.objects.count() == 0
    client.post(reverse("registry:ledger_rerun", args=[ledger_import.pk]))
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE and Person.objects.count() > 0


def test_a_task_whose_worker_lives_is_left_alone(running_import):
    ledger_import, task = running_import
    result = _running_task(task, [ledger_import.pk], pid=os.getpid())
    assert jobs.reap() == []
    result.refresh_from_db()
    ledger_import.refresh_from_db()
    assert result.status == "RUNNING" and ledger_import.status == LedgerImport.Status.RUNNING


def test_a_stale_heartbeat_from_another_host_is_lost(running_import, settings):
    ledger_import, task = running_import
    settings.DOORSTEP_TASK_LOST_AFTER_SECONDS = 60
    result = _running_task(task, [ledger_import.pk], pid=1, host="another-host")
    assert jobs.reap() == []  # fresh heartbeat
    TaskHeartbeat.objects.update(beat_at=timezone.now() - timedelta(seconds=61))
    assert jobs.reap() == [str(result.id)]
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.FAILED and "heartbeat-stale" in ledger_import.error


def test_a_finished_import_is_never_turned_failed(running_import):
    ledger_import, task = running_import
    LedgerImport.objects.filter(pk=ledger_import.pk).update(status=LedgerImport.Status.DONE)
    _running_task(task, [ledger_import.pk], pid=_dead_pid())
    jobs.reap()
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE


def test_a_lost_plan_is_failed_with_the_reason_on_its_page(client, tree, township_cadre):
    from visits.models import Plan
    from visits.tasks import compute_plan

    plan = Plan.objects.create(
        township=tree.town_a,
        scope_path=tree.town_a.path,
        date=date(2026, 11, 27),
        status=Plan.Status.RUNNING,
        created_by=township_cadre,
    )
    _running_task(compute_plan, [plan.pk], pid=_dead_pid())
    client.force_login(township_cadre)
    response = client.get(reverse("visits:plan_detail", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.FAILED and "后台进程在运行中停止了" in response.content.decode()


def test_reap_tasks_command_reports_what_it_found(running_import):
    import io

    from django.core.management import call_command

    ledger_import, task = running_import
    _running_task(task, [ledger_import.pk], pid=_dead_pid())
    out = io.StringIO()
    call_command("reap_tasks", stdout=out)
    assert "1" in out.getvalue()
    assert LedgerImport.objects.get(pk=ledger_import.pk).status == LedgerImport.Status.FAILED
