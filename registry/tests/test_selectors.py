from datetime import date

import pytest

from core.testing import make_household, make_person, synthetic_id
from registry import selectors


@pytest.fixture
def people(tree):
    h_a1 = make_household(tree.village_a1, grid=tree.grid_a1, address="甲一村一组1号")
    h_a1b = make_household(tree.village_a1, address="甲一村二组2号")
    h_a2 = make_household(tree.village_a2, address="甲二村一组1号")
    h_b1 = make_household(tree.village_b1, address="乙一村一组1号")
    return {
        "a1": make_person(
            h_a1, "王秀英", id_number=synthetic_id(date(1940, 2, 2), "F"), tags=[tree.tags["elderly_alone"]]
        ),
        "a1b": make_person(h_a1b, "刘建国", birth_date=date(1980, 1, 1)),
        "a2": make_person(h_a2, "陈桂兰", birth_date=date(1945, 1, 1)),
        "b1": make_person(h_b1, "王大力", id_number=synthetic_id(date(1970, 2, 2))),
    }


def names(qs):
    return sorted(p.name for p in qs)


def test_village_official_sees_only_own_village(people, village_official):
    assert names(selectors.person_list(user=village_official)) == ["刘建国", "王秀英"]


def test_grid_official_sees_only_own_grid(people, grid_official):
    assert names(selectors.person_list(user=grid_official)) == ["王秀英"]


def test_township_leader_sees_whole_township(people, township_leader):
    assert names(selectors.person_list(user=township_leader)) == ["刘建国", "王秀英", "陈桂兰"]


def test_staff_without_jurisdiction_sees_nothing(people, nobody):
    assert names(selectors.person_list(user=nobody)) == []
    assert list(selectors.household_list(user=nobody)) == []


def test_search_by_pinyin_initials(people, county_supervisor):
    assert names(selectors.person_list(user=county_supervisor, filters={"q": "wxy"})) == ["王秀英"]


def test_search_by_exact_id_number_finds_only_that_person(people, county_supervisor):
    number = selectors.idcard.normalize(
        __import__("core.crypto", fromlist=["decrypt"]).decrypt(
            people["b1"].id_cipher, context="person.id_number"
        )
    )
    assert names(selectors.person_list(user=county_supervisor, filters={"q": number})) == ["王大力"]


def test_exact_id_search_does_not_cross_jurisdiction(people, village_official):
    from core import crypto

    number = crypto.decrypt(people["b1"].id_cipher, context="person.id_number")
    assert names(selectors.person_list(user=village_official, filters={"q": number})) == []


def test_filter_by_tag_and_age(people, county_supervisor):
    assert names(selectors.person_list(user=county_supervisor, filters={"tag": "elderly_alone"})) == [
        "王秀英"
    ]
    assert names(selectors.person_list(user=county_supervisor, filters={"min_age": 70})) == [
        "王秀英",
        "陈桂兰",
    ]


def test_household_search_by_address(people, township_leader):
    result = selectors.search(user=township_leader, q="二组")
    assert [h.address for h in result.households] == ["甲一村二组2号"]


def test_household_list_is_one_query_whatever_its_length(
    people, tree, township_leader, django_assert_num_queries
):
    make_person(people["a1"].household, "王小明", birth_date=date(2010, 5, 5))
    make_household(tree.village_a2, address="甲二村一组9号")  # nobody registered yet
    list(
        selectors.household_list(user=township_leader)
    )  # warms the per-request permission and jurisdiction caches
    with django_assert_num_queries(1):  # member counts included, households with nobody counted 0
        rows = list(selectors.with_member_counts(selectors.household_list(user=township_leader)))
        for h in rows:
            _ = (h.village.name, h.member_count)
    assert sorted(h.member_count for h in rows) == [0, 1, 1, 2]
    assert {h.pk: h.member_count for h in rows} == {h.pk: h.members.count() for h in rows}


def test_summary_counts_are_scoped(people, village_official):
    summary = selectors.registry_summary(user=village_official)
    assert summary["households"] == 2
    assert summary["people"] == 2
    tags = {t.code: t.n for t in summary["tags"]}
    assert tags["elderly_alone"] == 1


def test_name_search_finds_given_name_inside_full_name(people, county_supervisor):
    assert names(selectors.person_list(user=county_supervisor, filters={"q": "秀英"})) == ["王秀英"]


def test_name_prefix_search(people, county_supervisor):
    assert names(selectors.person_list(user=county_supervisor, filters={"q": "王"})) == ["王大力", "王秀英"]


def test_prefix_scope_matches_exactly_the_subtree(tree, people, township_leader):
    from territory.models import AdminUnit
    from territory.selectors import prefix_q

    inside = set(AdminUnit.objects.filter(prefix_q("path", tree.town_a.path)).values_list("code", flat=True))
    assert inside == {tree.town_a.code, tree.village_a1.code, tree.village_a2.code, tree.grid_a1.code}
