"""Demo data for the fair record: a signed checkpoint over everything the other apps journaled.

No demo encounters: a recorded encounter (and any entry with a staff actor) pins its staff member
and village for good, since journal entries can never be deleted, and the demo generator must be
able to wipe and rebuild its county (core/tests/test_demo_data.py). Record one in the demo instead.
"""

from django.core.exceptions import ImproperlyConfigured

from core.demo import DemoContext
from journal.services import ChainBroken, checkpoint_create


def build(ctx: DemoContext) -> None:
    try:
        checkpoint = checkpoint_create()
    except (ImproperlyConfigured, ChainBroken) as exc:
        ctx.say(f"journal: no checkpoint signed ({exc})")
        return
    ctx.say(f"journal: checkpoint signed at {checkpoint.tree_size} entries")
