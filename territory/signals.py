"""Logins and failed logins go into the journal (connects auth, which must not know the journal)."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

import journal
from core.middleware import SESSION_LOGIN_AT


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "agent": request.META.get("HTTP_USER_AGENT", "")[:120]}


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_AT] = int(time.time())
    journal.record(actor=user, action="territory.login.succeeded", target=user, data=_client(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        journal.record(actor=user, action="territory.logout.done", target=user, data=_client(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    data = {"username": str(credentials.get("username", ""))[:150], **_client(request)}
    journal.record(actor=None, action="territory.login.failed", data=data)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    journal.record(
        actor=None, action="territory.login.locked", data={"username": username or "", "ip": ip_address or ""}
    )
