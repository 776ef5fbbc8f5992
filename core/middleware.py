"""Cross-cutting HTTP behaviour: security headers and the absolute session lifetime."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def csp_for(path: str) -> str:
    """The strict policy everywhere, except path prefixes listed in DOORSTEP_CSP_PATH_OVERRIDES (the CMS admin)."""
    for prefix, policy in getattr(settings, "DOORSTEP_CSP_PATH_OVERRIDES", {}).items():
        if path.startswith(prefix):
            return policy
    return getattr(settings, "DOORSTEP_CSP", CSP)


class SecurityHeadersMiddleware:
    """A strict same-origin Content-Security-Policy and related headers on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp_for(request.path))
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


SESSION_LOGIN_AT = "doorstep_login_at"
SESSION_RENEWED_AT = "doorstep_renewed_at"


class SessionLifetimeMiddleware:
    """End a session after SESSION_ABSOLUTE_SECONDS even if it stayed active, and renew its idle timeout.

    The idle timeout is the session's age (SESSION_COOKIE_AGE): each save moves the expiry (in the
    database, the cache and the cookie) to now + that age. Saving on every request cost each signed-in
    request a database write; instead a session in use is saved again once its last renewal is more
    than SESSION_RENEW_SECONDS old, so it ends between age - renew and age after the last request
    (29-30 minutes by default), never later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_LOGIN_AT)
            if started is None:
                request.session[SESSION_LOGIN_AT] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(resolve_url(settings.LOGIN_URL) + "?expired=1")
        session = getattr(request, "session", None)
        # session_key is set only for a session that exists (loaded above when a cookie came in):
        # a stale or forged cookie is never turned into a new session here.
        if session is not None and session.session_key:
            now = int(time.time())
            renewed = session.get(SESSION_RENEWED_AT)
            stale = not isinstance(renewed, int) or not 0 <= now - renewed < settings.SESSION_RENEW_SECONDS
            # reading it loaded the session: a stale cookie's key is gone by now, and stays without a session
            if stale and session.session_key:
                session[SESSION_RENEWED_AT] = (
                    now  # modified: SessionMiddleware saves it and resets the cookie
                )
        return self.get_response(request)
