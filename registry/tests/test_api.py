import pytest

from core.testing import make_household, make_person, synthetic_id
from territory.services import token_issue


@pytest.fixture
def api(client, village_official):
    _token, key = token_issue(actor=village_official, staff=village_official, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.fixture
def data(tree):
    mine = make_household(tree.village_a1, address="甲一村一组1号")
    theirs = make_household(tree.village_b1, address="乙一村一组1号")
    return {
        "mine": mine,
        "theirs": theirs,
        "p_mine": make_person(mine, "周福贵", id_number=synthetic_id()),
        "p_theirs": make_person(theirs, "吴桂英", id_number=synthetic_id()),
    }


def test_api_requires_token(client, data):
    assert client.get("/api/v1/registry/households").status_code == 401


def test_household_list_is_scoped(api, data):
    body = api.get("/api/v1/registry/households").json()
    assert [h["address"] for h in body["items"]] == ["甲一村一组1号"]


def test_out_of_scope_household_is_404(api, data):
    assert api.get(f"/api/v1/registry/households/{data['theirs'].pk}").status_code == 404


def test_person_api_masks_id(api, data):
    body = api.get(f"/api/v1/registry/people/{data['p_mine'].pk}").json()
    assert body["id_number_masked"] == data["p_mine"].id_masked
    assert "id_cipher" not in body


def test_reveal_through_api_needs_purpose(api, data):
    url = f"/api/v1/registry/people/{data['p_mine'].pk}/reveal"
    assert (
        api.post(url, {"field": "id_number", "purpose": ""}, content_type="application/json").status_code
        == 422
    )
    ok = api.post(url, {"field": "id_number", "purpose": "核对身份"}, content_type="application/json")
    assert ok.status_code == 200 and len(ok.json()["value"]) == 18


def test_revoked_token_is_refused(client, village_official, data):
    token, key = token_issue(actor=village_official, staff=village_official, name="t")
    token.revoked = True
    token.save(update_fields=["revoked"])
    assert client.get("/api/v1/registry/households", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/registry/households" in schema["paths"]


@pytest.mark.parametrize("min_age", [-1, 121, 525596533950408])
def test_people_min_age_out_of_range_is_refused_not_a_server_error(api, data, min_age):
    # Found by the API fuzz (docs/api-fuzzing.md): a year out of range raised OverflowError (500).
    response = api.get("/api/v1/registry/people", {"min_age": min_age})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "min_age"


def test_people_min_age_filters_by_birth_date(api, tree):
    from datetime import date

    household = make_household(tree.village_a1, address="甲一村三组3号")
    make_person(household, "老人", birth_date=date(1930, 1, 1))
    make_person(household, "孩子", birth_date=date(2020, 1, 1))
    names = [p["name"] for p in api.get("/api/v1/registry/people", {"min_age": 80}).json()["items"]]
    assert names == ["老人"]
