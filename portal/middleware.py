"""Serve cached anonymous portal pages before the rest of the middleware stack runs.

portal.views.portal_page stores anonymous responses under a key of (publish version, language, host,
path); this middleware answers repeat visits from that cache without sessions, auth or URL routing,
which is what keeps the portal fast for residents on a busy day. Anything with a session cookie, and
every staff, API or form path, passes straight through.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

SKIP_PREFIXES = (
    "/work/",
    "/cms/",
    "/admin/",
    "/api/",
    "/accounts/",
    "/static/",
    "/media/",
    "/service/",
    "/open311/",
    "/i18n/",
    "/lang/",
    "/documents/",
    "/feedback/",
)


def page_cache_key(request, language: str) -> str:
    version = cache.get_or_set("portal:version", 1, None)
    return f"portal:page:{version}:{language}:{request.get_host()}:{request.get_full_path()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(SKIP_PREFIXES)
        ):
            language = translation.get_language_from_request(request)
            cached = cache.get(page_cache_key(request, language))
            if cached is not None:
                return cached
        return self.get_response(request)
