import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from journal.models import Entry
from visits import services
from visits.models import Mode, Visit, VisitConflict, VisitPolicy


def test_visit_is_recorded_in_person_by_default_and_journaled(village_official, elder):
    v = services.visit_record(actor=village_official, household=elder.household)
    assert v.mode == Mode.IN_PERSON and v.is_in_person
    assert v.scope_path == elder.household.scope_path
    assert Entry.objects.filter(action="visits.visit.recorded", target_id=str(v.pk)).exists()


def test_resend_with_same_client_id_and_content_returns_the_original(village_official, elder):
    cid = uuid.uuid4()
    first = services.visit_submit(
        actor=village_official, household=elder.household, client_id=cid, note="身体好"
    )
    again = services.visit_submit(
        actor=village_official, household=elder.household, client_id=str(cid), note="身体好"
    )
    assert first.status == "created" and again.status == "duplicate"
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1


def test_resend_with_same_client_id_but_other_content_is_kept_as_conflict(village_official, elder):
    cid = uuid.uuid4()
    services.visit_submit(actor=village_official, household=elder.household, client_id=cid, note="身体好")
    result = services.visit_submit(
        actor=village_official, household=elder.household, client_id=cid, note="摔了一跤", mode=Mode.PHONE
    )
    assert result.status == "conflict"
    assert Visit.objects.get().note == "身体好"  # never overwritten
    conflict = VisitConflict.objects.get()
    assert conflict.payload["note"] == "摔了一跤" and not conflict.resolved
    services.conflict_resolve(actor=village_official, conflict=conflict)
    conflict.refresh_from_db()
    assert conflict.resolved and Visit.objects.get().note == "身体好"


def test_village_official_cannot_record_a_visit_in_another_village(village_official, outsider):
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=village_official, household=outsider.household)
    assert not Visit.objects.exists()


def test_visited_person_must_belong_to_the_household(village_official, elder, away_household):
    with pytest.raises(ValidationError):
        services.visit_record(actor=village_official, household=away_household, person=elder)


def test_follow_up_date_cannot_be_in_the_past(village_official, elder):
    from datetime import date

    with pytest.raises(ValidationError):
        services.visit_record(
            actor=village_official, household=elder.household, next_visit_date=date(2000, 1, 1)
        )


def test_default_policies_follow_the_county_tags(tree, policies):
    by_name = {p.name: p for p in VisitPolicy.objects.all()}
    assert by_name["独居老人每周入户"].interval_days == 7
    assert by_name["独居老人每周入户"].required_mode == Mode.IN_PERSON
    assert by_name["低保户每月入户"].interval_days == 30
    away = by_name["外出户每季度电话联系"]
    assert away.interval_days == 90 and away.required_mode == "any" and away.occupancy == "away"
    assert "特困人员每两周入户" not in by_name  # the test county has no 特困 tag


def test_a_village_official_cannot_set_policies(tree, village_official):
    with pytest.raises(PermissionDenied):
        services.policy_save(
            actor=village_official, county=tree.county, name="x", interval_days=3, tag=tree.tags["dibao"]
        )


def test_trip_and_monthly_claim_show_the_gap(tree, township_cadre):
    from datetime import date
    from decimal import Decimal

    from visits import selectors

    services.travel_rule_save(
        actor=None,
        county=tree.county,
        fuel_price=Decimal("8.00"),
        consumption_l_per_100km=Decimal("10"),
        subsidy_per_month=Decimal("100"),
    )
    for day in (3, 4):
        services.trip_record(
            actor=township_cadre,
            cadre=township_cadre,
            unit=tree.village_a1,
            date=date(2026, 10, day),
            origin="甲镇政府",
            destination="甲一村",
            km=Decimal("150"),
        )
    claim = selectors.monthly_claim(user=township_cadre, cadre=township_cadre, month=date(2026, 10, 1))
    assert claim.km == 300 and claim.cost == 240.0 and claim.subsidy == 100.0 and claim.gap == 140.0


def test_a_plan_can_start_from_another_point(tree, township_cadre, elder):
    from datetime import timedelta

    from django.utils import timezone

    plan = services.plan_create(
        actor=township_cadre,
        township=tree.town_a,
        day=timezone.localdate() + timedelta(days=1),
        cadres=[township_cadre],
        params={"start_point": [33.9605, 114.5605]},
    )
    stop = plan.routes.get().stops.get()
    assert stop.household == elder.household
    assert stop.km_from_previous < 0.5  # from the given point next door, not from the township office


