"""Background work: township-wide plans are solved off the request (django-tasks)."""

from django_tasks import task


@task()
def compute_plan(plan_id: int) -> int:
    from visits.models import Plan
    from visits.services import plan_compute

    plan = Plan.objects.select_related("township", "created_by").get(pk=plan_id)
    plan_compute(plan=plan)
    return plan_id
