"""The portal's periodic jobs (run by `manage.py run_periodic`)."""

from django.core.management import call_command

from core.periodic import register
from portal.services import disclosure_withdraw_expired


def publish_scheduled() -> None:
    """Wagtail's own command: publish pages whose go-live time has come, unpublish expired ones."""
    call_command("publish_scheduled", verbosity=0)


register(
    "portal.publish_scheduled", minutes=5, func=publish_scheduled, description="Wagtail scheduled publishing"
)
register(
    "portal.withdraw_expired",
    hours=1,
    func=disclosure_withdraw_expired,
    description="unpublish village-affairs disclosures whose period ended",
)
