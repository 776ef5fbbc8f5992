from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured database and file roots, then verify the journal and "
        "compare row counts with the manifest; exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a .tar written by manage.py backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already has tables, and overwrite differing files",
        )

    def handle(self, *args, archive, force=False, **options):
        try:
            report = restore_archive(path=Path(archive), actor="manage.py restore", force=force)
        except BackupError as exc:
            raise CommandError(f"restore refused: {exc}", returncode=2) from exc
        manifest = report.manifest
        self.stdout.write(
            f"archive of {manifest['created_at']} (Doorstep {manifest['doorstep_version']}, "
            f"{manifest['database']['vendor']})"
        )
        self.stdout.write(f"files: {report.files_written} written, {report.files_unchanged} already in place")
        self.stdout.write(
            f"journal: {report.journal_entries} entries, {report.journal_checkpoints} checkpoints checked"
        )
        for label, (then, now) in report.counts.items():
            mark = "ok" if then == now else "MISMATCH"
            self.stdout.write(f"  {label:<24} {then!s:>10} {now!s:>10}  {mark}")
        for warning in report.warnings:
            self.stderr.write(f"WARNING: {warning}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"restore finished with {len(report.problems)} problem(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS("OK: restored; the journal verifies and every count matches."))
