"""What a signed-in staff member may do and see, kept in the shared cache between requests.

Every signed-in request asked the database three things that almost never change: the
permissions given to the user directly and through groups (two queries, Django's ModelBackend)
and the paths of the user's jurisdictions (one query). They are now read from the cache (Redis
in production) in one round trip, as one entry per user: {"perms": ..., "paths": ...}.

Freshness: each entry carries the access version it was computed under, and it is used only
while that version is current. Any change that can alter someone's permissions or jurisdictions
(a user's groups, user permissions or jurisdictions changed through their many-to-many managers or
forms; a group, permission, unit or staff member deleted; a staff member created; a permission or
unit saved) gives the version a new random value
(territory/signals.py), so every entry is recomputed from the database on its next use. Such
changes are rare (an administrator's work); a request that reads the access after the change
has committed never sees the old answer. The version changes twice: at once (so the rest of the
changing transaction, and tests inside one transaction, see it) and again after commit (so an
entry computed by another request from the not-yet-committed state cannot outlive the commit).
Role permissions are not cached here: they follow the role on the user row loaded per request.

Superusers are not cached (their permission set is every permission of every model; Django
answers their has_perm without asking the backends anyway).

The staff row itself (every signed-in request read it: Django's ModelBackend.get_user) is kept too,
by `cached_user`, in the same round trip as the access entry: its fields but the password, and the
session's verification hash instead (an HMAC of the password under SECRET_KEY, which is what the
session cookie's own record holds). Each staff member has their own row version, renewed by every
save or delete of that row (territory/signals.py), before and after commit like the access version:
a deactivated, renamed or re-passworded user is seen as such on their next request. Rows changed by a
queryset `update()` send no signal: Doorstep changes staff through services, forms and the admin,
which save.
"""

import logging

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.utils.crypto import salted_hmac

from core import versions

log = logging.getLogger(__name__)

VERSION_KEY = "territory:access:version"
# An entry outlives its version only if the after-commit version change itself failed (the cache
# went away between the two changes); this bounds how long such an entry could be used.
ENTRY_SECONDS = 600


def _entry_key(user_pk) -> str:
    return f"territory:access:{user_pk}"


def _user_version_key(user_pk) -> str:
    return f"territory:user-version:{user_pk}"


def _user_key(user_pk) -> str:
    # The session hashes in an entry are made with the current SECRET_KEY: a new key (a deploy that
    # rotates it) reads other entries instead of trusting hashes made with the old one.
    return f"territory:user:{user_pk}:{salted_hmac('territory.access.user', 'v1').hexdigest()[:12]}"


def access_changed() -> None:
    """Make every cached access entry stale, now and again once the current transaction commits."""
    versions.renew(VERSION_KEY)


def staff_changed(user_pk) -> None:
    """A staff row was saved or deleted: its cached copy is stale, now and again after commit."""
    versions.renew(_user_version_key(user_pk))


def _current_version() -> str:
    return versions.current(VERSION_KEY)


def load_access(user) -> None:
    """Set the user object's permission and jurisdiction memos from the cache (or the database).

    ModelBackend keeps a user's permissions on the user object (`_perm_cache`) and
    territory.selectors its jurisdiction paths (`_jurisdiction_paths`), so one request asks the
    cache at most once for each; deleting either memo makes the next use ask again. When the
    cache cannot be read, the answer comes from the database (correct, only slower).
    """
    entry = _compute(user) if user.is_superuser else _cached(user)
    if not hasattr(user, "_perm_cache"):
        user._perm_cache = set(entry["perms"])
    if getattr(user, "_jurisdiction_paths", None) is None:
        user._jurisdiction_paths = entry["paths"]


def broadest_paths(paths) -> tuple[str, ...]:
    """The paths without those already inside a broader one, so scope filters stay short."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def _compute(user) -> dict:
    backend = ModelBackend()
    perms = backend.get_user_permissions(user) | backend.get_group_permissions(user)
    paths = broadest_paths(user.jurisdictions.values_list("path", flat=True))
    return {"perms": frozenset(perms), "paths": paths}


def _cached(user) -> dict:
    key = _entry_key(user.pk)
    try:
        got = cache.get_many([VERSION_KEY, key])
        version = got.get(VERSION_KEY)
        stored = got.get(key)
        if version is not None and stored is not None and stored[0] == version:
            return stored[1]
        # The version is read before the database: an entry is never newer than its version.
        version = version if version is not None else _current_version()
    except Exception:
        log.warning("access cache unreadable; reading the database", exc_info=True)
        return _compute(user)
    entry = _compute(user)
    try:
        cache.set(key, (version, entry), ENTRY_SECONDS)
    except Exception:
        log.warning("access cache not written", exc_info=True)
    return entry


def _staff_fields():
    from territory.models import Staff

    return Staff, [f.attname for f in Staff._meta.concrete_fields if f.attname != "password"]


def cached_user(user_pk):
    """The active or inactive staff member with this id (None when there is none), from the cache.

    One round trip reads the row and the access entry; a row read from the database is stored
    under its row version as read before the database (like the access entries). The password is
    left deferred: reading it (a password change) loads it from the database.
    """
    staff_model, names = _staff_fields()
    keys = [_user_version_key(user_pk), _user_key(user_pk), VERSION_KEY, _entry_key(user_pk)]
    try:
        got = cache.get_many(keys)
    except Exception:
        log.warning("staff cache unreadable; reading the database", exc_info=True)
        return staff_model._default_manager.filter(pk=user_pk).first()
    version, stored = got.get(keys[0]), got.get(keys[1])
    if version is not None and stored is not None and stored[0] == version:
        user = staff_model.from_db(DEFAULT_DB_ALIAS, names, stored[1])
        user._session_auth_hash = stored[2]
    else:
        try:
            version = version if version is not None else versions.current(keys[0])
        except Exception:
            log.warning("staff cache unreadable; reading the database", exc_info=True)
            return staff_model._default_manager.filter(pk=user_pk).first()
        user = staff_model._default_manager.filter(pk=user_pk).first()
        if user is None:
            return None
        try:
            values = tuple(getattr(user, name) for name in names)
            cache.set(keys[1], (version, values, user.get_session_auth_hash()), ENTRY_SECONDS)
        except Exception:
            log.warning("staff cache not written", exc_info=True)
    access_version, entry = got.get(VERSION_KEY), got.get(keys[3])
    if (
        not user.is_superuser
        and access_version is not None
        and entry is not None
        and entry[0] == access_version
    ):
        user._perm_cache = set(entry[1]["perms"])
        user._jurisdiction_paths = entry[1]["paths"]
    return user
