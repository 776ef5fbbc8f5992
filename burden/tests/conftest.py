from datetime import date

import pytest

from core.testing import make_household, make_person
from registry.models import Household, Person


@pytest.fixture
def population(tree):
    """People of every kind the aggregates count, in A1, A2 and (out of town A's scope) B1."""
    tags = tree.tags
    dibao = tags["dibao"]
    alone = tags["elderly_alone"]
    child = tags["left_behind_child"]
    h1 = make_household(
        tree.village_a1, grid=tree.grid_a1, address="甲一村一组1号", household_no="A1-001", tags=[dibao]
    )
    make_person(h1, "王老汉", sex="M", birth_date=date(1940, 1, 1), tags=[alone])
    make_person(
        h1, "王小明", sex="M", birth_date=date(2015, 6, 1), relation=Person.Relation.GRANDCHILD, tags=[child]
    )
    make_person(
        h1,
        "王大力",
        sex="M",
        birth_date=date(1985, 6, 1),
        relation=Person.Relation.CHILD,
        residence=Person.Residence.MIGRANT_WORK,
    )
    h2 = make_household(
        tree.village_a1, address="甲一村二组3号", household_no="A1-002", occupancy=Household.Occupancy.VACANT
    )
    make_person(h2, "李桂兰", sex="F", birth_date=date(1930, 3, 3), residence=Person.Residence.DECEASED)
    h3 = make_household(tree.village_a2, address="甲二村五组8号", household_no="A2-001")
    make_person(h3, "赵秀英", sex="F", birth_date=date(1950, 5, 5), tags=[alone])
    make_person(h3, "赵强", sex="M", birth_date=date(1975, 5, 5))
    hb = make_household(tree.village_b1, address="乙一村七组7号", household_no="B1-001", tags=[dibao])
    make_person(hb, "乙村人", sex="M", birth_date=date(1940, 2, 2), tags=[alone])
    return {"h1": h1, "h2": h2, "h3": h3, "hb": hb}
