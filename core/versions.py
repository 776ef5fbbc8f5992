"""Version keys for shared-cache entries that must never outlive a change (territory.access, visits.selectors).

An entry is stored with the version its key had when it was computed (read before the database), and
used only while that version is still current. A change renews the version twice: at once, so the
rest of the changing transaction (and tests inside one) sees it, and again after commit, so an
entry computed by another request from the not-yet-committed rows cannot outlive the commit.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)


def renew(*keys: str) -> None:
    """Give each key a new random version now and again once the current transaction commits.

    The immediate change raises when the cache is unreachable, so the change that called it fails
    instead of leaving stale entries behind.
    """
    if not keys:
        return
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)

    def after_commit() -> None:
        try:
            cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
        except Exception:  # the change is committed; the immediate new version already covers it
            log.exception("versions %s not renewed after commit", keys)

    transaction.on_commit(after_commit)


def current(key: str) -> str:
    """The key's version, started when there is none yet (first use, or evicted; another process may
    win the race, whose version is then the one returned)."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return version
