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


_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_sha256 = hashlib.sha256
_q = json.encoder.encode_basestring  # a JSON string literal with non-ASCII kept as is (ensure_ascii=False)


def canonical(value) -> bytes:
    """Sorted-key, compact, UTF-8 JSON: the one byte form that is hashed."""
    return _SORTED.encode(value).encode()


def data_hash(data) -> str:
    return _sha256(canonical(data)).hexdigest()


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
    return _sha256(canonical(entry_payload(entry))).hexdigest()


def _entry_hash_fast(e: dict) -> str:
    """entry_hash() spelled out for the hot loop (same bytes: keys in sorted order, no nested objects)."""
    actor_id, seq = e["actor_id"], e["seq"]
    if type(seq) is not int or (actor_id is not None and type(actor_id) is not int):
        return entry_hash(e)
    try:
        text = (
            f'{{"action":{_q(e["action"])},"actor":[{"null" if actor_id is None else actor_id},'
            f'{_q(e["actor_label"])}],"created_at":{_q(e["created_at"])},"data_hash":{_q(e["data_hash"])},'
            f'"prev_hash":{_q(e["prev_hash"])},"seq":{seq},'
            f'"target":[{_q(e["target_type"])},{_q(e["target_id"])},{_q(e["target_label"])}]}}'
        )
    except TypeError:  # a field that is not a string: let the general encoder decide
        return entry_hash(e)
    return _sha256(text.encode()).hexdigest()


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
    return _entry_hash_fast(entry) == entry["entry_hash"]


def _first_inconsistent(entries, start: int, end: int) -> int | None:
    encode, sha = _SORTED.encode, _sha256
    for i in range(start, end):
        e = entries[i]
        data = e.get("data")
        if data is not None and sha(encode(data).encode()).hexdigest() != e["data_hash"]:
            return i
        if _entry_hash_fast(e) != e["entry_hash"]:
            return i
    return None


_SHARED: list = []


def _chunk_worker(bounds: tuple[int, int]) -> int | None:
    return _first_inconsistent(_SHARED, *bounds)


def _first_inconsistent_parallel(entries, workers: int | None) -> int | None:
    """Hash checks are independent per entry: split them over CPU cores (fork shares the list, no copying)."""
    import multiprocessing
    import os

    n = len(entries)
    workers = (os.cpu_count() or 1) if workers == 0 else (workers or 1)
    if workers < 2 or n < 50_000 or "fork" not in multiprocessing.get_all_start_methods():
        return _first_inconsistent(entries, 0, n)
    step = -(-n // (workers * 4))
    chunks = [(a, min(n, a + step)) for a in range(0, n, step)]
    _SHARED[:] = entries if isinstance(entries, list) else list(entries)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            found = [r for r in pool.map(_chunk_worker, chunks) if r is not None]
    finally:
        _SHARED.clear()
    return min(found) if found else None


def verify_chain(entries: list[dict], covered_size: int = 0, workers: int | None = None) -> Problem | None:
    """The first problem in a complete log (entries in stored order, first seq 1), or None.

        covered_size is the largest tree size a trusted checkpoint vouches for: fewer entries than
        that means the log was truncated. workers > 1 (0: one per CPU) spreads the hash checks over
    processes for big logs. The hashes are checked first, the
        links and sequence numbers next; the first entry failing either is then diagnosed in detail.
    """
    first_bad = _first_inconsistent_parallel(entries, workers)
    redactions = journaled_redactions(entries)
    expected_prev, expected_seq = GENESIS, 1
    for i, entry in enumerate(entries):
        if (
            entry["prev_hash"] != expected_prev
            or entry["seq"] != expected_seq
            or (entry.get("data") is None and entry["seq"] not in redactions)
        ):
            first_bad = i if first_bad is None else min(first_bad, i)
            break
        expected_prev, expected_seq = entry["entry_hash"], expected_seq + 1
    if first_bad is None:
        if covered_size > len(entries):
            return Problem(
                "truncated",
                len(entries) + 1,
                f"a signed checkpoint covers {covered_size} entries but only {len(entries)} remain",
            )
        return None
    return _diagnose(entries, first_bad, redactions)


REDACTION_ACTION = "journal.entry.redacted"


def journaled_redactions(entries) -> set[int]:
    """Sequence numbers whose content was erased by a journaled redaction (data None is only legitimate then)."""
    found = set()
    for e in entries:
        data = e.get("data")
        if e["action"] != REDACTION_ACTION or not isinstance(data, dict):
            continue
        target = data.get("seq")
        if isinstance(target, int) and target < e["seq"]:
            found.add(target)
    return found


def _diagnose(entries: list[dict], start: int, redactions: set[int]) -> Problem | None:
    expected_prev = entries[start - 1]["entry_hash"] if start else GENESIS
    position_of: dict[str, int] | None = None
    for i in range(start, len(entries)):
        entry = entries[i]
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
        if entry.get("data") is None and entry["seq"] not in redactions:
            return Problem("edited", expected_seq, "its content was erased without a journaled redaction")
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
    return None


def verify_log(
    entries: list[dict], checkpoints: list[tuple[int, bytes]], workers: int | None = None
) -> Problem | None:
    """The chain, then every trusted checkpoint's root: a rewrite that recomputed every hash still shows.

    checkpoints are (tree size, root) pairs whose signatures the caller has already checked.
    """
    from doorstep_verify.merkle import MerkleTree

    ordered = sorted(checkpoints)
    problem = verify_chain(entries, max((size for size, _root in ordered), default=0), workers=workers)
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
