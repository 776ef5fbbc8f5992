from django.core.management.base import BaseCommand, CommandError

from territory.models import Staff
from territory.services import token_issue


class Command(BaseCommand):
    help = "Issue an API token for a staff member and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        try:
            staff = Staff.objects.get(username=username, is_active=True)
        except Staff.DoesNotExist:
            raise CommandError(f"No active staff member {username!r}") from None
        _token, key = token_issue(actor=None, staff=staff, name=name)
        self.stdout.write(key)
