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
