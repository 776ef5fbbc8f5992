"""Jurisdiction scoping: the one place that decides which units a staff member can see.

Every selector in every app builds its filter with `scope_q(user, "<path to AdminUnit.path>")`.
Deny by default: a user with no jurisdiction gets a filter that matches nothing.
"""

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from territory.access import load_access
from territory.models import AdminUnit, Department, Staff


def jurisdiction_paths(user) -> tuple[str, ...]:
    """The subtree prefixes this user may see (the broadest only), read once per request-bound user object.

    They come from the access cache (territory.access), fresh after any change of jurisdictions.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if getattr(user, "_jurisdiction_paths", None) is None:
        load_access(user)
    return user._jurisdiction_paths


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose `field` starts with `prefix`, written so that an ordinary b-tree index serves it.

    SQLite cannot use an index for LIKE 'x%' on a case-sensitive column, so there the prefix
    becomes the equivalent range [prefix, prefix-with-last-char+1). PostgreSQL keeps LIKE, which
    Django's varchar_pattern_ops index serves without depending on the database's collation.
    """
    if connection.vendor == "sqlite" and prefix:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    return Q(**{f"{field}__startswith": prefix})


def scope_q(user, path_field: str) -> Q:
    """A Q matching rows whose unit path (reached via path_field) lies inside the user's jurisdiction."""
    paths = jurisdiction_paths(user)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= prefix_q(path_field, path)
    return q


def unit_in_scope(*, user, unit: AdminUnit) -> bool:
    return any(unit.path.startswith(p) for p in jurisdiction_paths(user))


def unit_list(*, user, level: str | None = None, parent: AdminUnit | None = None) -> QuerySet[AdminUnit]:
    qs = AdminUnit.objects.filter(scope_q(user, "path")).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.order_by("code")


def unit_get(*, user, pk) -> AdminUnit:
    try:
        return unit_list(user=user).get(pk=pk)
    except (AdminUnit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def unit_get_by_code(*, user, code: str) -> AdminUnit:
    try:
        return unit_list(user=user).get(code=code)
    except AdminUnit.DoesNotExist:
        raise Http404 from None


def top_units(*, user) -> QuerySet[AdminUnit]:
    """The user's own jurisdiction units (the roots of what they can see)."""
    return (
        user.jurisdictions.select_related("parent").order_by("code")
        if user.is_authenticated
        else AdminUnit.objects.none()
    )


def department_list(*, user) -> QuerySet[Department]:
    return (
        Department.objects.filter(scope_q(user, "unit__path"))
        .select_related("unit")
        .order_by("unit__code", "name")
    )


def staff_list(*, user) -> QuerySet[Staff]:
    """Staff whose jurisdiction overlaps the user's (inside it)."""
    return (
        Staff.objects.filter(scope_q(user, "jurisdictions__path"), is_active=True)
        .distinct()
        .select_related("department")
        .order_by("username")
    )
