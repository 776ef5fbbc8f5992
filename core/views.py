"""Liveness and readiness probes for the load balancer, monitoring and the load test's ceiling."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    """The process answers: no database, no cache, no template (also the stack's own throughput ceiling)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request):
    """The process can serve real pages: the database answers a query and the cache stores and returns a value."""
    failed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not ready"; the probe says which part
        failed.append("database")
    try:
        cache.set("doorstep:readyz", "1", 30)
        if cache.get("doorstep:readyz") != "1":
            failed.append("cache")
    except Exception:  # noqa: BLE001
        failed.append("cache")
    if failed:
        return HttpResponse(
            "not ready: " + ", ".join(failed), status=503, content_type="text/plain; charset=utf-8"
        )
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
