"""Demo territory: a fictional county (code 419901…, a prefecture code that does not exist) and its staff."""

from django.contrib.auth.hashers import make_password

from core.demo import DEMO_PASSWORD, DemoContext
from territory.models import AdminUnit, Department, Staff
from territory.roles import Role

TOWNSHIP_NAMES = [
    "东岭镇",
    "河湾乡",
    "石桥镇",
    "柳林乡",
    "青山镇",
    "大王庄乡",
    "白沙镇",
    "南岗乡",
    "北坡镇",
    "清水乡",
    "龙泉镇",
    "杏花乡",
    "西河镇",
    "马集乡",
    "黄土岭镇",
]
VILLAGE_FIRST = "李王张刘陈杨赵周吴孙马朱胡郭何高林罗郑梁宋谢唐韩冯于董萧程曹袁邓许傅沈曾彭吕"
VILLAGE_SECOND = [
    "家庄",
    "庄",
    "家湾",
    "河",
    "岗",
    "营",
    "寨",
    "沟",
    "坡",
    "楼",
    "店",
    "集",
    "屯",
    "洼",
    "家岭",
]
DEPARTMENTS = [
    ("civil-affairs", "民政局"),
    ("natural-resources", "自然资源局"),
    ("human-resources", "人力资源和社会保障局"),
    ("housing", "住房和城乡建设局"),
    ("agriculture", "农业农村局"),
    ("health", "卫生健康委员会"),
    ("water", "水利局"),
    ("transport", "交通运输局"),
    ("education", "教育局"),
    ("petitions", "信访局"),
]
COUNTY_CENTER = (33.95, 114.55)


def _village_names(rng, count):
    names, seen = [], set()
    while len(names) < count:
        name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def build(ctx: DemoContext) -> None:
    rng, size = ctx.rng, ctx.size
    lat0, lng0 = COUNTY_CENTER
    county = AdminUnit.objects.create(
        code="419901000000",
        name="青山县",
        level=AdminUnit.Level.COUNTY,
        path="/419901000000/",
        latitude=lat0,
        longitude=lng0,
    )
    ctx.county = county
    village_names = _village_names(rng, size["townships"] * size["villages"])
    units = []
    for t in range(size["townships"]):
        tcode = f"419901{t + 1:03d}000"
        tlat, tlng = lat0 + rng.uniform(-0.18, 0.18), lng0 + rng.uniform(-0.22, 0.22)
        township = AdminUnit(
            code=tcode,
            name=TOWNSHIP_NAMES[t],
            level=AdminUnit.Level.TOWNSHIP,
            parent=county,
            path=f"{county.path}{tcode}/",
            latitude=round(tlat, 6),
            longitude=round(tlng, 6),
        )
        township.save()
        ctx.townships.append(township)
        for v in range(size["villages"]):
            vcode = f"419901{t + 1:03d}{v + 1:03d}"
            vlat, vlng = tlat + rng.uniform(-0.05, 0.05), tlng + rng.uniform(-0.06, 0.06)
            village = AdminUnit(
                code=vcode,
                name=village_names[t * size["villages"] + v],
                level=AdminUnit.Level.VILLAGE,
                parent=township,
                path=f"{township.path}{vcode}/",
                latitude=round(vlat, 6),
                longitude=round(vlng, 6),
            )
            village.save()
            ctx.villages.append(village)
            for g in range(size["grids"]):
                gcode = f"{vcode}{g + 1:03d}"
                units.append(
                    AdminUnit(
                        code=gcode,
                        name=f"第{g + 1}网格",
                        level=AdminUnit.Level.GRID,
                        parent=village,
                        path=f"{village.path}{gcode}/",
                        latitude=round(vlat + rng.uniform(-0.004, 0.004), 6),
                        longitude=round(vlng + rng.uniform(-0.004, 0.004), 6),
                    )
                )
    AdminUnit.objects.bulk_create(units, batch_size=1000)
    ctx.grids = list(AdminUnit.objects.filter(level=AdminUnit.Level.GRID).order_by("code"))
    departments = Department.objects.bulk_create(
        [Department(unit=county, code=c, name=n) for c, n in DEPARTMENTS]
    )
    for township in ctx.townships:
        Department.objects.create(unit=township, code="social-affairs", name="社会事务办")
    ctx.extra["departments"] = {d.code: d for d in departments}
    _staff(ctx, county, departments)


def _staff(ctx: DemoContext, county, departments) -> None:
    password = make_password(DEMO_PASSWORD)  # hashed once: thousands of demo accounts share it
    town1, village1 = ctx.townships[0], ctx.villages[0]
    named = [
        ("admin", Role.ADMINISTRATOR, "系统管理员", [county], None, "全县（管理后台）"),
        ("supervisor", Role.COUNTY_SUPERVISOR, "督查室 周敏", [county], None, "全县"),
        ("handler", Role.COUNTY_HANDLER, "民政局 孙丽", [county], departments[0], "县民政局的诉求"),
        ("leader", Role.TOWNSHIP_LEADER, "王建国", [town1], None, town1.name),
        (
            "cadre",
            Role.TOWNSHIP_CADRE,
            "李娜",
            ctx.villages[:2],
            None,
            "、".join(v.name for v in ctx.villages[:2]),
        ),
        ("village", Role.VILLAGE_OFFICIAL, "张德福", [village1], None, village1.name),
        (
            "grid",
            Role.VILLAGE_OFFICIAL,
            "赵小红",
            [ctx.grids[0]],
            None,
            f"{village1.name}{ctx.grids[0].name}",
        ),
    ]
    role_labels = dict(Role.choices)
    for username, role, full_name, units, dept, sees in named:
        staff = Staff.objects.create(
            username=username,
            password=password,
            role=role,
            full_name=full_name,
            department=dept,
            is_staff=role == Role.ADMINISTRATOR,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        staff.jurisdictions.set(units)
        ctx.logins.append((str(role_labels[role]), username, sees))
    # Everyone else, so the county has its ~2,000 staff at full scale: officials per village, cadres per township.
    bulk, links = [], []
    for village in ctx.villages[1:]:
        for n in range(3 if ctx.scale == "county" else 1):
            bulk.append(
                (
                    Staff(
                        username=f"v{village.code}-{n + 1}",
                        password=password,
                        role=Role.VILLAGE_OFFICIAL,
                        full_name=f"{village.name}干部{n + 1}",
                    ),
                    [village],
                )
            )
    per_town = len(ctx.villages) // max(len(ctx.townships), 1)
    for t, township in enumerate(ctx.townships):
        villages = ctx.villages[t * per_town : (t + 1) * per_town]
        for n in range(0, len(villages), 2):
            if t == 0 and n == 0:
                continue  # that pair belongs to the named cadre above
            bulk.append(
                (
                    Staff(
                        username=f"c{township.code}-{n // 2 + 1}",
                        password=password,
                        role=Role.TOWNSHIP_CADRE,
                        full_name=f"{township.name}包村干部{n // 2 + 1}",
                    ),
                    villages[n : n + 2],
                )
            )
    Staff.objects.bulk_create([s for s, _ in bulk], batch_size=1000)
    through = Staff.jurisdictions.through
    for staff, units in bulk:
        for unit in units:
            links.append(through(staff_id=staff.pk, adminunit_id=unit.pk))
    through.objects.bulk_create(links, batch_size=2000)
