"""Django's Redis cache backend, keeping one redis client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call. With redis-py 8 that
constructor copies a table of ~170 response callbacks and sets up an event dispatcher: ~0.3 ms of
CPU, and a signed-in page makes several cache calls (its session, the page cache lookup, rate
limits), so it was a measurable share of the trivial /healthz request (docs/bench/load.md). A
`redis.Redis` is a thin, thread-safe wrapper around its pool (connections are taken from the pool
for each command), so one per pool serves every thread of the process; the pool itself notices a
fork and starts afresh in the child.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            # Two threads may both build one on first use; either is fine, the last one is kept.
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
