"""Background work: township-wide plans are solved off the request (django-tasks)."""

from django_tasks import task

from core import jobs


@task()
def compute_plan(plan_id: int) -> int:
    from visits.models import Plan
    from visits.services import plan_compute

    plan = Plan.objects.select_related("township", "created_by").get(pk=plan_id)
    plan_compute(plan=plan)
    return plan_id


@jobs.on_lost(compute_plan)
def _plan_lost(plan_id: int, *, reason: str) -> None:
    """The worker died mid-plan (core.jobs): the plan is failed, with the reason, instead of "computing" forever."""
    from visits.models import Plan

    Plan.objects.filter(pk=plan_id, status__in=[Plan.Status.QUEUED, Plan.Status.RUNNING]).update(
        status=Plan.Status.FAILED, message=reason[:200]
    )


@jobs.on_lost(compute_plan)
def _plan_lost(plan_id: int, *, reason: str) -> None:
    """The worker died mid-plan (core.jobs): the plan is failed, with the reason, instead of "computing" forever."""
    from visits.models import Plan

    Plan.objects.filter(pk=plan_id, status__in=[Plan.Status.QUEUED, Plan.Status.RUNNING]).update(
        status=Plan.Status.FAILED, message=reason[:200]
    )
