from django import template

from demands.services import fmt_date

register = template.Library()


@register.filter
def due_date(value) -> str:
    """A deadline as the resident says it: 11月30日 (translated per language)."""
    return fmt_date(value) if value else ""
