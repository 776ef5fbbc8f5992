import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from territory import services


def test_unit_path_and_level_follow_parent(tree):
    assert tree.village_a1.level == "village"
    assert tree.village_a1.path == f"/{tree.county.code}/{tree.town_a.code}/{tree.village_a1.code}/"


def test_unit_code_must_be_twelve_digits(tree):
    with pytest.raises(ValidationError):
        services.unit_create(actor=None, code="4199", name="坏代码", parent=tree.town_a)


def test_nothing_below_a_grid(tree):
    with pytest.raises(ValidationError):
        services.unit_create(actor=None, code="419901001001001", name="x", parent=tree.grid_a1)


def test_non_admin_cannot_create_units(tree, township_leader):
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=township_leader, code="419901001009", name="新村", parent=tree.town_a)


def test_token_is_stored_hashed_and_authenticates(village_official):
    token, key = services.token_issue(actor=village_official, staff=village_official, name="phone")
    assert key not in token.key_hash
    assert services.token_authenticate(key=key) == village_official
    assert services.token_authenticate(key=key + "x") is None
