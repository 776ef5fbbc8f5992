"""Writing the journal. The only way an entry comes to exist is entry_record()."""

import json
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep_verify.chain import GENESIS, data_hash, entry_hash
from doorstep_verify.merkle import MerkleTree, verify_consistency
from doorstep_verify.note import Checkpoint as CheckpointBody
from doorstep_verify.note import NoteSigner, add_signature, parse_checkpoint, sign_note
from journal import signing
from journal.actions import ACTIONS
from journal.models import Checkpoint, Encounter, Entry
from territory.models import AdminUnit
from territory.selectors import unit_in_scope


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


class ChainBroken(RuntimeError):
    """The stored log no longer extends the last signed checkpoint: refuse to sign over a rewrite."""


def _stored_hashes(limit: int | None = None) -> list[str]:
    qs = Entry.objects.order_by("seq").values_list("entry_hash", flat=True)
    return list(qs[:limit] if limit is not None else qs)


def checkpoint_create() -> Checkpoint:
    """Sign the log's current size and Merkle root; reuses the last checkpoint when nothing new was written."""
    with transaction.atomic():
        _serialise_writers()
        hashes = _stored_hashes()
        size = len(hashes)
        if size == 0:
            raise ChainBroken("the journal is empty: there is nothing to sign")
        existing = Checkpoint.objects.filter(tree_size=size).first()
        if existing is not None:
            return existing
        tree = MerkleTree.from_entry_hashes(hashes)
        previous = Checkpoint.objects.filter(tree_size__lt=size).order_by("-tree_size").first()
        if previous is not None and tree.root(previous.tree_size).hex() != previous.root_hash:
            raise ChainBroken(
                f"entries 1–{previous.tree_size} no longer match the checkpoint signed at that size; "
                "run manage.py journal_verify"
            )
        root = tree.root()
        signer = signing.log_signer()
        note = sign_note(CheckpointBody.body(signing.origin(), size, root), signer)
        return Checkpoint.objects.create(
            tree_size=size,
            root_hash=root.hex(),
            note=note,
            key_name=signer.name,
            key_id=f"{signer.key_id:08x}",
        )


def checkpoint_covering(*, seq: int) -> Checkpoint:
    """The first checkpoint that includes entry seq, signing a new one when none does yet."""
    found = Checkpoint.objects.filter(tree_size__gte=seq).order_by("tree_size").first()
    return found or checkpoint_create()


def checkpoint_witness(
    *, checkpoint: Checkpoint, witness: NoteSigner, last_seen: str | None = None
) -> Checkpoint:
    """A witness countersigns a checkpoint after checking the log's signature and that it extends what it saw before.

    last_seen is the witness's own copy of the last checkpoint it cosigned (kept by the witness,
    outside this database); without it, the previous checkpoint carrying its signature is used.
    """
    parsed = parse_checkpoint(checkpoint.note)
    if not parsed.note.verified_by(signing.log_verifiers()):
        raise ChainBroken("the checkpoint is not signed by a known log key")
    if parsed.origin != signing.origin() or parsed.root.hex() != checkpoint.root_hash:
        raise ChainBroken("the checkpoint's text does not match its record")
    if any(name == witness.name and kid == witness.key_id for name, kid, _sig in parsed.note.signatures):
        return checkpoint
    if last_seen:
        previous = parse_checkpoint(last_seen)
        if not previous.note.verified_by([witness.verifier]):
            raise ChainBroken("the witness's last-seen checkpoint does not carry its own signature")
    else:
        previous = None
        for older in Checkpoint.objects.filter(tree_size__lt=checkpoint.tree_size).order_by("-tree_size"):
            candidate = parse_checkpoint(older.note)
            if candidate.note.verified_by([witness.verifier]):
                previous = candidate
                break
    if previous is not None:
        if previous.size > parsed.size:
            raise ChainBroken("the witness has already seen a larger checkpoint")
        tree = MerkleTree.from_entry_hashes(_stored_hashes(parsed.size))
        proof = tree.consistency_proof(previous.size, parsed.size)
        if not verify_consistency(previous.size, parsed.size, previous.root, parsed.root, proof):
            raise ChainBroken(
                f"checkpoint {parsed.size} does not extend checkpoint {previous.size}: history rewritten"
            )
    checkpoint.note = add_signature(checkpoint.note, witness)
    checkpoint.save(update_fields=["note"])
    return checkpoint


