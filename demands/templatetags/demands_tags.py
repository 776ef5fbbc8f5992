import unicodedata
from html import escape

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from demands.models import DemandEvent
from demands.services import fmt_date

register = template.Library()


@register.filter
def due_date(value) -> str:
    """A deadline as the resident says it: 11月30日 (translated per language)."""
    return fmt_date(value) if value else ""


def _truncated(text: str, length: int) -> str:
    """truncatechars: most texts on a page are shorter than the cut, and Truncator (a lazy object that
    normalises and walks the text) then returns them as they are."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(length)


@register.simple_tag
def demand_rows(rows) -> str:
    """The staff list's rows (selectors.DemandRow), written in Python with the markup the template loop
    had: the same 30 rows through the template language cost ~3 ms of the list page's CPU (url tag,
    blocktranslate, truncatechars and seven lookups a row). Values are escaped with html.escape, as
    Django's autoescape does."""
    # demands/<pk>/ lies under the list's address (demands/urls.py): one reverse() a page.
    base = escape(reverse("demands:list"))
    overdue = f'<span class="chip overdue">{escape(gettext("超期"))}</span>'
    owner_line = gettext("由%(owner)s办理，%(date)s前答复")
    dues: dict = {}  # deadlines are ends of days: a page has a few distinct ones
    out = []
    for d in rows:
        due = dues.get(d.resolve_due)
        if due is None:
            due = dues[d.resolve_due] = fmt_date(d.resolve_due) if d.resolve_due else ""
        line = owner_line % {"owner": escape(str(d.owner_label)), "date": escape(due)}
        out.append(
            f'\n  <li><a class="row" href="{base}{int(d.pk)}/">\n'
            f'    <span class="row-title">{escape(str(d.category.name))} · {escape(str(d.place_unit.name))}</span>\n'
            f'    <span class="chip{"" if d.is_open else " plain"}">{escape(str(d.get_status_display()))}</span>\n'
            f"    {overdue if d.accept_breached or d.resolve_breached else ''}\n"
            f'    <div class="muted">{escape(str(d.ticket))} · {escape(_truncated(d.text, 40))}</div>\n'
            f'    <div class="muted">{line}</div>\n'
            "  </a></li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag
def demand_history(rows) -> str:
    """A demand's history (selectors.event_rows) as the template loop wrote it: when, what, which office and
    who (the staff page only; the resident's page shows offices)."""
    kinds = {value: str(label) for value, label in DemandEvent.Kind.choices}
    out = []
    for at, kind, office, text, actor_id, full_name, username in rows:
        when = dateformat.format(timezone.localtime(at), "n月j日 H:i")
        who = f"（{escape(full_name or username)}）" if actor_id else ""
        said = f"：{escape(text)}" if text else ""
        out.append(
            f'\n    <li><span class="muted">{escape(when)}</span> <strong>{escape(kinds.get(kind, kind))}</strong>'
            f" · {escape(office)}{who}{said}</li>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
