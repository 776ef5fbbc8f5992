"""The journal's periodic jobs (run by `manage.py run_periodic`)."""

from core.periodic import register
from journal.services import checkpoint_create


def checkpoint() -> str:
    return checkpoint_create().note


register("journal.checkpoint", days=1, func=checkpoint, description="sign a checkpoint of the fair record")
