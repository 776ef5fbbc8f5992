"""Receipts and checkpoints over the API, for clients and for monitors/witnesses that fetch checkpoints."""

import base64
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from ninja import Router, Schema
from ninja.errors import HttpError

from journal import selectors, services, signing
from journal.models import Checkpoint
from journal.services import ChainBroken

router = Router(tags=["journal"])


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    note: str


class LatestCheckpointOut(Schema):
    origin: str
    checkpoint: CheckpointOut | None
    log_keys: list[str]
    witness_keys: list[str]


class ReceiptOut(Schema):
    seq: int
    action: str
    created_at: datetime
    entry_hash: str
    prev_hash: str
    data_hash: str
    checkpoint: CheckpointOut
    inclusion_proof: list[str]
    root_base64: str


@router.get("/checkpoints/latest", response=LatestCheckpointOut)
def checkpoint_latest(request):
    """The newest signed checkpoint and the public keys that verify it (no personal data)."""
    latest = Checkpoint.objects.order_by("-tree_size").first()
    return {
        "origin": signing.origin(),
        "checkpoint": latest,
        "log_keys": [k.vkey for k in signing.log_verifiers()],
        "witness_keys": [k.vkey for k in signing.witness_verifiers()],
    }


@router.get("/receipts/{seq}", response=ReceiptOut)
def receipt(request, seq: int):
    """An entry's hash, the checkpoint that includes it (signed on demand) and its inclusion proof."""
    entry = selectors.receipt_entry_get(user=request.user, seq=seq)
    try:
        checkpoint = services.checkpoint_covering(seq=entry.seq)
    except (ImproperlyConfigured, ChainBroken) as exc:
        raise HttpError(503, str(exc)) from exc
    return {
        "seq": entry.seq,
        "action": entry.action,
        "created_at": entry.created_at,
        "entry_hash": entry.entry_hash,
        "prev_hash": entry.prev_hash,
        "data_hash": entry.data_hash,
        "checkpoint": checkpoint,
        "inclusion_proof": selectors.inclusion_proof(entry=entry, checkpoint=checkpoint),
        "root_base64": base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode(),
    }
