from demands.tests.factories import make_demand
from territory.services import token_issue


def _auth(user):
    _t, key = token_issue(actor=user, staff=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_lists_only_department_demands_for_a_handler(client, setup, tree, civil_handler):
    welfare = make_demand(tree, setup, category="welfare", text="申请低保")
    make_demand(tree, setup)
    r = client.get("/api/v1/demands/demands", **_auth(civil_handler))
    assert [d["ticket"] for d in r.json()["items"]] == [welfare.ticket]
    assert r.json()["items"][0]["owner"] == "县民政局"


def test_api_create_routes_and_suggests(client, setup, tree, village_official):
    r = client.post(
        "/api/v1/demands/demands",
        {"resident_name": "李奶奶", "text": "想申请低保", "village_id": tree.village_a1.pk},
        content_type="application/json",
        **_auth(village_official),
    )
    assert r.status_code == 201, r.content
    assert r.json()["category"] == "welfare" and r.json()["owner"] == "县民政局"


def test_api_transfer_and_answer(client, setup, tree, land_handler):
    demand = make_demand(tree, setup, category="land", concerns_county_project=True)
    h = _auth(land_handler)
    r = client.post(
        f"/api/v1/demands/demands/{demand.pk}/transfer",
        {"to_department": setup["civil"].pk, "reason": ""},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422 and r.json()["detail"]
    r = client.post(
        f"/api/v1/demands/demands/{demand.pk}/answer",
        {"outcome": "partly", "answer": "先补一半"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"


def test_api_transfers_to_a_unit(client, setup, tree, civil_handler):
    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    r = client.post(
        f"/api/v1/demands/demands/{demand.pk}/transfer",
        {"to_unit": tree.town_a.pk, "reason": "先由镇里核实"},
        content_type="application/json",
        **_auth(civil_handler),
    )
    assert r.status_code == 200, r.content
    assert r.json()["owner"] == "甲镇" and r.json()["owner_level"] == "township"


def test_accepting_records_the_handlers_office_in_a_fixed_number_of_queries(
    client, setup, tree, civil_handler, django_assert_num_queries
):
    """The history names the office; the demand's owner rows stand in for the handler's department."""
    from django.db import connection

    from journal.models import Entry

    demand = make_demand(tree, setup, category="welfare", text="申请低保")
    h = _auth(civil_handler)
    client.get(f"/api/v1/demands/demands/{demand.pk}", **h)  # the handler's access is cached from here on
    # token, the demand, its update, the month's counts (4), the event, the journal (3 on PostgreSQL, with
    # its advisory lock), and the savepoints of the nested transactions (6, in a test's transaction): 21
    # before, with the handler's department and its unit read again and permissions read per request
    with django_assert_num_queries(16 + (connection.vendor == "postgresql")):
        r = client.post(f"/api/v1/demands/demands/{demand.pk}/accept", **h)
    assert r.status_code == 200 and r.json()["status"] == "processing"
    assert demand.events.get(kind="accepted").actor_office == "县民政局"
    assert Entry.objects.filter(action="demands.demand.accepted", target_id=str(demand.pk)).count() == 1
    # Once the demand is someone else's, the handler's own department is named, not the new owner.
    r = client.post(
        f"/api/v1/demands/demands/{demand.pk}/transfer",
        {"to_unit": tree.town_a.pk, "reason": "先由镇里核实"},
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["owner"] == "甲镇"
    assert demand.events.get(kind="transferred").actor_office == "县民政局"


def test_a_township_office_is_named_with_its_township(setup, tree):
    from core.testing import make_staff
    from demands import selectors, services
    from territory.roles import Role

    demand = make_demand(tree, setup, category="land", text="占地补偿没到位")
    staff = make_staff(Role.TOWNSHIP_CADRE, [tree.town_a], username="social_a", department=setup["social_a"])
    assert demand.owner_department == setup["social_a"]
    services.demand_accept(actor=staff, demand=selectors.demand_get(user=staff, pk=demand.pk))
    assert demand.events.get(kind="accepted").actor_office == "甲镇社会事务办"
