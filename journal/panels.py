"""The fair record's card on a staff member's home page."""

from django.db.models import Count, Q

from core.panels import Panel
from journal.selectors import my_encounters


def fair_record_panel(user) -> Panel | None:
    if not user.has_perm("journal.add_encounter"):
        return None
    counts = my_encounters(user=user).aggregate(
        total=Count("pk"), unacknowledged=Count("pk", filter=Q(acknowledged_at__isnull=True))
    )
    return Panel("journal/_panel.html", counts, order=80)
