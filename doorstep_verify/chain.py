"""The hash chain: canonical serialisation of an entry, its hash, and locating the first bad entry.

An entry is a dict with: seq, created_at (ISO 8601 UTC with microseconds, "…Z"), actor_id,
actor_label, action, target_type, target_id, target_label, data (None once redacted), data_hash,
prev_hash, entry_hash. The entry hash commits to data only through data_hash, so personal content
can later be erased from `data` without breaking the chain.
"""

import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical(value) -> bytes:
    """Sorted-key, compact, UTF-8 JSON: the one byte form that is hashed."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def data_hash(data) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def entry_payload(entry: dict) -> dict:
    return {
        "seq": entry["seq"],
        "created_at": entry["created_at"],
        "actor": [entry["actor_id"], entry["actor_label"]],
        "action": entry["action"],
        "target": [entry["target_type"], entry["target_id"], entry["target_label"]],
        "data_hash": entry["data_hash"],
        "prev_hash": entry["prev_hash"],
    }


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical(entry_payload(entry))).hexdigest()


@dataclass(frozen=True)
class Problem:
    """What is wrong and where: kind is edited, missing, reordered, truncated, rewritten or forged_checkpoint."""

    kind: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry #{self.seq}: " if self.seq is not None else ""
        return f"{self.kind.upper()} {where}{self.message}"


def _self_consistent(entry: dict) -> bool:
    if entry.get("data") is not None and data_hash(entry["data"]) != entry["data_hash"]:
        return False
    return entry_hash(entry) == entry["entry_hash"]


def verify_chain(entries: list[dict], covered_size: int = 0) -> Problem | None:
    """The first problem in a complete log (entries in stored order, first seq 1), or None.

    covered_size is the largest tree size a trusted checkpoint vouches for: fewer entries than
    that means the log was truncated.
    """
    expected_prev = GENESIS
    position_of: dict[str, int] | None = None
    for i, entry in enumerate(entries):
        expected_seq = i + 1
        if entry["prev_hash"] != expected_prev:
            if position_of is None:
                position_of = {e["entry_hash"]: j for j, e in enumerate(entries)}
            later = position_of.get(entry["prev_hash"], -1)
            if later > i or position_of.get(entry["entry_hash"], i) < i:
                return Problem(
                    "reordered", expected_seq, "entries are out of order: this one belongs after a later one"
                )
            if _self_consistent(entry):
                return Problem(
                    "missing",
                    expected_seq,
                    f"the entry before #{entry['seq']} is missing (chain link broken)",
                )
            return Problem("edited", expected_seq, "its link to the previous entry was altered")
        if entry.get("data") is not None and data_hash(entry["data"]) != entry["data_hash"]:
            return Problem("edited", expected_seq, "its content (data) no longer matches its data_hash")
        if entry_hash(entry) != entry["entry_hash"]:
            return Problem("edited", expected_seq, "its fields no longer match its entry_hash")
        if entry["seq"] != expected_seq:
            kind = "missing" if entry["seq"] > expected_seq else "reordered"
            return Problem(
                kind, expected_seq, f"sequence number {entry['seq']} found where {expected_seq} belongs"
            )
        expected_prev = entry["entry_hash"]
    if covered_size > len(entries):
        return Problem(
            "truncated",
            len(entries) + 1,
            f"a signed checkpoint covers {covered_size} entries but only {len(entries)} remain",
        )
    return None


def verify_log(entries: list[dict], checkpoints: list[tuple[int, bytes]]) -> Problem | None:
    """The chain, then every trusted checkpoint's root: a rewrite that recomputed every hash still shows.

    checkpoints are (tree size, root) pairs whose signatures the caller has already checked.
    """
    from doorstep_verify.merkle import MerkleTree

    ordered = sorted(checkpoints)
    problem = verify_chain(entries, max((size for size, _root in ordered), default=0))
    if problem:
        return problem
    tree = MerkleTree.from_entry_hashes(e["entry_hash"] for e in entries)
    last_good = 0
    for size, root in ordered:
        if tree.root(size) != root:
            return Problem(
                "rewritten",
                last_good + 1,
                f"entries {last_good + 1}–{size} no longer match the checkpoint signed at size {size}; "
                "the first changed entry lies in that range",
            )
        last_good = size
    return None
