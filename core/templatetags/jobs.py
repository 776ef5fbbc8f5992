from django import template

from core.jobs import lost_message

register = template.Library()


@register.filter
def job_error(value: str) -> str:
    """A background job's error as its page shows it: a lost worker is explained in the reader's language."""
    return lost_message(value or "")
