"""Builders for demands tests: departments, categories with an authority matrix, the 2026 calendar."""

from decimal import Decimal

from core.testing import make_staff
from demands import services
from demands.models import Level
from territory.models import Department
from territory.roles import Role


def make_categories(tree) -> dict:
    county = tree.county
    civil = Department.objects.create(unit=county, code="civil-affairs", name="民政局")
    land = Department.objects.create(unit=county, code="natural-resources", name="自然资源局")
    petitions = Department.objects.create(unit=county, code="petitions", name="信访局")
    social_a = Department.objects.create(unit=tree.town_a, code="social-affairs", name="社会事务办")
    Department.objects.create(unit=tree.town_b, code="social-affairs", name="社会事务办")
    services.calendar_load_official(actor=None, county=county)
    mk = services.category_create
    road = mk(
        actor=None, county=county, code="road", name="道路路灯", keywords="路灯 道路 修路 坑", resolve_days=10
    )
    welfare = mk(
        actor=None,
        county=county,
        code="welfare",
        name="低保救助",
        keywords="低保 救助 补助 困难",
        resolve_days=15,
    )
    landc = mk(
        actor=None,
        county=county,
        code="land",
        name="征地补偿",
        keywords="征地 补偿款 占地 拆迁",
        resolve_days=20,
    )
    other = mk(actor=None, county=county, code="other", name="其他", resolve_days=15, sort_order=99)
    services.rule_create(actor=None, category=road, level=Level.VILLAGE)
    services.rule_create(actor=None, category=welfare, level=Level.COUNTY, department=civil)
    services.rule_create(
        actor=None,
        category=landc,
        level=Level.COUNTY,
        department=land,
        concerns_county_project=True,
        priority=10,
    )
    services.rule_create(
        actor=None,
        category=landc,
        level=Level.COUNTY,
        department=land,
        amount_above=Decimal("50000"),
        priority=20,
    )
    services.rule_create(actor=None, category=landc, level=Level.TOWNSHIP, department=social_a, priority=90)
    services.rule_create(actor=None, category=other, level=Level.TOWNSHIP)
    return {
        "road": road,
        "welfare": welfare,
        "land": landc,
        "other": other,
        "civil": civil,
        "land_dept": land,
        "petitions": petitions,
        "social_a": social_a,
    }


def make_demand(tree, setup, *, category="road", place_unit=None, text="村口路灯坏了三个月", **kwargs):
    kwargs.setdefault("resident_name", "王大爷")
    kwargs.setdefault("phone", "13900001234")
    return services.demand_create(
        actor=None,
        text=text,
        place_unit=place_unit or tree.village_a1,
        category=setup[category] if isinstance(category, str) else category,
        **kwargs,
    )


def make_handler(tree, department, username="handler"):
    return make_staff(Role.COUNTY_HANDLER, [tree.county], username=username, department=department)
