"""Demo data for the fair record: a few recorded encounters (one acknowledged) and a signed checkpoint."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.demo import DemoContext
from journal.services import ChainBroken, checkpoint_create, encounter_acknowledge, encounter_record
from territory.models import Staff
from territory.roles import Role
from territory.selectors import unit_in_scope

SCENES = [
    (
        "村委会",
        "王大爷",
        "要求今天就把宅基地界线纠纷解决",
        "三天内请乡国土所到现场查看，结果当面告诉您",
        "王建国",
    ),
    (
        "村口小卖部",
        "李大姐",
        "说低保名单不公平，要求把她家加上",
        "下周入户核实家庭收入，按规定评议后公示",
        "",
    ),
    ("组里晒场", "几位村民", "要求修通三组到晒场的便道", "报乡里纳入明年一事一议，先把坑填平", ""),
]


def build(ctx: DemoContext) -> None:
    cadres = list(Staff.objects.filter(role=Role.TOWNSHIP_CADRE, is_active=True).order_by("username")[:5])
    now = timezone.now()
    made = 0
    for n, village in enumerate(ctx.villages[: len(SCENES)]):
        cadre = next((c for c in cadres if unit_in_scope(user=c, unit=village)), None)
        if cadre is None:
            continue
        place, who, asked, promised, ack = SCENES[n]
        encounter = encounter_record(
            actor=cadre,
            village=village,
            occurred_at=now - timedelta(days=n + 1, hours=ctx.rng.randint(1, 6)),
            place=place,
            counterpart=who,
            asked=asked,
            promised=promised,
        )
        if ack:
            encounter_acknowledge(actor=cadre, encounter=encounter, resident_name=ack)
        made += 1
    try:
        checkpoint = checkpoint_create()
    except (ImproperlyConfigured, ChainBroken) as exc:
        ctx.say(f"journal: {made} encounters; no checkpoint signed ({exc})")
        return
    ctx.say(f"journal: {made} encounters; checkpoint signed at {checkpoint.tree_size} entries")
