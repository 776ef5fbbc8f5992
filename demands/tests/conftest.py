import pytest
from django.core.cache import cache

from demands.notify import MemorySender
from demands.tests.factories import make_categories, make_handler


@pytest.fixture(autouse=True)
def memory_sender(settings):
    settings.DEMANDS_NOTIFY_BACKEND = "demands.notify.MemorySender"
    MemorySender.outbox = []
    return MemorySender


@pytest.fixture
def setup(tree):
    return make_categories(tree)


@pytest.fixture
def civil_handler(tree, setup):
    return make_handler(tree, setup["civil"], username="civil_handler")


@pytest.fixture
def land_handler(tree, setup):
    return make_handler(tree, setup["land_dept"], username="land_handler")


@pytest.fixture
def petitions_handler(tree, setup):
    return make_handler(tree, setup["petitions"], username="petitions_handler")


@pytest.fixture(autouse=True)
def _clear_cache():
    """The Open311 search answers from the cache (DOORSTEP_OPEN311_CACHE_SECONDS); no test sees another's."""
    cache.clear()
