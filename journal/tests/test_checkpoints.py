import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import journal
from doorstep_verify.merkle import MerkleTree, verify_consistency, verify_inclusion
from doorstep_verify.note import NoteSigner, parse_checkpoint
from journal import signing
from journal.models import Checkpoint, Entry
from journal.services import ChainBroken, checkpoint_covering, checkpoint_create, checkpoint_witness
from journal.verification import verify_journal


def _record(n):
    return [journal.record(actor=None, action="journal.entry.exported", data={"n": i}) for i in range(n)]


def test_checkpoint_signs_size_and_merkle_root_in_a_plain_text_note(db):
    _record(5)
    cp = checkpoint_create()
    lines = cp.note.split("\n")
    assert lines[0] == "doorstep.test/journal" and lines[1] == str(Entry.objects.count()) and lines[3] == ""
    assert lines[4].startswith("— doorstep.test/journal ")
    parsed = parse_checkpoint(cp.note)
    assert parsed.note.verified_by(signing.log_verifiers())
    hashes = list(Entry.objects.order_by("seq").values_list("entry_hash", flat=True))
    assert parsed.root == MerkleTree.from_entry_hashes(hashes).root()


def test_nothing_new_reuses_the_last_checkpoint(db):
    _record(2)
    assert checkpoint_create().pk == checkpoint_create().pk


def test_entry_is_included_in_the_checkpoint_that_covers_it_and_checkpoints_are_consistent(db):
    _record(3)
    first = checkpoint_create()
    _record(4)
    entry = Entry.objects.order_by("seq")[4]
    second = checkpoint_covering(seq=entry.seq)
    assert second.tree_size == Entry.objects.count() > first.tree_size
    tree = MerkleTree.from_entry_hashes(Entry.objects.order_by("seq").values_list("entry_hash", flat=True))
    from doorstep_verify.merkle import leaf_hash

    proof = tree.inclusion_proof(entry.seq - 1, second.tree_size)
    root = bytes.fromhex(second.root_hash)
    assert verify_inclusion(
        entry.seq - 1, second.tree_size, leaf_hash(bytes.fromhex(entry.entry_hash)), proof, root
    )
    old_root = bytes.fromhex(first.root_hash)
    assert verify_consistency(
        first.tree_size,
        second.tree_size,
        old_root,
        root,
        tree.consistency_proof(first.tree_size, second.tree_size),
    )


def test_rotated_key_still_verifies_old_checkpoints(db, settings):
    _record(2)
    old_key = signing.log_signer()
    checkpoint_create()
    new_key = NoteSigner.generate("doorstep.test/journal")
    settings.DOORSTEP_JOURNAL_KEY = new_key.skey
    settings.JOURNAL_VERIFIER_KEYS = [old_key.verifier.vkey]
    _record(1)
    newer = checkpoint_create()
    assert newer.key_id == f"{new_key.key_id:08x}"
    assert verify_journal().ok
    settings.JOURNAL_VERIFIER_KEYS = []
    outcome = verify_journal()
    assert [p.kind for p in outcome.problems] == ["forged_checkpoint"]


def test_witness_countersigns_and_refuses_a_forged_checkpoint(db, settings):
    _record(2)
    witness = NoteSigner.generate("county-witness")
    settings.JOURNAL_WITNESS_KEYS = [witness.verifier.vkey]
    cp = checkpoint_witness(checkpoint=checkpoint_create(), witness=witness)
    assert parse_checkpoint(cp.note).note.verified_by([witness.verifier])
    assert verify_journal().witnessed == 1
    _record(1)
    impostor = NoteSigner.generate("doorstep.test/journal")
    forged = checkpoint_create()
    forged.note = (
        forged.note.split("\n\n")[0] + "\n\n" + impostor.signature_line(forged.note.split("\n\n")[0] + "\n")
    )
    forged.save(update_fields=["note"])
    with pytest.raises(ChainBroken):
        checkpoint_witness(checkpoint=forged, witness=witness)


def test_journal_verify_command_exits_zero_when_all_holds(db, capsys):
    _record(3)
    call_command("journal_checkpoint")
    call_command("journal_verify")
    assert "OK" in capsys.readouterr().out


