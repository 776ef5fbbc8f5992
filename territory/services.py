"""Writes to the administrative tree, staff accounts and API tokens."""

import secrets

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import journal
from territory.models import AdminUnit, ApiToken, Department, Staff
from territory.roles import Role

_CHILD_LEVEL = {
    None: AdminUnit.Level.COUNTY,
    AdminUnit.Level.COUNTY: AdminUnit.Level.TOWNSHIP,
    AdminUnit.Level.TOWNSHIP: AdminUnit.Level.VILLAGE,
    AdminUnit.Level.VILLAGE: AdminUnit.Level.GRID,
}


def _is_system(actor) -> bool:
    return (
        actor is None
        or getattr(actor, "is_superuser", False)
        or getattr(actor, "role", "") == Role.ADMINISTRATOR
    )


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    name: str,
    parent: AdminUnit | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    is_community: bool = False,
) -> AdminUnit:
    """A unit sits one level below its parent; its path is derived from the parent's path."""
    if not _is_system(actor):
        raise PermissionDenied(_("只有系统管理员可以维护行政区划"))
    level = _CHILD_LEVEL.get(parent.level if parent else None)
    if level is None:
        raise ValidationError(_("网格下不能再设下级"))
    unit = AdminUnit(
        code=code,
        name=name,
        level=level,
        parent=parent,
        latitude=latitude,
        longitude=longitude,
        is_community=is_community,
        path=f"{parent.path if parent else '/'}{code}/",
    )
    unit.full_clean()
    unit.save()
    journal.record(
        actor=actor, action="territory.unit.created", target=unit, data={"code": code, "name": name}
    )
    return unit


@transaction.atomic
def department_create(*, actor, unit: AdminUnit, name: str, code: str) -> Department:
    """Departments are where demands are routed and tasks are issued from."""
    if not _is_system(actor):
        raise PermissionDenied(_("只有系统管理员可以维护部门"))
    dept = Department(unit=unit, name=name, code=code)
    dept.full_clean()
    dept.save()
    return dept


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    role: str,
    jurisdictions: list[AdminUnit],
    full_name: str = "",
    password: str | None = None,
    department: Department | None = None,
    phone: str = "",
) -> Staff:
    """New staff get exactly the jurisdictions given; without any they see nothing."""
    if not _is_system(actor):
        raise PermissionDenied(_("只有系统管理员可以新建工作人员"))
    staff = Staff(username=username, role=role, full_name=full_name, department=department, phone=phone)
    if password:
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.full_clean()
    staff.save()
    staff.jurisdictions.set(jurisdictions)
    journal.record(
        actor=actor,
        action="territory.staff.created",
        target=staff,
        data={"role": role, "jurisdictions": [u.code for u in jurisdictions]},
    )
    return staff


def _end_sessions(staff: Staff) -> int:
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(staff.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def staff_deactivate(*, actor, staff: Staff, reason: str) -> Staff:
    """Deactivation ends every open session of that person at once and revokes their tokens."""
    if not _is_system(actor):
        raise PermissionDenied(_("只有系统管理员可以停用工作人员"))
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    staff.doorstep_tokens.update(revoked=True)
    ended = _end_sessions(staff)
    journal.record(
        actor=actor,
        action="territory.staff.deactivated",
        target=staff,
        data={"reason": reason, "sessions_ended": ended},
    )
    return staff


@transaction.atomic
def token_issue(*, actor, staff: Staff, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the plaintext key, which is shown once and never stored."""
    if actor != staff and not _is_system(actor):
        raise PermissionDenied(_("只能为自己签发令牌"))
    key = "ds_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(staff=staff, name=name, key_hash=ApiToken.hash_key(key), prefix=key[3:11])
    journal.record(
        actor=actor, action="territory.token.issued", target=staff, data={"token": token.prefix, "name": name}
    )
    return token, key


def token_authenticate(*, key: str) -> Staff | None:
    """The active staff member owning this key, or None."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("staff")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, staff__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.staff
