from django.core.management.base import BaseCommand, CommandError

from journal.verification import verify_journal


class Command(BaseCommand):
    help = "Verify the whole journal chain and every checkpoint; exit 0 only when all holds."

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            help="a signed checkpoint file kept outside the database (witness state, receipt); repeatable",
        )

    def handle(self, *args, checkpoint=(), **options):
        from pathlib import Path

        from django.db import connection

        from journal.db import missing_guards

        missing = missing_guards(connection)
        if missing:
            self.stderr.write(
                f"WARNING: append-only triggers missing ({', '.join(missing)}); run manage.py migrate"
            )
        outcome = verify_journal([Path(p).read_text(encoding="utf-8") for p in checkpoint])
        self.stdout.write(
            f"{outcome.entries} entries, {outcome.checkpoints} checkpoints ({outcome.witnessed} witnessed)"
        )
        if outcome.ok:
            self.stdout.write(self.style.SUCCESS("OK: the chain is intact and every checkpoint holds."))
            return
        for problem in outcome.problems:
            self.stderr.write(str(problem))
        first = outcome.problems[0]
        raise CommandError(f"journal verification failed: {first}", returncode=1)
