from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import periodic
from core.models import PeriodicJobState


@pytest.fixture
def counted():
    calls = []
    job = periodic.register("test.counted", minutes=15, func=lambda: calls.append(1) or len(calls))
    yield job, calls
    periodic.unregister("test.counted")


@pytest.mark.django_db
def test_a_job_runs_when_due_and_not_again_before_its_interval(counted):
    job, calls = counted
    t0 = timezone.now()
    assert periodic.run_due(now=t0, only=[job.name]) == {job.name: "ok 1"}
    assert periodic.run_due(now=t0 + timedelta(minutes=14), only=[job.name]) == {}
    assert not periodic.is_due(job, now=t0 + timedelta(minutes=14))
    assert periodic.is_due(job, now=t0 + timedelta(minutes=15))
    assert periodic.run_due(now=t0 + timedelta(minutes=15), only=[job.name]) == {job.name: "ok 2"}
    state = PeriodicJobState.objects.get(name=job.name)
    assert len(calls) == 2 and state.runs == 2 and state.last_ok is True


@pytest.mark.django_db
def test_two_processes_claiming_the_same_due_run_get_it_once(counted):
    job, _calls = counted
    now = timezone.now()
    # What a second run_periodic process does after the first claimed: the same conditional UPDATE.
    assert periodic.claim(job, now=now) is True
    assert periodic.claim(job, now=now) is False
    assert periodic.claim(job, now=now + timedelta(minutes=1)) is False
    assert PeriodicJobState.objects.get(name=job.name).runs == 1


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run(counted):
    job, calls = counted

    def broken():
        raise RuntimeError("网关不通")

    periodic.register("test.broken", hours=1, func=broken)
    try:
        done = periodic.run_due(only=["test.broken", job.name])
    finally:
        periodic.unregister("test.broken")
    assert done["test.broken"].startswith("failed")
    assert calls == [1]
    state = PeriodicJobState.objects.get(name="test.broken")
    assert state.last_ok is False and state.failures == 1 and "网关不通" in state.last_result


@pytest.mark.django_db
def test_apps_register_their_jobs_and_run_periodic_once_runs_what_is_due(capsys):
    periodic.autodiscover()
    names = {j.name: j.interval for j in periodic.jobs()}
    assert names["demands.deadline_sweep"] == timedelta(minutes=15)
    assert names["portal.publish_scheduled"] == timedelta(minutes=5)
    assert names["portal.withdraw_expired"] == timedelta(hours=1)
    assert names["journal.checkpoint"] == timedelta(days=1)
    call_command("run_periodic", "--once", "--job", "demands.deadline_sweep")
    assert "demands.deadline_sweep: ok" in capsys.readouterr().out
    call_command("run_periodic", "--once", "--job", "demands.deadline_sweep")
    assert capsys.readouterr().out == ""  # not due again for 15 minutes
