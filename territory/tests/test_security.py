import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.middleware import SESSION_LOGIN_AT, SESSION_RENEWED_AT
from core.testing import PASSWORD
from journal.models import Entry
from territory.services import staff_deactivate


def _login(client, username, password):
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )


@pytest.fixture
def csrf_client(client):
    client.handler.enforce_csrf_checks = True
    return client


def test_login_requires_csrf_token(csrf_client, village_official):
    response = csrf_client.post("/accounts/login/", {"username": "village_a1", "password": PASSWORD})
    assert response.status_code == 403


def test_login_success_is_journaled(csrf_client, village_official):
    response = _login(csrf_client, "village_a1", PASSWORD)
    assert response.status_code == 302
    assert Entry.objects.filter(action="territory.login.succeeded", actor=village_official).exists()


def test_failed_logins_lock_the_account_and_are_journaled(csrf_client, village_official, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(csrf_client, "village_a1", "wrong-password")
    assert Entry.objects.filter(action="territory.login.failed").count() >= settings.AXES_FAILURE_LIMIT - 1
    locked = _login(csrf_client, "village_a1", PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert Entry.objects.filter(action="territory.login.locked").exists()


def test_session_ends_after_idle_timeout(client, village_official, settings):
    client.force_login(village_official)
    assert client.get("/work/").status_code == 200
    session = Session.objects.get()
    session.expire_date = session.expire_date.replace(year=2000)
    session.save()
    assert client.get("/work/").status_code == 302


def _age_renewal(client, seconds: int) -> None:
    """Pretend the session was last renewed (saved, its expiry set to then + the idle timeout) `seconds` ago."""
    session = client.session
    session[SESSION_RENEWED_AT] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=session.get_expiry_age() - seconds)
    )


def test_an_active_session_is_renewed_once_a_minute_not_on_every_request(
    client, village_official, settings, django_assert_max_num_queries
):
    client.force_login(village_official)
    first = client.get("/work/")
    assert first.status_code == 200
    written = Session.objects.get().expire_date
    # Within the renewal interval: no session write, no new cookie, the expiry stays where it was.
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/work/")
    assert again.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in again.cookies
    assert not [q for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert Session.objects.get().expire_date == written
    # Past the renewal interval, the next request moves the expiry to now + the idle timeout.
    _age_renewal(client, settings.SESSION_RENEW_SECONDS + 1)
    aged = Session.objects.get().expire_date
    renewed = client.get("/work/")
    assert renewed.status_code == 200
    assert renewed.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    expiry = Session.objects.get().expire_date
    assert expiry > aged
    assert abs((expiry - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 5


def test_a_session_idle_past_the_timeout_ends_although_it_was_renewed_recently(
    client, village_official, settings
):
    """Renewal at most once a minute must never stretch the idle timeout: it ends age seconds after the last renewal."""
    client.force_login(village_official)
    assert client.get("/work/").status_code == 200
    _age_renewal(client, settings.SESSION_COOKIE_AGE + 1)
    response = client.get("/work/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_stale_session_cookie_does_not_create_a_session(client, db):
    client.cookies["sessionid"] = "no-such-session-key"
    assert client.get("/accounts/login/").status_code == 200
    assert not Session.objects.exists()


def test_session_ends_after_absolute_lifetime(client, village_official):
    client.force_login(village_official)
    session = client.session
    session[SESSION_LOGIN_AT] = int(time.time()) - 13 * 3600
    session.save()
    response = client.get("/work/")
    assert response.status_code == 302 and "expired=1" in response["Location"]


@override_settings(SESSION_ABSOLUTE_SECONDS=3600)
def test_active_session_within_lifetime_continues(client, village_official):
    client.force_login(village_official)
    session = client.session
    session[SESSION_LOGIN_AT] = int(time.time()) - 1800
    session.save()
    assert client.get("/work/").status_code == 200


def test_deactivating_a_user_ends_their_sessions(client, village_official, administrator):
    client.force_login(village_official)
    assert client.get("/work/").status_code == 200
    staff_deactivate(actor=administrator, staff=village_official, reason="调离")
    assert client.get("/work/").status_code == 302
    entry = Entry.objects.get(action="territory.staff.deactivated")
    assert entry.data["sessions_ended"] == 1


def test_security_headers_present(client):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
