"""Builders for tests in every app: a small territory, staff per role, households and people via the services."""

from dataclasses import dataclass
from datetime import date

from registry import idcard
from registry import services as registry_services
from registry.models import Household, Person, Tag
from territory import services as territory_services
from territory.models import AdminUnit, Staff
from territory.roles import Role

PASSWORD = "correct-horse-battery"  # noqa: S105


@dataclass
class Tree:
    county: AdminUnit
    town_a: AdminUnit
    town_b: AdminUnit
    village_a1: AdminUnit
    village_a2: AdminUnit
    village_b1: AdminUnit
    grid_a1: AdminUnit
    tags: dict


def build_tree() -> Tree:
    """County 419901 with townships A and B; A has villages A1 (with a grid) and A2, B has B1."""
    mk = territory_services.unit_create
    county = mk(actor=None, code="419901000000", name="测试县", latitude=33.9, longitude=114.5)
    town_a = mk(actor=None, code="419901001000", name="甲镇", parent=county, latitude=33.95, longitude=114.55)
    town_b = mk(actor=None, code="419901002000", name="乙乡", parent=county, latitude=33.85, longitude=114.45)
    village_a1 = mk(
        actor=None, code="419901001001", name="甲一村", parent=town_a, latitude=33.96, longitude=114.56
    )
    village_a2 = mk(
        actor=None, code="419901001002", name="甲二村", parent=town_a, latitude=33.94, longitude=114.54
    )
    village_b1 = mk(
        actor=None, code="419901002001", name="乙一村", parent=town_b, latitude=33.86, longitude=114.46
    )
    grid_a1 = mk(
        actor=None,
        code="419901001001001",
        name="第1网格",
        parent=village_a1,
        latitude=33.961,
        longitude=114.561,
    )
    tags = {
        code: registry_services.tag_create(actor=None, county=county, code=code, name=name, scope=scope)
        for code, name, scope in [
            ("elderly_alone", "独居老人", Tag.Scope.PERSON),
            ("dibao", "低保", Tag.Scope.HOUSEHOLD),
            ("left_behind_child", "留守儿童", Tag.Scope.PERSON),
        ]
    }
    return Tree(county, town_a, town_b, village_a1, village_a2, village_b1, grid_a1, tags)


def make_staff(role: str, units: list[AdminUnit], username: str | None = None, **kwargs) -> Staff:
    username = username or f"{role}-{'-'.join(u.code for u in units) or 'none'}"
    return territory_services.staff_create(
        actor=None, username=username, role=role, jurisdictions=units, password=PASSWORD, **kwargs
    )


def make_household(
    village: AdminUnit, *, grid: AdminUnit | None = None, address: str = "一组1号", **kwargs
) -> Household:
    return registry_services.household_create(
        actor=None, village=village, grid=grid, address=address, **kwargs
    )


_seq = {"n": 0}


def synthetic_id(birth: date = date(1950, 3, 12), sex: str = "M") -> str:
    _seq["n"] += 1
    seq = 800 + ((_seq["n"] * 2 + (1 if sex == "M" else 0)) % 200)
    return idcard.make_number("419901", birth, seq)


def make_person(household: Household, name: str = "张三", **kwargs) -> Person:
    kwargs.setdefault("relation", Person.Relation.HEAD)
    return registry_services.person_create(actor=None, household=household, name=name, **kwargs)


ROLES = Role
