from django import template
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from wagtail.models import Site
from wagtail.rich_text import expand_db_html

from portal.models import ChannelPage, FooterSettings
from portal.sanitize import clean_rendered_html
from portal.selectors import site_root

register = template.Library()


@register.filter
def safe_richtext(value) -> str:
    """Wagtail rich text expanded and then cleaned again with the allow-list, right before it reaches the page."""
    return mark_safe(clean_rendered_html(expand_db_html(value or "")))  # noqa: S308 - cleaned by nh3 just above


@register.simple_tag(takes_context=True)
def portal_chrome(context, page=None):
    """Site root, its channel navigation and the footer text for the page being rendered."""
    request = context.get("request")
    root = site_root(page) if page is not None and getattr(page, "depth", 0) >= 2 else None
    if root is None and request is not None:
        site = Site.find_for_request(request)
        root = site.root_page.specific if site else None
    site = Site.find_for_request(request) if request is not None else None
    footer = (FooterSettings.for_site(site) if site else FooterSettings()).resolved()
    channels = list(ChannelPage.objects.child_of(root).live().public().order_by("path")) if root else []
    return {"root": root, "channels": channels, "footer": footer}


@register.simple_tag(takes_context=True)
def language_url(context, code: str) -> str:
    request = context["request"]
    return "/lang/?" + urlencode({"l": code, "next": request.get_full_path()})
