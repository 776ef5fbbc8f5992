"""The demands app's periodic jobs (run by `manage.py run_periodic`)."""

from core.periodic import register
from demands.services import deadline_sweep
from demands.stats import stats_rebuild

register(
    "demands.deadline_sweep",
    minutes=15,
    func=deadline_sweep,
    description="reminders before deadlines, escalation on breach",
)
register(
    "demands.stats_rebuild",
    days=1,
    func=stats_rebuild,
    description="recount the dashboard's monthly counts from the demands",
)
