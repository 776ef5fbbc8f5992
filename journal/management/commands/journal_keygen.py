from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doorstep_verify.note import NoteSigner
from journal.signing import write_key_file


class Command(BaseCommand):
    help = "Generate an Ed25519 signer key (for the log, a rotation, or a witness) into a file; print its public key."

    def add_arguments(self, parser):
        parser.add_argument("name", help="key name, e.g. the log origin or 'county-witness'")
        parser.add_argument("--out", required=True, help="file to write the private key to (mode 600)")

    def handle(self, *args, name, out, **options):
        path = Path(out)
        if path.exists():
            raise CommandError(f"{path} exists; refusing to overwrite a key")
        signer = NoteSigner.generate(name)
        write_key_file(path, signer)
        self.stdout.write(signer.verifier.vkey)
