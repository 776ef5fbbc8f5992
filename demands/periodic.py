"""The demands app's periodic jobs (run by `manage.py run_periodic`)."""

from core.periodic import register
from demands.notify import sms_retry_due
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
register(
    "demands.sms_retry",
    minutes=5,
    func=sms_retry_due,
    description="send again the text messages the SMS gateway did not accept",
)
