import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from core import periodic


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (deadline sweep, scheduled publishing, disclosure expiry, journal checkpoint) "
        "when they are due. Several copies may run: each due job runs once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due now, then exit")
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")
        parser.add_argument("--job", action="append", help="only this job (repeatable)")
        parser.add_argument(
            "--max-sleep", type=int, default=60, help="longest wait in seconds between checks (default 60)"
        )

    def handle(self, *args, once=False, list=False, job=None, max_sleep=60, **options):  # noqa: A002
        periodic.autodiscover()
        if list:
            from core.models import PeriodicJobState

            states = {s.name: s for s in PeriodicJobState.objects.all()}
            for j in periodic.jobs():
                state = states.get(j.name)
                last = state.last_started_at.isoformat() if state and state.last_started_at else "never"
                self.stdout.write(f"{j.name:32} every {j.interval}  last started {last}  {j.description}")
            return
        while True:
            for name, outcome in periodic.run_due(only=job).items():
                self.stdout.write(f"{timezone.now().isoformat()} {name}: {outcome}")
            if once:
                return
            close_old_connections()
            upcoming = periodic.next_due()
            wait = max_sleep if upcoming is None else (upcoming - timezone.now()).total_seconds()
            time.sleep(min(max(wait, 1), max_sleep))
