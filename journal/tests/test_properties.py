"""Property tests: any edit, deletion, reordering or truncation before the last checkpoint is detected and located."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep_verify.chain import GENESIS, data_hash, entry_hash, verify_chain, verify_log
from doorstep_verify.merkle import MerkleTree

FIELDS = [
    "data",
    "action",
    "actor_label",
    "target_id",
    "created_at",
    "seq",
    "prev_hash",
    "entry_hash",
    "actor_id",
]


def build_chain(n: int) -> list[dict]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = {
            "seq": i,
            "created_at": f"2026-11-26T10:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z",
            "actor_id": i % 5 or None,
            "actor_label": f"user{i % 5}",
            "action": ["registry.person.updated", "visits.visit.recorded", "journal.encounter.recorded"][
                i % 3
            ],
            "target_type": "registry.household",
            "target_id": str(i % 7),
            "target_label": f"户{i % 7}",
            "data": {"n": i, "note": "走访" * (i % 3)},
            "prev_hash": prev,
        }
        e["data_hash"] = data_hash(e["data"])
        e["entry_hash"] = entry_hash(e)
        prev = e["entry_hash"]
        entries.append(e)
    return entries


def checkpoint_at(entries, size):
    return (size, MerkleTree.from_entry_hashes(e["entry_hash"] for e in entries[:size]).root(size))


def _changed(entry: dict, field: str) -> dict:
    e = copy.deepcopy(entry)
    if field == "data":
        e["data"] = {**e["data"], "n": e["data"]["n"] + 1000}
    elif field in ("seq", "actor_id"):
        e[field] = (e[field] or 0) + 17
    elif field in ("prev_hash", "entry_hash"):
        e[field] = ("f" if e[field][0] != "f" else "e") + e[field][1:]
    else:
        e[field] = e[field] + "x"
    return e


chains = st.integers(min_value=2, max_value=40).map(build_chain)


@settings(max_examples=150, deadline=None)
@given(chains, st.data())
def test_any_edit_is_detected_at_the_edited_entry(entries, data):
    i = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(FIELDS))
    tampered = entries[:i] + [_changed(entries[i], field)] + entries[i + 1 :]
    problem = verify_chain(tampered, covered_size=len(entries))
    assert problem is not None and problem.seq == i + 1 and problem.kind == "edited", (field, problem)


@settings(max_examples=150, deadline=None)
@given(chains, st.data())
def test_any_deletion_is_detected_where_the_entry_was(entries, data):
    i = data.draw(st.integers(0, len(entries) - 1))
    tampered = entries[:i] + entries[i + 1 :]
    problem = verify_chain(tampered, covered_size=len(entries))
    expected_kind = "truncated" if i == len(entries) - 1 else "missing"
    assert problem is not None and (problem.kind, problem.seq) == (expected_kind, i + 1)


@settings(max_examples=150, deadline=None)
@given(chains, st.data())
def test_any_reordering_is_detected_at_the_first_moved_entry(entries, data):
    i = data.draw(st.integers(0, len(entries) - 2))
    j = data.draw(st.integers(i + 1, len(entries) - 1))
    tampered = list(entries)
    tampered[i], tampered[j] = tampered[j], tampered[i]
    problem = verify_chain(tampered, covered_size=len(entries))
    assert problem is not None and (problem.kind, problem.seq) == ("reordered", i + 1)


@settings(max_examples=100, deadline=None)
@given(chains, st.data())
def test_any_truncation_before_the_checkpoint_is_detected(entries, data):
    keep = data.draw(st.integers(0, len(entries) - 1))
    problem = verify_chain(entries[:keep], covered_size=len(entries))
    assert problem is not None and (problem.kind, problem.seq) == ("truncated", keep + 1)


@settings(max_examples=100, deadline=None)
@given(chains, st.data())
def test_a_full_rehash_after_an_edit_is_caught_by_the_signed_roots_and_bounded(entries, data):
    """The strongest attacker (a database superuser) edits one entry and recomputes every later hash."""
    sizes = sorted(set(data.draw(st.lists(st.integers(1, len(entries)), min_size=1, max_size=4))))
    checkpoints = [checkpoint_at(entries, s) for s in sizes]
    i = data.draw(st.integers(0, sizes[-1] - 1))
    forged, prev = [], GENESIS
    for k, entry in enumerate(entries):
        e = _changed(entry, "data") if k == i else copy.deepcopy(entry)
        e["data_hash"] = data_hash(e["data"])
        e["prev_hash"] = prev
        e["entry_hash"] = entry_hash(e)
        prev = e["entry_hash"]
        forged.append(e)
    assert verify_chain(forged) is None  # the chain alone cannot tell
    problem = verify_log(forged, checkpoints)
    assert problem is not None and problem.kind == "rewritten"
    covering = min(s for s in sizes if s > i)
    previous = max([s for s in sizes if s <= i], default=0)
    assert problem.seq == previous + 1 and f"–{covering} " in problem.message


@settings(max_examples=50, deadline=None)
@given(chains)
def test_an_untouched_log_verifies(entries):
    assert verify_log(entries, [checkpoint_at(entries, len(entries))]) is None


def _reference_root(leaves):
    """RFC 6962 §2.1 MTH, written straight from the definition."""
    import hashlib

    from doorstep_verify.merkle import leaf_hash, node_hash

    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 70), st.data())
def test_merkle_roots_and_proofs_follow_rfc6962(n, data):
    from doorstep_verify.merkle import leaf_hash, verify_consistency, verify_inclusion

    raw = [bytes([k % 256, k // 256]) * 16 for k in range(n)]
    tree = MerkleTree([leaf_hash(x) for x in raw])
    size = data.draw(st.integers(1, n))
    old = data.draw(st.integers(1, size))
    index = data.draw(st.integers(0, size - 1))
    assert tree.root(size) == _reference_root(raw[:size])
    proof = tree.inclusion_proof(index, size)
    assert verify_inclusion(index, size, leaf_hash(raw[index]), proof, tree.root(size))
    assert not verify_inclusion(index, size, leaf_hash(b"\xff" * 32), proof, tree.root(size))
    consistency = tree.consistency_proof(old, size)
    assert verify_consistency(old, size, tree.root(old), tree.root(size), consistency)
    if old < size:
        assert not verify_consistency(
            old, size, tree.root(old), _reference_root(raw[:size] + [b"x"]), consistency
        )


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(texts, texts, texts, texts, st.one_of(st.none(), st.integers(0, 10**9)), st.integers(1, 10**12))
def test_the_fast_entry_hash_is_the_canonical_one(action, label, target_id, target_label, actor_id, seq):
    from doorstep_verify.chain import _entry_hash_fast

    e = {
        "seq": seq,
        "created_at": "2026-11-26T10:00:00.000001Z",
        "actor_id": actor_id,
        "actor_label": label,
        "action": action,
        "target_type": "registry.person",
        "target_id": target_id,
        "target_label": target_label,
        "data_hash": "a" * 64,
        "prev_hash": GENESIS,
    }
    assert _entry_hash_fast(e) == entry_hash(e)


def _append(entries, action, data):
    e = {
        "seq": len(entries) + 1,
        "created_at": "2026-11-27T00:00:00.000000Z",
        "actor_id": 1,
        "actor_label": "admin",
        "action": action,
        "target_type": "journal.entry",
        "target_id": str(data.get("seq", "")),
        "target_label": "",
        "data": data,
        "prev_hash": entries[-1]["entry_hash"],
    }
    e["data_hash"] = data_hash(data)
    e["entry_hash"] = entry_hash(e)
    return [*entries, e]


@settings(max_examples=100, deadline=None)
@given(chains, st.data())
def test_erased_content_verifies_only_with_a_journaled_redaction(entries, data):
    i = data.draw(st.integers(0, len(entries) - 1))
    erased = [dict(e) for e in entries]
    erased[i]["data"] = None
    problem = verify_chain(erased, covered_size=len(entries))
    assert problem is not None and (problem.kind, problem.seq) == ("edited", i + 1)
    journaled = _append(erased, "journal.entry.redacted", {"seq": i + 1, "reason": "保存期限届满"})
    assert verify_chain(journaled, covered_size=len(entries)) is None


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 12), data=st.data())
def test_raw_sql_tampering_in_the_database_is_found_by_journal_verify(n, data):
    """The same properties against the real table: triggers lifted inside a savepoint, as only a superuser could."""
    import json as _json

    from django.db import connection, transaction

    import journal
    from journal.db import install_guards, remove_guards
    from journal.services import checkpoint_create
    from journal.verification import verify_journal

    kind = data.draw(st.sampled_from(["edit", "delete", "swap", "truncate"]))
    try:
        with transaction.atomic():
            from journal.models import Entry

            start = Entry.objects.count()
            for k in range(n):
                journal.record(actor=None, action="journal.entry.exported", data={"k": k})
            checkpoint_create()
            i = data.draw(st.integers(start + 1, start + n - 1))
            remove_guards(connection)
            with connection.cursor() as cursor:
                if kind == "edit":
                    cursor.execute(
                        "UPDATE journal_entry SET data = %s WHERE seq = %s", [_json.dumps({"k": -1}), i]
                    )
                    expected = ("edited", i)
                elif kind == "delete":
                    cursor.execute("DELETE FROM journal_entry WHERE seq = %s", [i])
                    expected = ("missing", i)
                elif kind == "swap":
                    cursor.execute("UPDATE journal_entry SET seq = -1 WHERE seq = %s", [i])
                    cursor.execute("UPDATE journal_entry SET seq = %s WHERE seq = %s", [i, i + 1])
                    cursor.execute("UPDATE journal_entry SET seq = %s WHERE seq = -1", [i + 1])
                    expected = ("reordered", i)
                else:
                    cursor.execute("DELETE FROM journal_entry WHERE seq >= %s", [i])
                    expected = ("truncated", i)
            install_guards(connection)
            problem = verify_journal().problems[0]
            assert (problem.kind, problem.seq) == expected, (kind, problem)
            raise _Rollback
    except _Rollback:
        pass
