import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


def default_backup_dir() -> Path:
    return Path(os.environ.get("DOORSTEP_BACKUP_DIR") or Path(settings.VAR_DIR) / "backups")


class Command(BaseCommand):
    help = (
        "Write one backup archive (database, MEDIA_ROOT, PRIVATE_ROOT, journal checkpoints) with a manifest "
        "of SHA-256 hashes; field-encryption keys are not included and must be kept separately."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="directory for the archive (default: $DOORSTEP_BACKUP_DIR or var/backups)"
        )
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="do not sign a journal checkpoint before dumping"
        )

    def handle(self, *args, output=None, no_checkpoint=False, **options):
        try:
            result = backup_create(
                output_dir=Path(output) if output else default_backup_dir(),
                actor="manage.py backup",
                checkpoint=not no_checkpoint,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        head = manifest["journal"]["head"]
        for warning in manifest["warnings"]:
            self.stderr.write(f"WARNING: {warning}")
        self.stdout.write(f"{manifest['database']['vendor']} database, {len(manifest['members'])} members")
        self.stdout.write("files: " + ", ".join(f"{prefix} {n}" for prefix, n in manifest["files"].items()))
        self.stdout.write(
            f"journal: head #{head['seq'] if head else 0}, {manifest['journal']['checkpoints']} checkpoints"
        )
        self.stdout.write("counts: " + ", ".join(f"{k} {v}" for k, v in manifest["counts"].items()))
        self.stdout.write(f"sha256 {result.sha256}  ({result.size} bytes)")
        self.stdout.write(self.style.SUCCESS(str(result.path)))
        self.stdout.write(
            "Keep DOORSTEP_FIELD_KEYS, DOORSTEP_INDEX_KEY and the journal signing key separately: "
            "they are not in the archive."
        )
