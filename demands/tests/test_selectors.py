from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

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


def _dashboard_tables(data):
    return {name: [vars(r) for r in data[name]] for name in ("by_unit", "by_department", "by_category")} | {
        "overall": vars(data["overall"])
    }


def _varied_year(tree, setup, actor):
    """Demands in every state the counts distinguish: open, accepted late and on time, answered, verdicts
    both ways, transferred to another owner, breached by the sweep, and one whose accept deadline is ahead."""
    demands = [make_demand(tree, setup, text=f"第{i}盏路灯坏了") for i in range(3)]
    welfare = [make_demand(tree, setup, category="welfare", text=f"申请低保{i}") for i in range(3)]
    make_demand(tree, setup, place_unit=tree.village_b1)
    services.demand_accept(actor=actor, demand=demands[0])
    services.demand_answer(actor=actor, demand=demands[0], outcome="resolved", answer="修好了")
    services.demand_verdict(actor=actor, demand=demands[0], resolved=True, satisfied=False, channel="visit")
    services.demand_accept(actor=actor, demand=welfare[0])
    services.demand_answer(actor=actor, demand=welfare[0], outcome="partly", answer="部分解决")
    services.demand_verdict(
        actor=actor, demand=welfare[0], resolved=False, satisfied=False, channel="callback"
    )
    services.demand_transfer(actor=actor, demand=welfare[1], reason="属于乡镇", to_unit=tree.town_a)
    # Two demands whose accept deadline passed unaccepted: the sweep flags them as breaches (the deadline
    # is not among the monthly counts, so moving it here needs no refresh).
    from demands.models import Demand

    Demand.objects.filter(pk__in=[demands[1].pk, welfare[2].pk]).update(
        accept_due=timezone.now() - timedelta(hours=2)
    )
    services.deadline_sweep()
    return demands, welfare


def test_county_wide_dashboard_from_monthly_counts_equals_the_pass_over_the_demands(
    setup, tree, county_supervisor, civil_handler
):
    _varied_year(tree, setup, None)
    for user in (county_supervisor, civil_handler):
        assert selectors._stat_scope(user) is not None
        summed, live = selectors.dashboard(user=user), selectors.dashboard(user=user, live=True)
        assert _dashboard_tables(summed) == _dashboard_tables(live)
    overall = selectors.dashboard(user=county_supervisor)["overall"]
    assert overall.total == 7 and overall.breaches == 2 and overall.transfers == 1


def test_monthly_counts_kept_by_the_services_match_a_full_rebuild(setup, tree, county_supervisor):
    from demands import stats
    from demands.models import DemandStat

    _varied_year(tree, setup, None)
    fields = ("key", *stats.COUNT_FIELDS)
    kept = sorted(DemandStat.objects.values_list(*fields))
    stats.stats_rebuild()
    # The sweep's breaches and the transfer (old owner's row shrinks, new owner's row grows) included.
    assert kept == sorted(DemandStat.objects.values_list(*fields))
    assert sum(row[fields.index("breaches_n")] for row in kept) == 2


def test_village_dashboard_is_computed_from_the_demands(setup, tree, village_official):
    assert selectors._stat_scope(village_official) is None
