"""Reading the journal, scoped: staff see entries about objects they can see, or that they wrote."""

from django.apps import apps
from django.db.models import QuerySet
from django.http import Http404

from doorstep_verify.merkle import MerkleTree
from journal.models import Checkpoint, Encounter, Entry
from territory.selectors import jurisdiction_paths, scope_q


def entries_for_target(*, target) -> QuerySet[Entry]:
    """Entries about one object the caller has already fetched through a scoped selector."""
    return Entry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")


def pii_views_for_target(*, target) -> QuerySet[Entry]:
    return entries_for_target(target=target).filter(action__endswith=".pii_viewed")


def encounter_list(*, user) -> QuerySet[Encounter]:
    return Encounter.objects.filter(scope_q(user, "scope_path")).select_related(
        "village", "household", "recorded_by"
    )


def my_encounters(*, user) -> QuerySet[Encounter]:
    return encounter_list(user=user).filter(recorded_by=user)


def encounter_get(*, user, pk) -> Encounter:
    try:
        return encounter_list(user=user).get(pk=pk)
    except (Encounter.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _scope_path_of(obj) -> str | None:
    for attr in ("scope_path",):
        if getattr(obj, attr, None):
            return getattr(obj, attr)
    for relation in ("household", "person"):
        related = getattr(obj, relation, None)
        if related is not None:
            path = _scope_path_of(related)
            if path:
                return path
    for relation in ("village", "unit"):
        unit = getattr(obj, relation, None)
        if unit is not None and getattr(unit, "path", None):
            return unit.path
    return None


def target_get(*, user, target_type: str, target_id) -> object:
    """The object an entry is about, when it lies inside the user's jurisdiction; 404 otherwise (deny by default)."""
    from registry import selectors as registry_selectors

    if target_type == "journal.encounter":
        return encounter_get(user=user, pk=target_id)
    if target_type == "registry.household":
        return registry_selectors.household_get(user=user, pk=target_id)
    if target_type == "registry.person":
        return registry_selectors.person_get(user=user, pk=target_id)
    try:
        model = apps.get_model(target_type)
        obj = model._default_manager.filter(pk=target_id).first()
    except (LookupError, ValueError, TypeError):
        raise Http404 from None
    path = _scope_path_of(obj) if obj is not None else None
    if not path or not any(path.startswith(p) for p in jurisdiction_paths(user)):
        raise Http404
    return obj


def receipt_entry_get(*, user, seq) -> Entry:
    """An entry the user may hold a receipt for: one they wrote, or one about an object in their jurisdiction."""
    try:
        entry = Entry.objects.select_related("actor").get(seq=int(seq))
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if entry.actor_id is not None and entry.actor_id == getattr(user, "pk", None):
        return entry
    if not entry.target_type or not entry.target_id:
        raise Http404
    target_get(user=user, target_type=entry.target_type, target_id=entry.target_id)
    return entry


def person_access_log(*, user, pk) -> tuple[object, QuerySet[Entry]]:
    """A person (scoped) and every journaled view of their unmasked data, newest first."""
    from registry import selectors as registry_selectors

    person = registry_selectors.person_get(user=user, pk=pk)
    return person, pii_views_for_target(target=person).order_by("-seq")


def tree_up_to(size: int) -> MerkleTree:
    hashes = Entry.objects.order_by("seq").values_list("entry_hash", flat=True)[:size]
    return MerkleTree.from_entry_hashes(hashes)


def inclusion_proof(*, entry: Entry, checkpoint: Checkpoint, tree: MerkleTree | None = None) -> list[str]:
    tree = tree or tree_up_to(checkpoint.tree_size)
    return [h.hex() for h in tree.inclusion_proof(entry.seq - 1, checkpoint.tree_size)]


def consistency_proof(*, old: Checkpoint, new: Checkpoint, tree: MerkleTree | None = None) -> list[str]:
    tree = tree or tree_up_to(new.tree_size)
    return [h.hex() for h in tree.consistency_proof(old.tree_size, new.tree_size)]


def encounter_matches_journal(*, encounter: Encounter) -> bool | None:
    """Whether the encounter row still says what its journal entry says (None: entry missing or content redacted)."""
    from datetime import datetime

    entry = Entry.objects.filter(seq=encounter.recorded_seq).first() if encounter.recorded_seq else None
    if entry is None or entry.redacted_at is not None:
        return None
    data = entry.data
    try:
        same_time = datetime.fromisoformat(data["occurred_at"]) == encounter.occurred_at
    except (KeyError, TypeError, ValueError):
        return False
    return same_time and all(
        data.get(field) == getattr(encounter, field)
        for field in ("place", "counterpart", "asked", "promised")
    )
