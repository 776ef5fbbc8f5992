"""core.redis_cache: Django's Redis cache, one redis client per pool, against the machine's Redis."""

import threading
import uuid

import pytest
import redis

from core.redis_cache import RedisCache

URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return RedisCache(URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 60})


def test_the_cache_works_as_django_s_and_builds_one_client(cache):
    assert cache.get("k") is None
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", 2) is False and cache.add("n", 1) is True
    assert cache.incr("n") == 2 and cache.get("n") == 2
    assert cache.delete("k") and cache.get("k", "gone") == "gone"
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share it
    assert len(cache._cache._clients) == 1


def test_threads_share_the_client(cache):
    seen, errors = [], []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"t{n}-{i}", i)
                assert cache.get(f"t{n}-{i}") == i
            seen.append(cache._cache.get_client())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len({id(c) for c in seen}) == 1
