"""`{% load journal_tags %}{% receipt_link obj %}`: a link to the receipt of the latest journal entry about obj.

For other apps' pages (a visit, a demand decision): the receipt page itself checks who may see it.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from journal.models import Entry

register = template.Library()


@register.simple_tag
def receipt_link(target, css_class="button secondary"):
    seq = (
        Entry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if seq is None:
        return ""
    return format_html(
        '<a class="{}" href="{}">{}</a>', css_class, reverse("journal:receipt", args=[seq]), _("回执")
    )
