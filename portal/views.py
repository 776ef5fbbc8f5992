"""Public portal views: Wagtail pages through an anonymous-page cache, search, feedback, robots, sitemap."""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Site
from wagtail.views import serve as wagtail_serve

from portal import selectors, services
from portal.forms import FeedbackForm
from portal.hant import to_traditional_response
from portal.middleware import page_cache_key


def _cache_key(request) -> str:
    return page_cache_key(request, get_language())


def portal_page(view):
    """Cache anonymous GETs per language (invalidated on publish) and convert to Traditional Chinese for zh-hant."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        anonymous = request.method in ("GET", "HEAD") and not request.user.is_authenticated
        key = _cache_key(request) if anonymous else None
        if key:
            cached = cache.get(key)
            if cached is not None:
                return cached
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response.render()
        to_traditional_response(response)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        if (
            key
            and response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            patch_cache_control(response, public=True, max_age=60)
            cache.set(key, response, settings.PORTAL_CACHE_SECONDS)
        return response

    return wrapper


def _site_root(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site.root_page.specific


@portal_page
def serve(request, path):
    return wagtail_serve(request, path)


@require_GET
@portal_page
def search(request):
    root = _site_root(request)
    query = (request.GET.get("q") or "").strip()[:50]
    results = selectors.search(root=root, query=query) if query else []
    page_obj = Paginator(results, selectors.PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "portal/search.html", {"page": root, "off_page": True, "query": query, "page_obj": page_obj}
    )


@portal_page
def feedback(request):
    root = _site_root(request)
    submitted = False
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                root=root,
                name=form.cleaned_data["name"],
                body=form.cleaned_data["body"],
                address=request.META.get("REMOTE_ADDR", ""),
                honeypot=form.cleaned_data.get("website", ""),
            )
            submitted = True
            form = FeedbackForm()
        except services.RateLimited:
            form.add_error(None, _("提交太频繁，请稍后再试。"))
            status = 429
    items = Paginator(selectors.feedback_public(root=root), selectors.PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/feedback.html",
        {"page": root, "off_page": True, "form": form, "submitted": submitted, "page_obj": items},
        status=status,
    )


@require_GET
def language(request):
    """Switch language with a plain link (no JavaScript, no form), then go back to where the reader was."""
    code = request.GET.get("l", "")
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /work/",
        "Disallow: /cms/",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /accounts/",
        "Disallow: /lang/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def sitemap(request):
    response = wagtail_sitemap(request)
    response.render()
    return response
