"""Open311 answers to input no client should send, each found by the Open311 fuzz
(demands/tests/test_open311_fuzz.py, docs/api-fuzzing.md): a 4xx in the specification's format, never a 500."""

from xml.etree import ElementTree

import pytest

from demands import services

BASE = "/open311/v2"


@pytest.fixture
def key(db):
    _client, key = services.open311_client_issue(actor=None, name="市民随手拍")
    return key


def _xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own test output


@pytest.mark.parametrize(
    "end_date",
    ["2026-13-01T00:00:00+08:00", "2026-02-30T00:00:00", "0000-01-01T00:00:00", "2026-11-01T25:00:00Z"],
)
def test_impossible_dates_are_400_not_a_server_error(client, setup, end_date):
    r = client.get(f"{BASE}/requests.json", {"end_date": end_date})
    assert r.status_code == 400
    assert r.json()[0]["code"] == 400
    assert "end_date" in r.json()[0]["description"]


def test_an_end_date_in_year_one_still_searches(client, setup):
    r = client.get(f"{BASE}/requests.json", {"end_date": "0001-01-02T00:00:00+00:00"})
    assert r.status_code == 200
    assert r.json() == []


def test_xml_answers_stay_well_formed_with_control_characters_in_the_input(client, setup, key):
    r = client.post(
        f"{BASE}/requests.xml", {"api_key": key, "service_code": "bad\x1fcode", "description": "x"}
    )
    assert r.status_code == 404
    root = _xml(r)
    assert root.find("error/description").text == "service_code bad\ufffdcode not found"
    created = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": key,
            "service_code": "road",
            "address_id": "419901001001",
            "description": "路灯\x0b坏了\x00",
        },
    )
    assert created.status_code in (201, 400)
    assert _xml(created) is not None


@pytest.mark.parametrize("field", ["description", "address_string", "last_name", "service_code"])
def test_nul_characters_are_refused_with_400_on_every_database(client, setup, key, field):
    data = {"api_key": key, "service_code": "road", "address_id": "419901001001", "description": "路灯坏了"}
    data[field] = data.get(field, "") + "\x00"
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 400
    assert r.json()[0]["description"] == f"{field} must not contain NUL characters"
    assert client.get(f"{BASE}/requests.json", {"service_request_id": "1\x00"}).status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "nan"),
        ("long", "inf"),
        ("lat", "91"),
        ("long", "-1e400"),
        ("attribute[amount]", "NaN"),
        ("attribute[amount]", "sNaN"),
        ("attribute[amount]", "-Infinity"),
    ],
)
def test_numbers_that_are_not_finite_or_out_of_range_are_400(client, setup, key, field, value):
    data = {
        "api_key": key,
        "service_code": "land",
        "lat": "33.96",
        "long": "114.56",
        "description": "征地补偿款",
    }
    data[field] = value
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 400
    assert field in r.json()[0]["description"] or "lat" in r.json()[0]["description"]
