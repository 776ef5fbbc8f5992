"""The probes nginx, monitoring and the load test use: /healthz never touches the database, /readyz does."""

import pytest
from django.test import RequestFactory, override_settings

from core.proxy import TrustedProxyMiddleware


def test_healthz_answers_ok_without_a_database_query(client):
    # No django_db mark: any database access here raises, so a 200 proves the probe needs no database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_reports_an_unusable_cache(client):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert b"cache" in response.content


def _seen_address(remote_addr: str, real_ip: str | None) -> str:
    seen = {}

    def view(request):
        seen["addr"] = request.META["REMOTE_ADDR"]

    with override_settings(DOORSTEP_TRUSTED_PROXIES=["127.0.0.1"]):
        middleware = TrustedProxyMiddleware(view)
    extra = {"REMOTE_ADDR": remote_addr}
    if real_ip:
        extra["HTTP_X_REAL_IP"] = real_ip
    middleware(RequestFactory().get("/", **extra))
    return seen["addr"]


def test_client_address_comes_from_x_real_ip_behind_the_trusted_proxy():
    assert _seen_address("127.0.0.1", "203.0.113.7") == "203.0.113.7"


def test_x_real_ip_from_anyone_else_is_ignored():
    assert _seen_address("198.51.100.9", "203.0.113.7") == "198.51.100.9"
    assert _seen_address("127.0.0.1", None) == "127.0.0.1"
