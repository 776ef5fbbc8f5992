"""core.cache.SharedClientRedisCache: Django's Redis cache with one redis client per pool, not one per call."""

import os

import pytest

from core.cache import SharedClientRedisCache


def test_every_operation_uses_the_same_client_and_pool():
    cache = SharedClientRedisCache("redis://127.0.0.1:1/0", {})  # never connected: clients connect lazily
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client("any", write=False) is first
    assert first.connection_pool is cache._cache._get_connection_pool(True)


def test_each_server_keeps_its_own_client():
    cache = SharedClientRedisCache("redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", {})
    writer, reader = cache._cache.get_client(write=True), cache._cache.get_client(write=False)
    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["port"] == 1
    assert reader.connection_pool.connection_kwargs["port"] == 2
    assert cache._cache.get_client(write=False) is reader


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis server (REDIS_URL)")
def test_reads_and_writes_through_the_shared_client():
    cache = SharedClientRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "doorstep-test-cache"})
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    assert cache.get_many(["k", "missing"]) == {"k": {"a": 1}}
    cache.delete("k")
    assert cache.get("k") is None
