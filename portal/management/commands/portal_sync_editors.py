from django.core.management.base import BaseCommand

from portal.services import editor_sync_all


class Command(BaseCommand):
    help = "Put every editor in the Wagtail groups of the sites/sections inside their jurisdiction."

    def handle(self, *args, **options):
        self.stdout.write(f"synced: {editor_sync_all()}")
