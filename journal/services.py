"""Writing the journal. The only way an entry comes to exist is entry_record()."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from doorstep_verify.chain import GENESIS, data_hash, entry_hash
from journal.actions import ACTIONS
from journal.models import Entry


class UnknownAction(ValueError):
    pass


def _target_ref(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:200]
    if isinstance(target, tuple):
        kind, ident = target
        return kind, str(ident), ""
    raise TypeError("target must be a model instance, a (type, id) tuple or None")


JOURNAL_LOCK_KEY = 0x646F6F72  # "door": one advisory lock serialises journal writers on PostgreSQL


def _serialise_writers() -> None:
    # SQLite already serialises writers (transaction_mode IMMEDIATE); PostgreSQL needs a lock held to commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [JOURNAL_LOCK_KEY])


def normalised_data(data: dict | None) -> dict:
    """The data exactly as it will read back from the JSON column, so its hash survives the round trip."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def entry_record(*, actor, action: str, target: Any = None, data: dict | None = None) -> Entry:
    """Append an entry in the caller's transaction; it vanishes if the business change rolls back."""
    if action not in ACTIONS:
        raise UnknownAction(f"Journal action {action!r} is not registered in any journal_actions.py")
    target_type, target_id, target_label = _target_ref(target)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    content = normalised_data(data)
    with transaction.atomic():
        _serialise_writers()
        last = Entry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        entry = Entry(
            seq=seq,
            created_at=timezone.now(),
            actor=actor_obj,
            actor_label=(actor.get_username() if actor_obj else str(actor or "system"))[:150],
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_label=target_label,
            data=content,
            data_hash=data_hash(content),
            prev_hash=prev_hash,
        )
        entry.entry_hash = entry_hash(entry.as_chain_dict())
        entry.save(force_insert=True)
        return entry
