from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from journal.models import Entry
from journal.services import entry_redact


class Command(BaseCommand):
    help = "Erase one entry's content under a retention rule (journaled; data_hash kept so the chain still verifies)."

    def add_arguments(self, parser):
        parser.add_argument("seq", type=int)
        parser.add_argument("--reason", required=True, help="the retention rule or decision that requires it")
        parser.add_argument("--as", dest="username", required=True, help="the administrator doing it")

    def handle(self, *args, seq, reason, username, **options):
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        entry = Entry.objects.filter(seq=seq).first()
        if actor is None or entry is None:
            raise CommandError("no such active user or entry")
        try:
            entry = entry_redact(actor=actor, entry=entry, reason=reason)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"entry #{entry.seq}: content erased at {entry.redacted_at:%Y-%m-%d %H:%M}; hash kept"
        )
