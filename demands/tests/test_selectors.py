from datetime import timedelta

import pytest
from django.http import Http404

from demands import selectors, services
from demands.tests.factories import make_demand


def test_a_department_handler_sees_only_demands_routed_to_their_department(setup, tree, civil_handler):
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    road = make_demand(tree, setup)
    land = make_demand(tree, setup, category="land", concerns_county_project=True)
    assert list(selectors.demand_list(user=civil_handler)) == [welfare]
    with pytest.raises(Http404):
        selectors.demand_get(user=civil_handler, pk=road.pk)
    assert land not in selectors.demand_list(user=civil_handler)


def test_village_official_sees_own_village_but_not_other_villages(setup, tree, village_official):
    mine = make_demand(tree, setup, category="welfare", text="申请低保")
    other = make_demand(tree, setup, place_unit=tree.village_b1)
    visible = list(selectors.demand_list(user=village_official))
    assert mine in visible and other not in visible


def test_township_leader_sees_the_township(setup, tree, township_leader):
    a2 = make_demand(tree, setup, place_unit=tree.village_a2)
    b1 = make_demand(tree, setup, place_unit=tree.village_b1)
    visible = list(selectors.demand_list(user=township_leader))
    assert a2 in visible and b1 not in visible


def test_the_three_rates_are_computed_from_acceptance_and_the_residents_verdicts(
    setup, tree, village_official
):
    demands = [make_demand(tree, setup, text=f"第{i}盏路灯坏了") for i in range(4)]
    for d in demands[:3]:
        services.demand_accept(actor=village_official, demand=d)
        services.demand_answer(actor=village_official, demand=d, outcome="resolved", answer="修好了")
    services.demand_verdict(
        actor=village_official, demand=demands[0], resolved=True, satisfied=True, channel="visit"
    )
    services.demand_verdict(
        actor=village_official, demand=demands[1], resolved=True, satisfied=False, channel="visit"
    )
    services.demand_verdict(
        actor=village_official, demand=demands[2], resolved=False, satisfied=False, channel="visit"
    )
    # The fourth was never accepted and its accept deadline has passed.
    demands[3].accept_due = demands[3].created_at - timedelta(hours=1)
    demands[3].save(update_fields=["accept_due"])
    data = selectors.dashboard(user=village_official)
    overall = data["overall"]
    assert overall.total == 4
    assert overall.response_rate == 75.0  # 3 of 4 accepted on time
    assert overall.resolution_rate == pytest.approx(66.7)  # 2 of 3 verdicts say resolved
    assert overall.satisfaction_rate == pytest.approx(33.3)  # 1 of 3 satisfied
    assert [r.label for r in data["by_unit"]] == ["甲一村"]


def test_public_lookup_needs_the_right_last_four_digits(setup, tree):
    demand = make_demand(tree, setup, phone="13900004321")
    assert selectors.public_lookup(ticket=demand.ticket, last4="4321") == demand
    assert selectors.public_lookup(ticket=demand.ticket, last4="1234") is None
    assert selectors.public_lookup(ticket="nope", last4="4321") is None


def test_county_wide_dashboard_rolls_villages_up_to_their_township(setup, tree, county_supervisor):
    make_demand(tree, setup, place_unit=tree.village_a1)
    make_demand(tree, setup, place_unit=tree.village_a2)
    make_demand(tree, setup, category="welfare", text="申请低保")
    labels = [r.label for r in selectors.dashboard(user=county_supervisor)["by_unit"]]
    assert labels == ["测试县", "甲镇各村"]


def test_resident_text_suggests_the_category_of_the_places_county(setup, tree):
    from demands import selectors

    assert selectors.category_for_text(place_unit=tree.village_a1, text="村口路灯坏了").code == "road"
    assert selectors.category_for_text(place_unit=tree.village_a1, text="想问问天气").code == "other"
