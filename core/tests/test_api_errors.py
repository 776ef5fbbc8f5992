"""The API's answers to callers it must refuse: the statuses, their bodies and their place in the schema.

Each rule here was broken until the API fuzz (docs/api-fuzzing.md) found it.
"""

import pytest
from django.test import Client

from config.api import api
from territory.services import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(village_official):
    _token, key = token_issue(actor=village_official, staff=village_official, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/visits/visits"),
        ("post", "/api/v1/demands/demands"),
        ("patch", "/api/v1/burden/tasks/1"),
        ("post", "/api/v1/burden/notices/parse"),
    ],
)
def test_unauthenticated_write_is_401_not_a_csrf_403(client, tree, method, path):
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_signed_in_session_still_needs_the_csrf_token_to_write(village_official):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(village_official)
    response = browser.post(
        "/api/v1/burden/notices/parse", {"text": "关于报送材料的通知"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert browser.get("/api/v1/territory/units").status_code == 200


def test_signed_in_session_with_the_csrf_token_may_write(village_official):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(village_official)
    browser.get("/work/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/burden/notices/parse",
        {"text": "关于报送材料的通知"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", [{"offset": 57124726778022674432}, {"offset": -1}, {"limit": 0}, {"limit": 1001}]
)
def test_pagination_out_of_range_is_422_not_a_server_error(client, bearer, query):
    response = client.get("/api/v1/registry/households", query, **bearer)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_pagination_within_range_still_pages(client, bearer, tree):
    from core.testing import make_household

    for n in range(3):
        make_household(tree.village_a1, address=f"甲一村{n}号")
    body = client.get("/api/v1/registry/households", {"limit": 2, "offset": 1}, **bearer).json()
    assert body["count"] == 3
    assert len(body["items"]) == 2


def test_openapi_declares_every_error_an_operation_can_answer():
    schema = api.get_openapi_schema()
    assert "Error" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "403"} <= declared, f"{method} {path}"
            if "{" in path:
                assert "404" in declared, f"{method} {path}"
            if method != "get":
                assert "400" in declared, f"{method} {path}"


def test_nul_in_a_query_parameter_is_422_naming_it(client, bearer):
    response = client.get("/api/v1/registry/households", {"q": "王\x00"}, **bearer)
    assert response.status_code == 422
    assert response.json() == {"detail": "q: text must not contain NUL characters"}


def test_nul_in_a_json_body_is_400(client, bearer):
    response = client.post(
        "/api/v1/burden/notices/parse", {"text": "通知\x00"}, content_type="application/json", **bearer
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot parse request body"