def test_replanning_after_a_skip_keeps_done_stops_and_starts_after_them(tree, township_cadre, policies):
    from datetime import timedelta

    from django.utils import timezone

    from core.testing import make_household, make_person
    from visits.models import PlanStop

    for n in range(5):
        hh = make_household(
            tree.village_a1, address=f"甲一村{n}组", latitude=33.96 + n / 300, longitude=114.56
        )
        make_person(hh, f"老人{n}").tags.add(tree.tags["elderly_alone"])
    plan = services.plan_create(
        actor=township_cadre,
        township=tree.town_a,
        day=timezone.localdate() + timedelta(days=1),
        cadres=[township_cadre],
    )
    route = plan.routes.get()
    first, second, *rest = list(route.stops.order_by("seq"))
    services.visit_record(actor=township_cadre, household=first.household, plan_stop=first)
    services.stop_mark(actor=township_cadre, stop=second, state=PlanStop.State.SKIPPED)
    services.route_replan(actor=township_cadre, route=route, now_minute=9 * 60)
    stops = list(route.stops.order_by("seq"))
    assert [s.state for s in stops[:2]] == ["done", "skipped"]
    planned = [s for s in stops if s.state == "planned"]
    assert {s.household_id for s in planned} == {s.household_id for s in rest}
    assert all(s.arrival >= first.departure for s in planned)


# ---- distance table -------------------------------------------------------------------------


def _numbered(tree, no, village=None):
    from core.testing import make_household

    return make_household(
        village or tree.village_a1, address=f"{no}号", household_no=no, latitude=33.96, longitude=114.56
    )


def test_a_distance_table_with_any_bad_row_is_rejected_whole_with_every_problem(tree, township_cadre):
    from visits.models import PlannerSettings

    _numbered(tree, "A001")
    _numbered(tree, "B001", tree.village_b1)  # another township
    rows = [
        ["from", "to", "km"],
        ["0", "A001", "3.5"],
        ["A001", "B001", "4"],
        ["A001", "0", "many"],
        ["A001", "A001", "1"],
        ["A001"],
    ]
    with pytest.raises(ValidationError) as exc:
        services.distance_matrix_replace(actor=township_cadre, township=tree.town_a, rows=rows)
    text = " ".join(exc.value.messages)
    assert "第3行" in text and "B001" in text
    assert "第4行" in text and "第5行" in text and "第6行" in text
    assert not PlannerSettings.objects.filter(township=tree.town_a, distance_matrix__isnull=False).exists()


def test_a_distance_table_is_replaced_and_deleted_with_journal_entries(tree, township_cadre):
    a = _numbered(tree, "A001")
    obj = services.distance_matrix_replace(
        actor=township_cadre, township=tree.town_a, rows=[["0", "A001", "3.5"], ["A001", "0", "3.7"]]
    )
    assert obj.distance_matrix == {f"depot-{a.pk}": 3.5, f"{a.pk}-depot": 3.7}
    services.distance_matrix_delete(actor=township_cadre, township=tree.town_a)
    obj.refresh_from_db()
    assert obj.distance_matrix is None
    actions = list(Entry.objects.filter(action__startswith="visits.matrix").values_list("action", flat=True))
    assert actions == ["visits.matrix.replaced", "visits.matrix.deleted"]


def test_a_village_official_cannot_replace_a_distance_table(tree, village_official):
    with pytest.raises(PermissionDenied):
        services.distance_matrix_replace(actor=village_official, township=tree.town_a, rows=[["0", "x", "1"]])


def test_a_plan_for_two_cadres_with_few_candidates_shares_them(tree, township_cadre, policies):
    from datetime import timedelta

    from django.utils import timezone

    from core.testing import make_household, make_person, make_staff
    from territory.roles import Role

    other = make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1], username="cadre-a-2")
    for n in range(6):
        hh = make_household(
            tree.village_a1, address=f"甲一村{n}组", latitude=33.96 + n / 2000, longitude=114.56
        )
        make_person(hh, f"老人{n}").tags.add(tree.tags["elderly_alone"])
    plan = services.plan_create(
        actor=township_cadre,
        township=tree.town_a,
        day=timezone.localdate() + timedelta(days=1),
        cadres=[township_cadre, other],
    )
    sizes = sorted(r.stops.count() for r in plan.routes.all())
    assert sizes == [3, 3] or sizes == [2, 4]
    assert plan.params["stop_limit"] == 4


def test_lunch_window_shorter_than_the_break_is_refused(tree, township_cadre):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(ValidationError):
        services.plan_create(
            actor=township_cadre,
            township=tree.town_a,
            day=timezone.localdate() + timedelta(days=1),
            cadres=[township_cadre],
            params={"lunch_start": "12:00", "lunch_end": "12:30", "lunch_minutes": 60},
        )


def test_a_county_supervisor_may_change_a_policy_and_it_is_journaled(tree, county_supervisor, policies):
    policy = VisitPolicy.objects.get(name="低保户每月入户")
    services.policy_save(
        actor=county_supervisor,
        county=tree.county,
        name=policy.name,
        tag=policy.tag,
        interval_days=21,
        weight=7,
        active=False,
        policy=policy,
    )
    policy.refresh_from_db()
    assert policy.interval_days == 21 and not policy.active
    entry = Entry.objects.filter(action="visits.policy.saved").latest("seq")
    assert entry.data["interval_days"] == 21 and entry.data["active"] is False
