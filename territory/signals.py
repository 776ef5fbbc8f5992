"""Logins and failed logins go into the journal (connects auth, which must not know the journal); changes of
permissions and jurisdictions make the access cache stale (connects auth's models to territory.access)."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

import journal
from core.middleware import SESSION_LOGIN_AT
from territory.access import access_changed, staff_changed
from territory.models import AdminUnit, Staff


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


# Changes that can alter someone's permissions or jurisdictions make the access cache stale
# (territory/access.py). Rare (an administrator's work), so every entry is recomputed, not one.
_ACCESS_LINKS = (
    Staff.groups.through,
    Staff.user_permissions.through,
    Staff.jurisdictions.through,
    Group.permissions.through,
)


def _links_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        access_changed()


for _through in _ACCESS_LINKS:
    # Django sends no save or delete signals for these link tables' own rows: their rows deleted with a
    # group, permission, unit or staff member are covered by that deletion's signal below, and rows
    # written directly through `Model.field.through.objects` (which no code of Doorstep does) are not seen.
    m2m_changed.connect(_links_changed, sender=_through, dispatch_uid=f"access-m2m-{_through.__name__}")


@receiver(post_save, sender=Staff, dispatch_uid="access-staff-created")
def _staff_created(sender, instance, created, **kwargs):
    # A new staff member may reuse the id of a deleted one (SQLite, or a test's rolled-back rows).
    if created:
        access_changed()


@receiver(post_delete, sender=Staff, dispatch_uid="access-staff-deleted")
@receiver(post_delete, sender=Group, dispatch_uid="access-group-deleted")
@receiver(post_delete, sender=Permission, dispatch_uid="access-permission-deleted")
@receiver(post_delete, sender=AdminUnit, dispatch_uid="access-unit-deleted")
def _access_owner_deleted(sender, **kwargs):
    access_changed()


@receiver(post_save, sender=Permission, dispatch_uid="access-permission-saved")
@receiver(post_save, sender=AdminUnit, dispatch_uid="access-unit-saved")
def _renamed(sender, instance, created, **kwargs):
    # A permission's codename or a unit's path is what the cache holds; new ones are in nobody's entry yet.
    if not created:
        access_changed()


@receiver(post_save, sender=Staff, dispatch_uid="staff-row-saved")
@receiver(post_delete, sender=Staff, dispatch_uid="staff-row-deleted")
def _staff_row_changed(sender, instance, **kwargs):
    # The cached copy of the row (territory.access.cached_user): active, role, name, last login.
    staff_changed(instance.pk)
