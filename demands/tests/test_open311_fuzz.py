"""Open311 has no OpenAPI document, so it is fuzzed here with Hypothesis directly (docs/api-fuzzing.md).

Whatever a client sends, every answer must be a 2xx or a 4xx in the specification's error format
(`[{"code": <the HTTP status>, "description": "..."}]`, or `<errors>` in XML), never a 5xx; every
JSON answer must be strict JSON (no NaN) and every XML answer well-formed XML 1.0.
"""

import json
import os

import pytest
from defusedxml import ElementTree
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demands import services
from demands.tests.factories import make_categories, make_demand

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

BASE = "/open311/v2"
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "5")) * 6
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("DOORSTEP_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as clients really send it: any Unicode, including control characters and NUL.
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
numberish = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1e400", "-1e400", "sNaN", "1_000", "０", "", " "]),
    st.integers().map(str),
    text,
)
datetimeish = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2026-13-01T00:00:00+08:00",
            "2026-02-30T00:00:00",
            "2026-11-01T25:00:00Z",
            "2026-11-01T00:00:00+99:00",
            "2026-11-01T00:00:00 08:00",
            "99999-01-01T00:00:00",
            "0000-01-01T00:00:00",
        ]
    ),
    text,
)


@pytest.fixture
def county(tree):
    setup = make_categories(tree)
    demand = make_demand(tree, setup, place_unit=tree.village_a1)
    _client, key = services.open311_client_issue(actor=None, name="fuzz")
    return {"key": key, "codes": [c.code for c in services.Category.objects.all()], "demand": demand}


def assert_well_formed(response, fmt: str) -> None:
    """2xx or 4xx, and a body its format's parser accepts; errors in the specification's form."""
    status = response.status_code
    assert status < 500, response.content[:500]
    if status == 405:
        return  # Django's require_http_methods: an empty body with an Allow header
    if fmt == "json":
        body = json.loads(response.content, parse_constant=_reject_constant)
        if status >= 400:
            assert body[0]["code"] == status and body[0]["description"]
    else:
        assert response["Content-Type"].startswith("text/xml")
        root = ElementTree.fromstring(response.content)
        if status >= 400:
            assert root.tag == "errors"
            assert root.find("error/code").text == str(status)


def _reject_constant(name):
    raise AssertionError(f"{name} is not JSON")


fmts = st.sampled_from(["json", "xml"])


@FUZZ
@given(
    fmt=fmts,
    code=st.one_of(st.sampled_from(["road", "welfare", "land", "other"]), text),
    location=st.fixed_dictionaries(
        {},
        optional={
            "lat": numberish,
            "long": numberish,
            "address_string": st.one_of(text, st.sampled_from(["甲一村村口", "乙一村"])),
            "address_id": st.one_of(text, st.sampled_from(["419901001001", "419901001001001", "419901"])),
        },
    ),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "description": text,
            "first_name": text,
            "last_name": text,
            "phone": text,
            "email": text,
            "attribute[amount]": numberish,
            "attribute[concerns_county_project]": st.one_of(st.sampled_from(["true", "false"]), text),
            "jurisdiction_id": text,
        },
    ),
    with_key=st.booleans(),
)
def test_posting_anything_answers_201_or_a_4xx_in_the_spec_format(
    county, fmt, code, location, extra, with_key
):
    data = {"service_code": code, **location, **extra}
    if with_key:
        data["api_key"] = county["key"]
    response = Client().post(f"{BASE}/requests.{fmt}", data)
    assert_well_formed(response, fmt)
    if response.status_code == 201:
        created = json.loads(response.content) if fmt == "json" else None
        if created is not None:
            assert created[0]["service_request_id"] and created[0]["token"]
        # The submitting client reads its own request back, with the text it sent.
        ticket = services.Demand.objects.order_by("-id").first().ticket
        again = Client().get(f"{BASE}/requests/{ticket}.{fmt}", {"api_key": county["key"]})
        assert again.status_code == 200
        assert_well_formed(again, fmt)


@FUZZ
@given(
    fmt=fmts,
    query=st.fixed_dictionaries(
        {},
        optional={
            "start_date": datetimeish,
            "end_date": datetimeish,
            "status": st.one_of(st.sampled_from(["open", "closed", "open,closed", "open,,"]), text),
            "service_code": text,
            "service_request_id": text,
            "api_key": text,
        },
    ),
)
def test_searching_with_any_parameters_answers_200_or_400(county, fmt, query):
    response = Client().get(f"{BASE}/requests.{fmt}", query)
    assert_well_formed(response, fmt)
    assert response.status_code in (200, 400)


@FUZZ
@given(
    fmt=fmts,
    resource=st.sampled_from(["requests", "tokens", "services"]),
    ident=st.text(st.characters(categories=["L", "N", "Pd", "Pc"]), min_size=1, max_size=30),
)
def test_any_identifier_answers_200_or_404(county, fmt, resource, ident):
    response = Client().get(f"{BASE}/{resource}/{ident}.{fmt}")
    assert_well_formed(response, fmt)
    assert response.status_code in (200, 404)


@FUZZ
@given(
    fmt=fmts,
    method=st.sampled_from(["put", "patch", "delete"]),
    resource=st.sampled_from(["requests", "services"]),
)
def test_other_methods_are_refused(county, fmt, method, resource):
    response = getattr(Client(), method)(f"{BASE}/{resource}.{fmt}")
    assert response.status_code == 405
