import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from visits.models import Plan, Visit, VisitConflict

API = "/api/v1/visits"


@pytest.fixture
def api(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _post(c, path, body):
    return c.post(f"{API}{path}", body, content_type="application/json")


def test_submit_is_idempotent_on_client_id(api, village_official, elder):
    c = api(village_official)
    body = {"household_id": elder.household.pk, "client_id": str(uuid.uuid4()), "note": "好"}
    first = _post(c, "/visits", body)
    again = _post(c, "/visits", body)
    assert first.status_code == 201 and first.json()["status"] == "created"
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["visit"]["id"] == first.json()["visit"]["id"]
    assert first.json()["visit"]["in_person"] is True
    assert Visit.objects.count() == 1


def test_submit_with_changed_content_is_a_conflict_and_keeps_the_original(api, village_official, elder):
    c = api(village_official)
    cid = str(uuid.uuid4())
    _post(c, "/visits", {"household_id": elder.household.pk, "client_id": cid, "note": "好"})
    response = _post(c, "/visits", {"household_id": elder.household.pk, "client_id": cid, "note": "不好"})
    assert response.json()["status"] == "conflict" and response.json()["conflict_id"]
    assert Visit.objects.get().note == "好" and VisitConflict.objects.count() == 1


def test_offline_timestamp_is_kept_when_recent(api, village_official, elder):
    c = api(village_official)
    when = timezone.now() - timedelta(hours=3)
    _post(
        c,
        "/visits",
        {"household_id": elder.household.pk, "client_id": str(uuid.uuid4()), "recorded_at": when.isoformat()},
    )
    assert abs((Visit.objects.get().visited_at - when).total_seconds()) < 1


def test_submit_names_a_member_of_that_household_only(api, village_official, elder, tree):
    from core.testing import make_person
    from registry.models import Household

    neighbour = Household.objects.create(
        village=tree.village_a1, scope_path=tree.village_a1.path, address="甲一村9号"
    )
    stranger = make_person(neighbour, "赵叔")
    c = api(village_official)
    response = _post(c, "/visits", {"household_id": elder.household.pk, "person_id": stranger.pk})
    assert response.status_code == 422 and not Visit.objects.exists()
    response = _post(c, "/visits", {"household_id": elder.household.pk, "person_id": elder.pk})
    assert response.status_code == 201 and Visit.objects.get().person == elder


def test_submit_outside_jurisdiction_is_404(api, village_official, outsider):
    response = _post(api(village_official), "/visits", {"household_id": outsider.household.pk})
    assert response.status_code == 404 and not Visit.objects.exists()


def test_visit_list_is_scoped(api, village_official, township_leader, elder, outsider, tree):
    from core.testing import make_staff
    from territory.roles import Role
    from visits import services

    b = make_staff(Role.VILLAGE_OFFICIAL, [tree.village_b1], username="vb1")
    services.visit_record(actor=b, household=outsider.household)
    services.visit_record(actor=village_official, household=elder.household)
    items = api(village_official).get(f"{API}/visits").json()["items"]
    assert [i["household_id"] for i in items] == [elder.household.pk]


def test_due_and_coverage(api, township_leader, elder, outsider):
    c = api(township_leader)
    due = c.get(f"{API}/due").json()
    assert [d["household_id"] for d in due] == [elder.household.pk]
    cov = c.get(f"{API}/coverage").json()
    assert cov["total"]["total"] == 1 and cov["total"]["on_time"] == 0
    assert len(cov["trend"]) == 8


def test_plan_via_api(api, township_cadre, elder, tree):
    c = api(township_cadre)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _post(
        c,
        "/plans",
        {"township_id": tree.town_a.pk, "date": tomorrow, "cadre_ids": [township_cadre.pk], "seconds": 0.3},
    )
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    detail = c.get(f"{API}/plans/{plan_id}").json()
    assert detail["status"] == Plan.Status.DONE
    assert [s["household_id"] for s in detail["routes"][0]["stops"]] == [elder.household.pk]
    stop_id = detail["routes"][0]["stops"][0]["id"]
    skipped = _post(c, f"/stops/{stop_id}/skip", {})
    assert skipped.status_code == 200 and skipped.json()["stops"][0]["state"] == "skipped"


def test_plan_for_a_cadre_outside_jurisdiction_is_refused(api, village_official, township_cadre, tree):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _post(
        api(township_cadre),
        "/plans",
        {"township_id": tree.town_b.pk, "date": tomorrow, "cadre_ids": [township_cadre.pk]},
    )
    assert response.status_code == 403


# ---- distance table ---------------------------------------------------------------------------


@pytest.fixture
def numbered(tree):
    from core.testing import make_household

    return [
        make_household(tree.village_a1, address=f"{no}号", household_no=no, latitude=33.96, longitude=114.56)
        for no in ("A001", "A002")
    ]


def test_distance_table_via_api_json_csv_errors_and_delete(api, township_cadre, tree, numbered):
    c = api(township_cadre)
    url = f"{API}/townships/{tree.town_a.pk}/matrix"
    body = {"rows": [{"from": "0", "to": "A001", "km": 3.5}, {"from": "A001", "to": "A002", "km": 0.8}]}
    response = c.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["entries"] == 2
    got = c.get(url).json()
    assert {(r["from"], r["to"], r["km"]) for r in got["rows"]} == {("0", "A001", 3.5), ("A001", "A002", 0.8)}

    response = c.put(url, "起点,终点,公里\nA002,0,4.1\n", content_type="text/csv")
    assert response.status_code == 200 and response.json()["entries"] == 1  # replaced, not merged

    response = c.put(url, {"csv": "A001,ZZZ,2\nA001,0,abc\n"}, content_type="application/json")
    assert response.status_code == 422
    problems = " ".join(response.json()["problems"])
    assert "ZZZ" in problems and "abc" in problems
    assert c.get(url).json()["entries"] == 1  # the bad table changed nothing

    response = c.put(url, {"rows": [{"from": "A001", "km": 2}]}, content_type="application/json")
    assert response.status_code == 422 and "to" in " ".join(response.json()["problems"])

    assert c.delete(url).status_code == 204
    assert c.get(url).json()["entries"] == 0


def test_distance_table_of_another_township_is_refused(api, township_cadre, tree):
    c = api(township_cadre)
    url = f"{API}/townships/{tree.town_b.pk}/matrix"
    assert c.get(url).status_code == 403
    assert c.put(url, {"rows": []}, content_type="application/json").status_code == 403
    assert c.delete(url).status_code == 403
    assert c.get(f"{API}/townships/999999/matrix").status_code == 404
