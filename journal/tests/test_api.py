import base64

import journal
from doorstep_verify.merkle import leaf_hash, verify_inclusion
from doorstep_verify.note import parse_checkpoint
from territory.services import token_issue


def _auth(user):
    _t, key = token_issue(actor=user, staff=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_receipt_api_gives_a_proof_that_verifies(client, village_official):
    journal.record(actor=None, action="journal.entry.exported", data={})
    entry = journal.record(actor=village_official, action="journal.entry.exported", data={"n": 1})
    journal.record(actor=None, action="journal.entry.exported", data={})
    body = client.get(f"/api/v1/journal/receipts/{entry.seq}", **_auth(village_official)).json()
    assert body["entry_hash"] == entry.entry_hash
    size = body["checkpoint"]["tree_size"]
    root = base64.b64decode(body["root_base64"])
    assert parse_checkpoint(body["checkpoint"]["note"]).root == root
    proof = [bytes.fromhex(h) for h in body["inclusion_proof"]]
    assert verify_inclusion(entry.seq - 1, size, leaf_hash(bytes.fromhex(entry.entry_hash)), proof, root)


def test_latest_checkpoint_api_publishes_keys(client, village_official):
    body = client.get("/api/v1/journal/checkpoints/latest", **_auth(village_official)).json()
    assert body["origin"] == "doorstep.test/journal" and body["checkpoint"] is None and body["log_keys"]
    journal.record(actor=None, action="journal.entry.exported", data={})
    from journal.services import checkpoint_create

    checkpoint_create()
    body = client.get("/api/v1/journal/checkpoints/latest", **_auth(village_official)).json()
    assert body["checkpoint"]["tree_size"] >= 1


def test_receipt_api_hides_entries_outside_the_jurisdiction(client, village_official, tree):
    from core.testing import make_household

    household = make_household(tree.village_b1, address="乙一村1号")
    foreign = journal.record(actor=None, action="journal.entry.exported", target=household, data={})
    assert client.get(f"/api/v1/journal/receipts/{foreign.seq}", **_auth(village_official)).status_code == 404
