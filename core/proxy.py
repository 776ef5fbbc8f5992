"""The client's address behind nginx: X-Real-IP, believed only from a trusted proxy."""

from django.conf import settings


class TrustedProxyMiddleware:
    """Replace REMOTE_ADDR (nginx's own address) by X-Real-IP when the request came from a trusted proxy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = frozenset(getattr(settings, "DOORSTEP_TRUSTED_PROXIES", ()))

    def __call__(self, request):
        real_ip = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real_ip and request.META.get("REMOTE_ADDR") in self.trusted:
            request.META["REMOTE_ADDR"] = real_ip
        return self.get_response(request)
