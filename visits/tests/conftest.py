from datetime import timedelta

import pytest
from django.utils import timezone

from core.testing import make_household, make_person
from registry.models import Household
from visits import services
from visits.models import Mode, Visit


@pytest.fixture
def policies(tree):
    return services.policies_seed(actor=None, county=tree.county)


@pytest.fixture
def elder(tree, policies):
    """An elderly person living alone in village A1, never visited."""
    household = make_household(tree.village_a1, address="甲一村一组1号", latitude=33.961, longitude=114.561)
    person = make_person(household, "王奶奶")
    person.tags.add(tree.tags["elderly_alone"])
    return person


@pytest.fixture
def away_household(tree, policies):
    return make_household(
        tree.village_a1,
        address="甲一村二组9号",
        occupancy=Household.Occupancy.AWAY,
        latitude=33.962,
        longitude=114.562,
    )


@pytest.fixture
def outsider(tree, policies):
    household = make_household(tree.village_b1, address="乙一村七组7号", latitude=33.86, longitude=114.46)
    person = make_person(household, "乙村人")
    person.tags.add(tree.tags["elderly_alone"])
    return person


def backdate(visit: Visit, days: int) -> Visit:
    Visit.objects.filter(pk=visit.pk).update(visited_at=timezone.now() - timedelta(days=days))
    visit.refresh_from_db()
    return visit


def visit(actor, household, mode=Mode.IN_PERSON, days_ago=0, **kwargs):
    v = services.visit_record(actor=actor, household=household, mode=mode, **kwargs)
    return backdate(v, days_ago) if days_ago else v
