from django.core.management.base import BaseCommand

from demands.services import open311_client_issue


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client application and print it (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client application's name")

    def handle(self, *args, name, **options):
        client, key = open311_client_issue(actor=None, name=name)
        self.stdout.write(key)
        self.stderr.write(f"Issued key {client.prefix}… for {client.name!r}; it is not shown again.")
