import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.testing import make_household
from visits.models import Plan, PlanStop, Trip, Visit


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_worklist_shows_overdue_households_with_a_one_tap_button(
    client_for, village_official, elder, outsider
):
    response = client_for(village_official).get(reverse("visits:worklist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王奶奶" in body or elder.household.head_name in body
    assert "已走访" in body and 'name="client_id"' in body
    assert "乙一村" not in body


def test_one_tap_records_an_in_person_visit(client_for, village_official, elder):
    c = client_for(village_official)
    cid = uuid.uuid4()
    data = {"household": elder.household.pk, "mode": "in_person", "client_id": str(cid)}
    response = c.post(reverse("visits:visit_new"), data)
    assert response.status_code == 302
    c.post(reverse("visits:visit_new"), data)  # a double tap is the same visit
    v = Visit.objects.get()
    assert v.mode == "in_person" and v.actor == village_official and v.client_id == cid


def test_full_form_takes_mode_note_and_follow_up(client_for, village_official, elder):
    c = client_for(village_official)
    page = c.get(reverse("visits:visit_new"), {"household": elder.household.pk})
    assert page.status_code == 200
    follow = timezone.localdate() + timedelta(days=5)
    c.post(
        reverse("visits:visit_new"),
        {
            "household": elder.household.pk,
            "mode": "phone",
            "note": "电话问候",
            "next_visit_date": follow.isoformat(),
        },
    )
    v = Visit.objects.get()
    assert (v.mode, v.note, v.next_visit_date) == ("phone", "电话问候", follow)


def test_recording_a_visit_outside_the_jurisdiction_is_404(client_for, village_official, outsider):
    c = client_for(village_official)
    response = c.post(reverse("visits:visit_new"), {"household": outsider.household.pk, "mode": "in_person"})
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_worklist_query_count_does_not_grow_with_households(
    client_for, village_official, elder, tree, django_assert_max_num_queries
):
    for n in range(15):
        make_household(tree.village_a1, address=f"甲一村{n}号", occupancy="away")
    c = client_for(village_official)
    c.get(reverse("visits:worklist"))
    with django_assert_max_num_queries(25):
        c.get(reverse("visits:worklist"))


def test_coverage_page_draws_charts_and_tables(client_for, township_leader, elder):
    response = client_for(township_leader).get(reverse("visits:coverage"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") >= 3 and "独居老人每周入户" in body and "甲一村" in body


def test_home_panel_shows_the_overdue_count(client_for, village_official, elder):
    body = client_for(village_official).get(reverse("home")).content.decode()
    assert "户逾期未走访" in body


def test_cadre_plans_a_day_sees_map_and_sheet_and_can_skip(
    client_for, township_cadre, elder, away_household, tree
):
    c = client_for(township_cadre)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = c.post(
        reverse("visits:plan_new"),
        {
            "township": tree.town_a.pk,
            "date": tomorrow.isoformat(),
            "cadres": [township_cadre.pk],
            "shift_start": "08:30",
            "shift_hours": 8,
            "lunch_start": "12:00",
            "lunch_minutes": 60,
            "in_person_minutes": 20,
            "phone_minutes": 5,
            "speed_kmh": 35,
            "road_factor": 1.3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    assert plan.status == Plan.Status.DONE
    stops = list(PlanStop.objects.filter(route__plan=plan))
    assert {s.household_id for s in stops} == {elder.household.pk, away_household.pk}
    detail = c.get(reverse("visits:plan_detail", args=[plan.pk])).content.decode()
    assert "公里" in detail
    map_page = c.get(reverse("visits:plan_map", args=[plan.pk])).content.decode()
    assert "<svg" in map_page and "leaflet.js" not in map_page  # no tile URL configured: plain drawing
    sheet = c.get(reverse("visits:plan_sheet", args=[plan.pk])).content.decode()
    assert "print.css" in sheet and "走访路线单" in sheet
    first = min(stops, key=lambda s: s.seq)
    c.post(reverse("visits:stop_skip", args=[first.pk]))
    first.refresh_from_db()
    assert first.state == PlanStop.State.SKIPPED
    assert PlanStop.objects.filter(route__plan=plan, state=PlanStop.State.PLANNED).count() == 1
    c.post(reverse("visits:route_trip", args=[first.route_id]))
    assert Trip.objects.get().cadre == township_cadre


def test_plan_of_another_township_is_404(client_for, village_official, tree, outsider):
    from core.testing import make_staff
    from territory.roles import Role
    from visits import services

    cadre_b = make_staff(Role.TOWNSHIP_CADRE, [tree.village_b1], username="cadre_b")
    plan = services.plan_create(
        actor=cadre_b, township=tree.town_b, day=timezone.localdate(), cadres=[cadre_b]
    )
    assert plan.status == Plan.Status.DONE and plan.routes.get().stops.count() == 1
    assert client_for(village_official).get(reverse("visits:plan_detail", args=[plan.pk])).status_code == 404


def test_claim_downloads_as_xlsx_and_pdf(client_for, township_cadre, tree):
    c = client_for(township_cadre)
    today = timezone.localdate()
    response = c.post(
        reverse("visits:trips"),
        {
            "date": today.isoformat(),
            "origin": "甲镇政府",
            "destination": "甲一村",
            "km": "23.5",
            "vehicle": "私家车",
        },
    )
    assert response.status_code == 302
    month = today.strftime("%Y-%m")
    xlsx = c.get(reverse("visits:claim_export", args=[township_cadre.pk, "xlsx"]), {"month": month})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = c.get(reverse("visits:claim_export", args=[township_cadre.pk, "pdf"]), {"month": month})
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    page = c.get(reverse("visits:trips")).content.decode()
    assert "23.5" in page


def test_service_worker_is_served_from_the_visits_scope(client):
    response = client.get(reverse("visits:service_worker"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")


def test_uploaded_distance_table_is_used_by_the_planner(client_for, township_cadre, elder, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from visits.models import PlannerSettings

    elder.household.household_no = "A1-0001"
    elder.household.save(update_fields=["household_no"])
    c = client_for(township_cadre)
    csv = "起点,终点,公里\n0,A1-0001,4.2\nA1-0001,0,4.0\n".encode()
    response = c.post(
        reverse("visits:planner_settings"),
        {
            "township": tree.town_a.pk,
            "road_factor": 1.4,
            "speed_kmh": 40,
            "matrix": SimpleUploadedFile("m.csv", csv),
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    settings_obj = PlannerSettings.objects.get(township=tree.town_a)
    assert settings_obj.distance_matrix == {
        f"depot-{elder.household.pk}": 4.2,
        f"{elder.household.pk}-depot": 4.0,
    }
    from visits import services

    plan = services.plan_create(
        actor=township_cadre,
        township=tree.town_a,
        day=timezone.localdate() + timedelta(days=1),
        cadres=[township_cadre],
    )
    route = plan.routes.get()
    assert route.stops.get().km_from_previous == 4.2
    assert route.distance_km == 8.2


def test_distance_table_with_unknown_households_is_refused_with_the_row(client_for, township_cadre, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(township_cadre)
    response = c.post(
        reverse("visits:planner_settings"),
        {
            "township": tree.town_a.pk,
            "road_factor": 1.4,
            "speed_kmh": 40,
            "matrix": SimpleUploadedFile("m.csv", b"0,NOPE,3\n"),
        },
    )
    assert response.status_code == 200 and "第1行" in response.content.decode()


def test_plan_pages_and_exports_have_pinned_query_counts(
    client_for, township_cadre, tree, policies, django_assert_max_num_queries
):
    from core.testing import make_person
    from visits import services

    for n in range(8):
        hh = make_household(
            tree.village_a1, address=f"甲一村{n}组", latitude=33.96 + n / 500, longitude=114.56
        )
        make_person(hh, f"老人{n}").tags.add(tree.tags["elderly_alone"])
    plan = services.plan_create(
        actor=township_cadre, township=tree.town_a, day=timezone.localdate(), cadres=[township_cadre]
    )
    assert plan.routes.get().stops.count() == 8
    c = client_for(township_cadre)
    for name in ("visits:plan_detail", "visits:plan_map", "visits:plan_sheet"):
        c.get(reverse(name, args=[plan.pk]))
        with django_assert_max_num_queries(12):
            assert c.get(reverse(name, args=[plan.pk])).status_code == 200
    services.trip_from_route(actor=township_cadre, route=plan.routes.get())
    month = timezone.localdate().strftime("%Y-%m")
    with django_assert_max_num_queries(12):
        c.get(reverse("visits:claim_export", args=[township_cadre.pk, "xlsx"]), {"month": month})
    with django_assert_max_num_queries(25):
        assert c.get(reverse("visits:coverage")).status_code == 200


def test_overdue_list_for_a_township_a_village_and_a_cadre(
    client_for, township_leader, township_cadre, elder, tree
):
    c = client_for(township_leader)
    for params in ({"unit": tree.town_a.pk}, {"unit": tree.village_a1.pk}, {"cadre": township_cadre.pk}):
        body = c.get(reverse("visits:overdue"), params).content.decode()
        assert "王奶奶" in body or elder.household.head_name in body, params
    other = c.get(reverse("visits:overdue"), {"unit": tree.village_a2.pk}).content.decode()
    assert elder.household.address not in other


def test_overdue_list_for_a_unit_outside_the_jurisdiction_is_404(client_for, village_official, tree):
    c = client_for(village_official)
    assert c.get(reverse("visits:overdue"), {"unit": tree.village_b1.pk}).status_code == 404
    assert c.get(reverse("visits:overdue"), {"unit": tree.town_a.pk}).status_code == 404


# ---- the county's rules, receipts, cadre loads -------------------------------------------------


def test_administrator_edits_a_policy_and_the_travel_rule_in_the_workspace(
    client_for, administrator, policies
):
    from journal.models import Entry
    from visits.models import TravelRule, VisitPolicy

    c = client_for(administrator)
    page = c.get(reverse("visits:rules")).content.decode()
    assert "低保户每月入户" in page and "交通补贴规则" in page
    policy = VisitPolicy.objects.get(name="低保户每月入户")
    response = c.post(
        reverse("visits:policy_edit", args=[policy.pk]),
        {
            "name": "低保户每三周入户",
            "tag": policy.tag_id,
            "occupancy": "",
            "interval_days": 21,
            "required_mode": "in_person",
            "weight": 6,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    policy.refresh_from_db()
    assert policy.interval_days == 21 and policy.name == "低保户每三周入户"
    response = c.post(
        reverse("visits:rules"),
        {
            "fuel_price": "8.10",
            "consumption_l_per_100km": "6.5",
            "subsidy_per_month": "400",
            "subsidy_per_km": "0",
        },
    )
    assert response.status_code == 302
    rule = TravelRule.objects.get(county=policy.county)
    assert str(rule.fuel_price) == "8.10" and rule.subsidy_per_month == 400
    assert {"visits.policy.saved", "visits.rule.saved"} <= set(Entry.objects.values_list("action", flat=True))
    page = c.get(reverse("visits:rules")).content.decode()
    assert "回执" in page


def test_a_new_policy_needs_a_tag_or_occupancy(client_for, county_supervisor, policies):
    c = client_for(county_supervisor)
    response = c.post(
        reverse("visits:policy_new"),
        {"name": "空的", "tag": "", "occupancy": "", "interval_days": 7, "required_mode": "any", "weight": 5},
    )
    assert response.status_code == 200 and "请选一个标签" in response.content.decode()
    response = c.post(
        reverse("visits:policy_new"),
        {
            "name": "外出户每月联系",
            "occupancy": "away",
            "interval_days": 30,
            "required_mode": "any",
            "weight": 5,
        },
    )
    assert response.status_code == 302


def test_field_staff_cannot_open_the_rules(client_for, village_official, township_cadre, policies):
    from visits.models import VisitPolicy

    policy = VisitPolicy.objects.first()
    for user in (village_official, township_cadre):
        c = client_for(user)
        assert c.get(reverse("visits:rules")).status_code == 403
        assert c.get(reverse("visits:policy_edit", args=[policy.pk])).status_code == 404
        assert c.post(reverse("visits:policy_new"), {"name": "x"}).status_code == 403


def test_visit_log_links_each_visit_to_its_receipt(client_for, village_official, elder):
    from journal.models import Entry
    from visits import services

    visit = services.visit_record(actor=village_official, household=elder.household)
    seq = Entry.objects.filter(target_type="visits.visit", target_id=str(visit.pk)).latest("seq").seq
    body = client_for(village_official).get(reverse("visits:visit_list")).content.decode()
    assert reverse("journal:receipt", args=[seq]) in body


def test_plan_page_shows_each_cadres_load_and_the_receipt(client_for, township_cadre, tree, policies):
    from core.testing import make_person, make_staff
    from territory.roles import Role
    from visits import services

    other = make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1], username="cadre-a-2")
    for n in range(4):
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
    body = client_for(township_cadre).get(reverse("visits:plan_detail", args=[plan.pk])).content.decode()
    assert "每位干部的工作量" in body and "每位干部最多 3 户" in body
    assert body.count('class="load-bar"') == 2
    assert "/journal/receipt/" in body or "回执" in body


def test_coverage_page_is_computed_once_per_scope_and_says_when(
    client_for, township_leader, village_official, elder
):
    from core.testing import make_staff
    from territory.roles import Role
    from visits import selectors

    c = client_for(township_leader)
    first = c.get(reverse("visits:coverage")).content.decode()
    assert "数据统计于" in first
    Visit.objects.create(
        household=elder.household,
        actor=village_official,
        scope_path=elder.household.scope_path,
        mode="in_person",
        visited_at=timezone.now(),
    )
    # Another leader of the same township shares the copy: the new visit is not counted yet.
    colleague = make_staff(
        Role.TOWNSHIP_LEADER, list(township_leader.jurisdictions.all()), username="leader_b"
    )
    shared = selectors.coverage_report(user=colleague)
    assert shared == selectors.coverage_report(user=township_leader)
    assert sum(w["in_person"] for w in shared.weekly_visits) == 0
    # A different scope computes its own figures, and with the cache off every request recomputes.
    assert sum(w["in_person"] for w in selectors.coverage_report(user=village_official).weekly_visits) == 1
    with override_settings(DOORSTEP_REPORT_CACHE_SECONDS=0):
        assert sum(w["in_person"] for w in selectors.coverage_report(user=township_leader).weekly_visits) == 1


def test_planner_form_offers_the_township_and_its_cadres_with_the_user_checked(
    client_for, township_cadre, village_official, tree, django_assert_num_queries
):
    c = client_for(township_cadre)
    c.get(reverse("visits:plan_new"))
    # 4: session, the user's townships, the cadres, recent plans (the staff row from the cache).
    with django_assert_num_queries(4):
        body = c.get(reverse("visits:plan_new")).content.decode()
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert f'<option value="{tree.town_a.pk}" selected>甲镇</option>' in body
    assert f'<input type="date" name="date" value="{tomorrow.isoformat()}" required id="id_date">' in body
    assert (
        f'<label for="id_cadres_0"><input type="checkbox" name="cadres" value="{township_cadre.pk}"'
        f' id="id_cadres_0" checked>\n {township_cadre}</label>'
    ) in body
    assert (
        f'<label for="id_cadres_1"><input type="checkbox" name="cadres" value="{village_official.pk}"'
        f' id="id_cadres_1">\n {village_official}</label>'
    ) in body
    assert '<input type="number" name="road_factor" value="1.35" min="1" max="3" step="any" required' in body
    assert "errorlist" not in body


def test_planner_form_shows_what_is_wrong_with_a_plan_and_keeps_the_answers(client_for, township_cadre, tree):
    body = (
        client_for(township_cadre)
        .post(
            reverse("visits:plan_new"),
            {
                "township": tree.town_a.pk,
                "lunch_start": "12:00",
                "lunch_end": "12:30",
                "lunch_minutes": "60",
                "added": "<b>7</b>",
            },
        )
        .content.decode()
    )
    assert '<ul class="errorlist" id="id_date_error"><li>' in body
    assert '<ul class="errorlist" id="id_lunch_end_error"><li>午休时段比午休时长还短</li></ul>' in body
    assert 'name="added" value="&lt;b&gt;7&lt;/b&gt;"' in body
    assert not Plan.objects.exists()
