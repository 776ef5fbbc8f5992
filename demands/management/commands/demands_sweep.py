from django.core.management.base import BaseCommand

from demands.services import deadline_sweep


class Command(BaseCommand):
    help = "Remind owners of demands due within a day and escalate breached ones (run every few minutes)."

    def handle(self, *args, **options):
        stats = deadline_sweep()
        self.stdout.write(f"reminded {stats['reminded']}, escalated {stats['escalated']}")
