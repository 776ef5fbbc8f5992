from django.core.management.base import BaseCommand

from portal.services import disclosure_withdraw_expired


class Command(BaseCommand):
    help = "Unpublish village-affairs disclosures whose period has ended (run daily from cron)."

    def handle(self, *args, **options):
        count = disclosure_withdraw_expired()
        self.stdout.write(f"withdrawn: {count}")
