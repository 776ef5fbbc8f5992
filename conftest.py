"""Fixtures shared by every app's tests: a small county and one staff member per role."""

import os

import pytest
from django.core.cache import cache

from core.testing import Tree, build_tree, make_staff
from territory.roles import Role


def pytest_configure(config):
    # DJANGO_SETTINGS_MODULE in the environment wins over pyproject's: a shell that loaded a
    # deployment's env (prod-local's) would run the tests there, and the fixture below would empty
    # that deployment's Redis (it happened once).
    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if module != "config.settings.test":
        raise pytest.UsageError(f"tests run with config.settings.test, not {module}")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached reports and answers are keyed by scope and day,
    which the same fixtures reproduce from test to test."""
    cache.clear()


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


@pytest.fixture
def village_official(tree):
    return make_staff(Role.VILLAGE_OFFICIAL, [tree.village_a1], username="village_a1")


@pytest.fixture
def grid_official(tree):
    return make_staff(Role.VILLAGE_OFFICIAL, [tree.grid_a1], username="grid_a1")


@pytest.fixture
def township_cadre(tree):
    return make_staff(Role.TOWNSHIP_CADRE, [tree.village_a1, tree.village_a2], username="cadre_a")


@pytest.fixture
def township_leader(tree):
    return make_staff(Role.TOWNSHIP_LEADER, [tree.town_a], username="leader_a")


@pytest.fixture
def county_supervisor(tree):
    return make_staff(Role.COUNTY_SUPERVISOR, [tree.county], username="supervisor")


@pytest.fixture
def administrator(tree):
    return make_staff(Role.ADMINISTRATOR, [tree.county], username="admin1")


@pytest.fixture
def nobody(tree):
    """A staff member with a role but no jurisdiction: must see nothing."""
    return make_staff(Role.TOWNSHIP_CADRE, [], username="nobody")
