"""schemathesis over the staff API as every demo role and without credentials (core/tests/apifuzz.py)."""

import pytest

from core.tests.apifuzz import fuzz_role
from core.tests.fuzzworld import ROLE_NAMES, build_world

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_api_holds_under_fuzzing_as(role, world):
    findings = fuzz_role(world, role, negative=role == "admin")
    assert findings.calls > 0
    assert not findings.failures, "\n\n".join(findings.failures)


def test_api_refuses_every_operation_without_valid_credentials(world):
    anonymous = fuzz_role(world, None, examples=2)
    bad_token = fuzz_role(world, None, examples=2, token="ds_made-up-token-0123456789")
    failures = anonymous.failures + bad_token.failures
    assert not failures, "\n\n".join(failures)


DETAIL = {
    "unit": "/api/v1/territory/units/{}",
    "household": "/api/v1/registry/households/{}",
    "person": "/api/v1/registry/people/{}",
    "visit": "/api/v1/visits/visits/{}",
    "plan": "/api/v1/visits/plans/{}",
    "demand": "/api/v1/demands/demands/{}",
    "task": "/api/v1/burden/tasks/{}",
    "template": "/api/v1/burden/templates/{}",
    "fill": "/api/v1/burden/fills/{}",
    "ledger_import": "/api/v1/registry/ledger/imports/{}",
}


def test_every_object_outside_each_role_reach_is_404_and_lists_stay_inside(world, client):
    """Deterministic companion to the fuzz: every fixture object, every role, every list."""
    from core.tests.fuzzworld import LIST_KINDS, reachable

    seen = 0
    for role in ROLE_NAMES:
        user, auth = world.staff[role], {"HTTP_AUTHORIZATION": f"Bearer {world.keys[role]}"}
        for kind, url in DETAIL.items():
            for label, pk in world.ids[kind].items():
                status = client.get(url.format(pk), **auth).status_code
                if reachable(user, kind, pk):
                    seen += status == 200
                    assert status in (200, 403, 404), f"{role} {kind} {label}: {status}"
                else:
                    assert status == 404, f"{role} sees {kind} {label} outside its reach: {status}"
        for path, (kind, key) in LIST_KINDS.items():
            response = client.get(path, **auth)
            assert response.status_code in (200, 403), f"{role} {path}: {response.status_code}"
            if response.status_code == 200:
                body = response.json()
                for item in body["items"] if isinstance(body, dict) else body:
                    assert reachable(user, kind, item[key]), f"{role} {path} shows {kind} {item[key]}"
    assert seen > 50  # the rule is not vacuous: roles do see their own objects


@pytest.mark.parametrize(
    ("role", "kind", "label", "status"),
    [
        ("village", "household", "a1", 200),
        ("village", "household", "a2", 404),
        ("grid", "household", "a1_grid", 200),
        ("grid", "household", "a1", 404),
        ("cadre", "household", "a2", 200),
        ("cadre", "household", "b1", 404),
        ("leader", "demand", "a2_road", 200),
        ("leader", "demand", "b1_road", 404),
        ("handler", "demand", "b1_welfare", 200),
        ("handler", "demand", "a1_road", 404),
        ("supervisor", "household", "b1", 200),
    ],
)
def test_the_reach_rule_matches_the_demo_roles(world, client, role, kind, label, status):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.keys[role]}"}
    assert client.get(DETAIL[kind].format(world.ids[kind][label]), **auth).status_code == status