def _tamper(sql, params):
    """Bypass the append-only triggers inside this test's transaction only (rolled back afterwards)."""
    from journal.db import install_guards, remove_guards

    remove_guards(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    install_guards(connection)


def test_journal_verify_names_the_edited_entry(db):
    entries = _record(5)
    call_command("journal_checkpoint")
    _tamper("UPDATE journal_entry SET data = %s WHERE seq = %s", ['{"n": 42}', entries[2].seq])
    with pytest.raises(CommandError, match=rf"EDITED entry #{entries[2].seq}"):
        call_command("journal_verify")


def test_journal_verify_names_a_missing_entry_and_truncation(db):
    entries = _record(5)
    checkpoint_create()
    _tamper("DELETE FROM journal_entry WHERE seq = %s", [entries[1].seq])
    assert verify_journal().problems[0].kind == "missing"
    assert verify_journal().problems[0].seq == entries[1].seq


def test_journal_verify_notices_truncation_after_a_checkpoint(db):
    entries = _record(4)
    checkpoint_create()
    _tamper("DELETE FROM journal_entry WHERE seq >= %s", [entries[2].seq])
    problem = verify_journal().problems[0]
    assert (problem.kind, problem.seq) == ("truncated", entries[2].seq)


def test_a_superuser_rewrite_that_recomputes_every_hash_breaks_the_signed_root(db):
    from doorstep_verify.chain import data_hash, entry_hash

    _record(4)
    checkpoint_create()
    rows = list(Entry.objects.order_by("seq"))
    prev = None
    for row in rows:
        d = row.as_chain_dict()
        if row.seq == 2:
            d["data"] = {"n": 999}
            d["data_hash"] = data_hash(d["data"])
        if prev is not None:
            d["prev_hash"] = prev
        d["entry_hash"] = entry_hash(d)
        prev = d["entry_hash"]
        _tamper(
            "UPDATE journal_entry SET data=%s, data_hash=%s, prev_hash=%s, entry_hash=%s WHERE seq=%s",
            [json.dumps(d["data"]), d["data_hash"], d["prev_hash"], d["entry_hash"], row.seq],
        )
    problem = verify_journal().problems[0]
    assert problem.kind == "rewritten" and problem.seq == 1
    with pytest.raises(ChainBroken):
        _record(1)
        checkpoint_create()


def test_periodic_checkpoint_task_signs_the_current_log(db):
    from journal.tasks import checkpoint_periodic

    _record(2)
    result = checkpoint_periodic.enqueue()
    assert result.return_value == Entry.objects.count() == Checkpoint.objects.get().tree_size


def test_witness_command_countersigns_successive_checkpoints(db, tmp_path, settings, capsys):
    _record(3)
    call_command("journal_checkpoint")
    capsys.readouterr()
    key_file = tmp_path / "witness.key"
    call_command("journal_keygen", "county-witness", out=str(key_file))
    vkey = capsys.readouterr().out.strip()
    state = tmp_path / "state.txt"
    call_command("journal_witness", key_file=str(key_file), state=str(state))
    settings.JOURNAL_WITNESS_KEYS = vkey
    assert verify_journal().witnessed == 1 and "county-witness" in state.read_text()
    _record(2)
    call_command("journal_checkpoint")
    call_command("journal_witness", key_file=str(key_file), state=str(state))
    assert verify_journal().witnessed == 2


def test_a_checkpoint_kept_outside_still_catches_a_rewrite_after_the_rows_are_deleted(db, tmp_path):
    from doorstep_verify.chain import data_hash, entry_hash

    _record(4)
    held = tmp_path / "witness-state.txt"
    held.write_text(checkpoint_create().note)
    # A superuser deletes the checkpoints and re-hashes a rewritten chain.
    Checkpoint.objects.all().delete()
    prev = None
    for row in list(Entry.objects.order_by("seq")):
        d = row.as_chain_dict()
        if row.seq == 2:
            d["data"] = {"n": 999}
            d["data_hash"] = data_hash(d["data"])
        if prev is not None:
            d["prev_hash"] = prev
        d["entry_hash"] = entry_hash(d)
        prev = d["entry_hash"]
        _tamper(
            "UPDATE journal_entry SET data=%s, data_hash=%s, prev_hash=%s, entry_hash=%s WHERE seq=%s",
            [json.dumps(d["data"]), d["data_hash"], d["prev_hash"], d["entry_hash"], row.seq],
        )
    assert verify_journal().ok  # the server alone can no longer tell
    with pytest.raises(CommandError, match="REWRITTEN"):
        call_command("journal_verify", checkpoint=[str(held)])
