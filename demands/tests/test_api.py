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
