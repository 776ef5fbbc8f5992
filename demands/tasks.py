"""Background work for demands (django-tasks)."""

from django_tasks import task

from demands.notify import sms_deliver
from demands.services import deadline_sweep


@task()
def deadline_sweep_task() -> dict:
    """The deadline sweep as a background task, for a scheduler to enqueue."""
    return deadline_sweep()


@task()
def sms_deliver_task(ids: list[int]) -> dict:
    """The first attempt at newly stored text messages (demands.notify.HttpSmsSender)."""
    return sms_deliver(ids)
