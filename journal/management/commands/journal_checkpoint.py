from django.core.management.base import BaseCommand, CommandError

from journal.services import ChainBroken, checkpoint_create


class Command(BaseCommand):
    help = "Sign a checkpoint (tree size and Merkle root) of the journal now; cron runs this periodically."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="hand the work to the task worker instead")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from journal.tasks import checkpoint_periodic

            result = checkpoint_periodic.enqueue()
            self.stdout.write(f"enqueued checkpoint task {result.id}")
            return
        try:
            checkpoint = checkpoint_create()
        except ChainBroken as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(checkpoint.note)