def _require(actor, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(_("你没有这项权限。"))


@transaction.atomic
def encounter_record(
    *,
    actor,
    village: AdminUnit,
    occurred_at: datetime,
    place: str,
    counterpart: str,
    asked: str,
    promised: str = "",
    household=None,
) -> Encounter:
    """Write down a difficult encounter in the journal, inside the cadre's own jurisdiction."""
    _require(actor, "journal.add_encounter")
    if not unit_in_scope(user=actor, unit=village):
        raise PermissionDenied(_("这个村不在你的管辖范围内。"))
    if household is not None and household.village_id != village.pk:
        raise ValidationError({"household": _("这户不在所选的村。")})
    encounter = Encounter(
        village=village,
        household=household,
        scope_path=household.scope_path if household is not None else village.path,
        occurred_at=occurred_at,
        place=place,
        counterpart=counterpart,
        asked=asked,
        promised=promised,
        recorded_by=actor,
    )
    encounter.full_clean()
    encounter.save()
    entry = entry_record(
        actor=actor,
        action="journal.encounter.recorded",
        target=encounter,
        data={
            "occurred_at": occurred_at.isoformat(),
            "place": place,
            "counterpart": counterpart,
            "asked": asked,
            "promised": promised,
            "village": village.code,
            "household": household.pk if household is not None else None,
        },
    )
    encounter.recorded_seq = entry.seq
    encounter.save(update_fields=["recorded_seq"])
    return encounter


@transaction.atomic
def encounter_acknowledge(*, actor, encounter: Encounter, resident_name: str) -> Encounter:
    """The resident, on the cadre's phone, confirms the record by typing their name; once only."""
    _require(actor, "journal.add_encounter")
    resident_name = resident_name.strip()
    if not resident_name:
        raise ValidationError({"resident_name": _("请对方写下自己的名字。")})
    if encounter.acknowledged_at is not None:
        raise ValidationError(_("这条记录已经确认过了。"))
    entry = entry_record(
        actor=actor,
        action="journal.encounter.acknowledged",
        target=encounter,
        data={"resident_name": resident_name, "recorded_seq": encounter.recorded_seq},
    )
    encounter.acknowledged_name = resident_name[:100]
    encounter.acknowledged_at = entry.created_at
    encounter.acknowledged_seq = entry.seq
    encounter.save(update_fields=["acknowledged_name", "acknowledged_at", "acknowledged_seq"])
    return encounter


@transaction.atomic
def evidence_export(*, actor, target) -> bytes:
    """An evidence bundle (zip) of every entry about one case; the export itself is journaled."""
    _require(actor, "journal.export_evidence")
    from journal.evidence import build_bundle

    payload, count = build_bundle(target=target)
    entry_record(
        actor=actor,
        action="journal.evidence.exported",
        target=target,
        data={"entries": count, "bytes": len(payload)},
    )
    return payload


@transaction.atomic
def entry_redact(*, actor, entry: Entry, reason: str) -> Entry:
    """Erase an entry's personal content under a retention rule: journaled first, only `data` cleared, data_hash kept."""
    _require(actor, "journal.redact_entry")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明删除内容的依据。")})
    if entry.redacted_at is not None:
        return entry
    if entry.action == "journal.entry.redacted":
        raise ValidationError(_("删除记录本身不能再删除。"))
    record = entry_record(
        actor=actor,
        action="journal.entry.redacted",
        target=("journal.entry", entry.seq),
        data={"seq": entry.seq, "data_hash": entry.data_hash, "reason": reason},
    )
    Entry.objects.filter(pk=entry.pk).update(data={}, redacted_at=record.created_at)
    entry.refresh_from_db()
    return entry
