"""Demo demands: the county's categories, authority matrix and 2026 calendar, then a year of demands.

Small scale: 300 demands (30 open). County scale: 50,000 demands over a year, 5,000 of them open,
written in bulk with the same encryption, masking, routing and working-day clock as the services.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

import journal
from core import crypto
from core.demo import DemoContext
from core.masking import mask_phone
from demands import services
from demands.models import Demand, DemandEvent, Level
from demands.stats import stats_rebuild
from demands.workdays import Clock
from registry.services import phone_index
from territory.models import AdminUnit, Department

CATEGORIES = [
    # code, name, keywords, resolve_days, [(level, department code, conditions)]
    ("road", "道路路灯", "路灯 道路 修路 坑 桥 排水 下水道", 10, [(Level.VILLAGE, "", {})]),
    ("water", "饮水用电", "自来水 饮水 停水 停电 电线 水井", 5, [(Level.TOWNSHIP, "", {})]),
    (
        "welfare",
        "低保救助",
        "低保 救助 特困 补助 困难 残疾 养老金 高龄",
        15,
        [(Level.COUNTY, "civil-affairs", {})],
    ),
    (
        "land",
        "征地补偿",
        "征地 补偿款 占地 拆迁 宅基地 土地",
        20,
        [
            (Level.COUNTY, "natural-resources", {"concerns_county_project": True}),
            (Level.COUNTY, "natural-resources", {"amount_above": Decimal("50000")}),
            (Level.TOWNSHIP, "social-affairs", {}),
        ],
    ),
    ("medical", "看病医保", "医保 看病 报销 卫生室 医生 住院", 10, [(Level.COUNTY, "health", {})]),
    ("school", "上学教育", "上学 学校 校车 学费 留守 孩子", 10, [(Level.COUNTY, "education", {})]),
    ("farm", "农业生产", "种子 化肥 农机 灌溉 庄稼 补贴 养殖", 10, [(Level.TOWNSHIP, "", {})]),
    ("wages", "欠薪就业", "工钱 欠薪 工资 打工 就业", 15, [(Level.COUNTY, "human-resources", {})]),
    ("housing", "危房改造", "危房 房子 漏雨 裂缝 改造", 20, [(Level.COUNTY, "housing", {})]),
    ("neighbour", "邻里纠纷", "纠纷 吵架 矛盾 邻居 调解", 5, [(Level.VILLAGE, "", {})]),
    ("other", "其他", "", 15, [(Level.TOWNSHIP, "", {})]),
]
TEXTS = {
    "road": [
        "村口路灯坏了，晚上出门看不见",
        "{g}组的路被大车压坏了，下雨全是坑",
        "排水沟堵了，下雨就淹到门口",
    ],
    "water": ["{g}组停水三天了", "电线老化，一下雨就停电", "自来水发黄不敢喝"],
    "welfare": ["老伴去世后生活困难，想申请低保", "家里有残疾人，想问问补助怎么申请", "高龄补贴这几个月没发"],
    "land": ["县里修路占了我家的地，补偿款一直没到", "宅基地被占，补偿标准不清楚", "征地补偿款分配不公平"],
    "medical": ["住院报销比例不对", "村卫生室没有医生", "慢病医保卡办不下来"],
    "school": ["孩子上学太远，没有校车", "留守孩子没人接送", "学费减免怎么申请"],
    "farm": ["化肥补贴没领到", "灌溉渠坏了，庄稼浇不上水", "农机补贴申请不了"],
    "wages": ["在工地打工，工钱被拖欠半年", "欠薪讨不回来", "想找工作，有没有培训"],
    "housing": ["房子漏雨，墙有裂缝，是危房", "危房改造名单里没有我家", "改造的房子又漏了"],
    "neighbour": ["邻居占了我家的路，吵了几次", "和邻居因为排水起了矛盾", "宅前屋后的纠纷想请村里调解"],
    "other": ["想问问新农合怎么交", "村里广场的健身器材坏了", "希望村里多办几场文艺活动"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "大爷奶奶婶叔哥姐"


def build(ctx: DemoContext) -> None:
    county = ctx.county
    departments = {d.code: d for d in Department.objects.filter(unit=county)}
    categories = {}
    for order, (code, name, keywords, days, rules) in enumerate(CATEGORIES):
        category = services.category_create(
            actor=None,
            county=county,
            code=code,
            name=name,
            keywords=keywords,
            resolve_days=days,
            sort_order=order,
        )
        categories[code] = category
        for priority, (level, dept_code, conditions) in enumerate(rules):
            department = departments.get(dept_code)
            if department is None and dept_code:
                department = Department.objects.filter(unit__parent=county, code=dept_code).first()
            services.rule_create(
                actor=None,
                category=category,
                level=level,
                department=department,
                priority=priority * 10,
                **conditions,
            )
    services.calendar_load_official(actor=None, county=county)
    total = 50_000 if ctx.scale == "county" else 300
    open_count = total // 10
    _demands(ctx, categories, total, open_count)


def _demands(ctx: DemoContext, categories: dict, total: int, open_count: int) -> None:
    rng = ctx.rng
    now = timezone.now()
    clock = Clock.for_county(ctx.county.pk)
    villages = list(ctx.villages)
    townships = {t.pk: t for t in ctx.townships}
    departments = {(d.unit_id, d.code): d for d in Department.objects.all()}
    rules = {
        code: list(c.rules.select_related("department").order_by("priority", "id"))
        for code, c in categories.items()
    }
    codes = list(categories)
    weights = [8, 5, 6, 3, 4, 3, 4, 2, 3, 4, 2]
    phones = [f"1{rng.choice(['38', '39', '58', '86'])}0000{rng.randint(0, 9999):04d}" for _ in range(400)]
    sealed = {p: (crypto.encrypt(p, context="demand.phone"), phone_index(p), mask_phone(p)) for p in phones}
    tickets: set[str] = set()
    rows: list[Demand] = []
    for i in range(total):
        is_open = i >= total - open_count
        # Open demands are the most recent; the rest spread over the past year.
        age = timedelta(days=rng.uniform(0, 20)) if is_open else timedelta(days=rng.uniform(20, 365))
        created = now - age
        code = rng.choices(codes, weights)[0]
        category = categories[code]
        village = rng.choice(villages)
        township = townships.get(village.parent_id)
        concerns = code == "land" and rng.random() < 0.5
        amount = Decimal(rng.randint(1, 120) * 1000) if code == "land" else None
        level, department = _route(rules[code], concerns, amount)
        if level == Level.VILLAGE:
            owner = village
        elif level == Level.TOWNSHIP:
            owner = township
        else:
            owner = ctx.county
        dept = departments.get((owner.pk, department.code)) if department else None
        phone = rng.choice(phones)
        cipher, index, masked = sealed[phone]
        ticket = created.strftime("%Y%m%d") + f"{rng.randrange(1_000_000):06d}"
        while ticket in tickets:
            ticket = created.strftime("%Y%m%d") + f"{secrets.randbelow(1_000_000):06d}"
        tickets.add(ticket)
        accept_due = clock.add_working_days(created, category.accept_days)
        resolve_due = clock.add_working_days(created, category.resolve_days)
        d = Demand(
            ticket=ticket,
            county=ctx.county,
            place_unit=village,
            scope_path=village.path,
            place=f"{village.name}{rng.choice('一二三四五六')}组",
            latitude=village.latitude,
            longitude=village.longitude,
            resident_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            phone_cipher=cipher,
            phone_index=index,
            phone_masked=masked,
            text=rng.choice(TEXTS[code]).format(g=rng.choice("一二三四五六")),
            category=category,
            channel=rng.choice(["visit", "visit", "office", "portal", "hotline"]),
            concerns_county_project=concerns,
            amount=amount,
            owner_level=level,
            owner_unit=owner,
            owner_department=dept,
            owner_path=owner.path,
            transfers=rng.choices([0, 1, 2], [85, 12, 3])[0],
            created_at=created,
            updated_at=created,
            accept_due=accept_due,
            resolve_due=resolve_due,
        )
        accepted = not is_open or rng.random() < 0.7
        if accepted:
            d.accepted_at = created + timedelta(hours=rng.uniform(1, 40))
            d.accepted_on_time = d.accepted_at <= accept_due
            d.status = Demand.Status.PROCESSING
        if is_open:
            d.accept_breached = not accepted and accept_due < now
            d.resolve_breached = resolve_due < now
            d.accept_reminded = d.accept_breached
            d.resolve_reminded = d.resolve_breached
        else:
            answered = created + timedelta(days=rng.uniform(1, 25))
            d.answered_at = answered
            d.updated_at = answered
            d.hours_to_answer = round((answered - created).total_seconds() / 3600, 2)
            d.resolve_breached = answered > resolve_due
            d.outcome = rng.choices(["resolved", "partly", "unresolvable"], [80, 14, 6])[0]
            d.answer = {
                "resolved": "已经办好",
                "partly": "先解决了一部分",
                "unresolvable": "按政策暂时无法解决",
            }[d.outcome]
            if d.outcome == "unresolvable":
                d.policy = "相关政策文件"
            if rng.random() < 0.9:
                d.verdict_resolved = d.outcome == "resolved" and rng.random() < 0.92
                d.verdict_satisfied = d.verdict_resolved and rng.random() < 0.95 or rng.random() < 0.15
                d.verdict_channel = rng.choice(["visit", "callback", "portal"])
                d.verdict_at = answered + timedelta(days=1)
                d.status = Demand.Status.CLOSED if d.verdict_resolved else Demand.Status.PROCESSING
                d.closed_at = d.verdict_at if d.verdict_resolved else None
                if not d.verdict_resolved:
                    # reopened and answered again, then closed: keep the year's open count exact
                    d.status = Demand.Status.CLOSED
                    d.reopen_count = 1
                    d.closed_at = d.verdict_at + timedelta(days=5)
            else:
                d.status = Demand.Status.ANSWERED
        if d.resolve_breached or d.accept_breached:
            d.escalated_to = ctx.county if level != Level.VILLAGE else township
            d.escalated_at = resolve_due if d.resolve_breached else accept_due
        rows.append(d)
    Demand.objects.bulk_create(rows, batch_size=2000)
    saved = Demand.objects.filter(county=ctx.county).values_list("pk", "created_at", "owner_unit_id")
    names = dict(AdminUnit.objects.values_list("pk", "name"))
    events = []
    for pk, created, owner_id in saved:
        events.append(DemandEvent(demand_id=pk, kind="created", at=created, actor_office=""))
        events.append(
            DemandEvent(
                demand_id=pk,
                kind="routed",
                at=created,
                actor_office="系统",
                text=f"按权责规则派至{names[owner_id]}",
            )
        )
    DemandEvent.objects.bulk_create(events, batch_size=5000)
    stats_rebuild(county_id=ctx.county.pk)  # written in bulk, so the dashboard's monthly counts in one pass
    journal.record(
        actor=None,
        action="demands.bulk.loaded",
        target=None,
        data={"demands": total, "open": open_count, "scale": ctx.scale},
    )
    ctx.say(f"  demands: {total} ({open_count} open)")


def _route(rules, concerns: bool, amount):
    for rule in rules:
        if rule.concerns_county_project is not None and rule.concerns_county_project != concerns:
            continue
        if rule.amount_above is not None and (amount is None or amount <= rule.amount_above):
            continue
        return rule.level, rule.department
    return Level.TOWNSHIP, None
