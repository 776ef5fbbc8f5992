"""Building an evidence bundle for one case (format: doorstep_verify.bundle)."""

import io
import json
import zipfile

from django.utils import timezone

from doorstep_verify.bundle import FORMAT
from journal import selectors, signing
from journal.models import Checkpoint, Entry
from journal.services import checkpoint_covering

MAX_CHECKPOINTS = 20


def _entry_line(entry: Entry, tree, checkpoint: Checkpoint) -> str:
    row = entry.as_chain_dict()
    row["proof"] = {
        "tree_size": checkpoint.tree_size,
        "path": [h.hex() for h in tree.inclusion_proof(entry.seq - 1, checkpoint.tree_size)],
    }
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def build_bundle(*, target) -> tuple[bytes, int]:
    """Every entry about target, proved against one signed checkpoint, plus earlier checkpoints and the keys."""
    entries = list(selectors.entries_for_target(target=target).order_by("seq"))
    last_seq = (
        entries[-1].seq if entries else Entry.objects.order_by("-seq").values_list("seq", flat=True).first()
    )
    anchor = checkpoint_covering(seq=last_seq or 1)
    tree = selectors.tree_up_to(anchor.tree_size)
    first_seq = entries[0].seq if entries else anchor.tree_size
    earlier = list(
        Checkpoint.objects.filter(tree_size__lt=anchor.tree_size, tree_size__gte=first_seq).order_by(
            "-tree_size"
        )[: MAX_CHECKPOINTS - 1]
    )
    checkpoints = sorted([*earlier, anchor], key=lambda c: c.tree_size)
    consistency = [
        {
            "old_size": old.tree_size,
            "new_size": anchor.tree_size,
            "path": [h.hex() for h in tree.consistency_proof(old.tree_size, anchor.tree_size)],
        }
        for old in checkpoints
        if old.tree_size < anchor.tree_size
    ]
    keys = [f"log {k.vkey}" for k in signing.log_verifiers()] + [
        f"witness {k.vkey}" for k in signing.witness_verifiers()
    ]
    manifest = {
        "format": FORMAT,
        "origin": signing.origin(),
        "target": {"type": target._meta.label_lower, "id": str(target.pk), "label": str(target)},
        "created_at": timezone.now().isoformat(),
        "entries": len(entries),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        zf.writestr("entries.jsonl", "".join(_entry_line(e, tree, anchor) + "\n" for e in entries))
        for cp in checkpoints:
            zf.writestr(f"checkpoints/{cp.tree_size}.txt", cp.note)
        zf.writestr("consistency.json", json.dumps(consistency, indent=1))
        zf.writestr("keys.txt", "\n".join(keys) + "\n")
        zf.writestr(
            "README.txt",
            "Doorstep evidence bundle. Verify on any machine with Python 3.11+ and `cryptography`:\n"
            "  python -m doorstep_verify this-file.zip --key '<log verifier key obtained independently>'\n",
        )
    return buffer.getvalue(), len(entries)
