"""Verifying the whole journal: the chain, every checkpoint's signatures, and that each signed root still holds."""

from dataclasses import dataclass, field

from doorstep_verify.chain import Problem, verify_log
from doorstep_verify.note import NoteError, parse_checkpoint
from journal import signing
from journal.models import Checkpoint, Entry, iso_utc

_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "data",
    "data_hash",
    "prev_hash",
    "entry_hash",
    "redacted_at",
)


@dataclass
class Outcome:
    entries: int = 0
    checkpoints: int = 0
    witnessed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def stored_entries() -> list[dict]:
    rows = []
    for values in Entry.objects.order_by("seq").values_list(*_FIELDS).iterator(chunk_size=5000):
        row = dict(zip(_FIELDS, values, strict=True))
        row["created_at"] = iso_utc(row["created_at"])
        if row.pop("redacted_at") is not None:
            row["data"] = None
        rows.append(row)
    return rows


def verify_journal(extra_checkpoints: list[str] | None = None) -> Outcome:
    """Check everything; problems are listed with the first bad entry first.

    extra_checkpoints are signed notes the verifier brings along (a witness's state file, a receipt):
    they count even if someone deleted the checkpoint rows from the database.
    """
    outcome = Outcome()
    entries = stored_entries()
    outcome.entries = len(entries)
    log_keys, witness_keys = signing.log_verifiers(), signing.witness_verifiers()
    origin = signing.origin()
    trusted = []
    checkpoint_problems = []
    for n, note in enumerate(extra_checkpoints or [], start=1):
        outcome.checkpoints += 1
        try:
            parsed = parse_checkpoint(note)
        except (NoteError, ValueError) as exc:
            checkpoint_problems.append(Problem("forged_checkpoint", None, f"checkpoint file {n}: {exc}"))
            continue
        if parsed.origin != origin or not parsed.note.verified_by(log_keys):
            checkpoint_problems.append(
                Problem(
                    "forged_checkpoint", None, f"checkpoint file {n}: not signed by a log key for {origin}"
                )
            )
            continue
        if parsed.note.verified_by(witness_keys):
            outcome.witnessed += 1
        trusted.append(parsed)
    for cp in Checkpoint.objects.order_by("tree_size"):
        outcome.checkpoints += 1
        try:
            parsed = parse_checkpoint(cp.note)
        except (NoteError, ValueError) as exc:
            checkpoint_problems.append(
                Problem("forged_checkpoint", None, f"checkpoint {cp.tree_size}: {exc}")
            )
            continue
        if parsed.origin != origin or parsed.size != cp.tree_size or parsed.root.hex() != cp.root_hash:
            checkpoint_problems.append(
                Problem("forged_checkpoint", None, f"checkpoint {cp.tree_size}: its text and record disagree")
            )
            continue
        if not parsed.note.verified_by(log_keys):
            checkpoint_problems.append(
                Problem(
                    "forged_checkpoint", None, f"checkpoint {cp.tree_size}: no valid signature by a log key"
                )
            )
            continue
        if parsed.note.verified_by(witness_keys):
            outcome.witnessed += 1
        trusted.append(parsed)
    roots: dict[int, set[bytes]] = {}
    for c in trusted:
        roots.setdefault(c.size, set()).add(c.root)
    for size, found in sorted(roots.items()):
        if len(found) > 1:
            checkpoint_problems.append(
                Problem(
                    "forged_checkpoint",
                    None,
                    f"two validly signed checkpoints of size {size} disagree (a fork)",
                )
            )
    problem = verify_log(entries, [(c.size, c.root) for c in trusted])
    if problem:
        outcome.problems.append(problem)
    outcome.problems.extend(checkpoint_problems)
    return outcome
