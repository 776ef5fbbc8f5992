from django.core.management.base import BaseCommand

from core.demo import DEMO_PASSWORD
from territory.models import Staff
from territory.roles import Role

NAMED = ["admin", "supervisor", "handler", "leader", "cadre", "village", "grid"]


class Command(BaseCommand):
    help = "Print the demo logins, one per role."

    def handle(self, *args, **options):
        labels = dict(Role.choices)
        staff = {
            s.username: s for s in Staff.objects.filter(username__in=NAMED).prefetch_related("jurisdictions")
        }
        self.stdout.write("")
        self.stdout.write(f"Demo logins — password for every account: {DEMO_PASSWORD}")
        for username in NAMED:
            s = staff.get(username)
            if s is None:
                continue
            units = "、".join(u.name for u in s.jurisdictions.all())
            self.stdout.write(
                f"  {username:<11} {str(labels.get(s.role, s.role)):<10} {s.full_name}（{units}）"
            )
        self.stdout.write("")
