"""Background work for demands (django-tasks)."""

from django_tasks import task

from demands.services import deadline_sweep


@task()
def deadline_sweep_task() -> dict:
    """The deadline sweep as a background task, for a scheduler to enqueue."""
    return deadline_sweep()
