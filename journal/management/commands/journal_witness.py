import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doorstep_verify.note import NoteError, NoteSigner
from journal.models import Checkpoint
from journal.services import ChainBroken, checkpoint_witness


class Command(BaseCommand):
    help = (
        "Countersign a checkpoint with a witness key held at the county (file or DOORSTEP_JOURNAL_WITNESS_KEY), "
        "after checking the log signature and that it extends the checkpoint the witness saw last."
    )

    def add_arguments(self, parser):
        parser.add_argument("--key-file", help="the witness's signer key file (kept by the witness)")
        parser.add_argument("--size", type=int, help="tree size of the checkpoint (default: the latest)")
        parser.add_argument("--state", help="file where the witness keeps the last checkpoint it cosigned")

    def handle(self, *args, key_file=None, size=None, state=None, **options):
        skey = (
            Path(key_file).read_text(encoding="utf-8")
            if key_file
            else os.environ.get("DOORSTEP_JOURNAL_WITNESS_KEY")
        )
        if not skey:
            raise CommandError("give --key-file or set DOORSTEP_JOURNAL_WITNESS_KEY")
        try:
            witness = NoteSigner(skey)
        except (NoteError, ValueError) as exc:
            raise CommandError(f"bad witness key: {exc}") from exc
        qs = Checkpoint.objects.order_by("-tree_size")
        checkpoint = qs.filter(tree_size=size).first() if size else qs.first()
        if checkpoint is None:
            raise CommandError("no such checkpoint; run manage.py journal_checkpoint first")
        state_path = Path(state) if state else None
        last_seen = state_path.read_text(encoding="utf-8") if state_path and state_path.exists() else None
        try:
            checkpoint = checkpoint_witness(checkpoint=checkpoint, witness=witness, last_seen=last_seen)
        except (ChainBroken, NoteError) as exc:
            raise CommandError(f"refusing to countersign: {exc}") from exc
        if state_path:
            state_path.write_text(checkpoint.note, encoding="utf-8")
        self.stdout.write(checkpoint.note)
