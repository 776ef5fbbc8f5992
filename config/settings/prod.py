"""Production: PostgreSQL via DATABASE_URL, Redis via REDIS_URL, every secret from the environment, HTTPS behind nginx.

Deployment steps and every variable: docs/deploy.md (example file: deploy/doorstep.env.example).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASE_URL, DATABASES, MIDDLEWARE, env, env_bool

DEBUG = False
SECRET_KEY = env("DOORSTEP_SECRET_KEY", "")
for _name in ("DOORSTEP_SECRET_KEY", "DOORSTEP_FIELD_KEYS", "DOORSTEP_INDEX_KEY"):
    if not env(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production.")
if DATABASE_URL.startswith("sqlite") and not env_bool("DOORSTEP_ALLOW_SQLITE"):
    raise ImproperlyConfigured(
        "Production runs on PostgreSQL: set DATABASE_URL (or DOORSTEP_ALLOW_SQLITE=1)."
    )

# Several app servers share one cache: login sessions (read from Redis, kept in the database too),
# the public forms' rate limits, and the portal page cache with its invalidation counter. A
# per-process cache would let each server count and invalidate on its own, so Redis is required.
if not env("REDIS_URL") and not env_bool("DOORSTEP_ALLOW_LOCAL_CACHE"):
    raise ImproperlyConfigured(
        "Production shares its cache between app servers: set REDIS_URL (or DOORSTEP_ALLOW_LOCAL_CACHE=1 for one process)."
    )
if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": env("DOORSTEP_CACHE_PREFIX", "doorstep"),
            "TIMEOUT": 300,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Each app-server thread keeps its database connection between requests (checked before reuse).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DOORSTEP_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No parallel query plans for Doorstep's connections (DOORSTEP_PG_PARALLEL_WORKERS, default 0). The
# planner picks a parallel sequential scan for the scoped household queries (the worklist, due list
# and coverage: scope_path LIKE prefixes joined to tags and visits) where an index scan answers in a
# tenth of the time; on a small server each parallel worker also takes a core from the app servers.
# Measured on the county data (docs/bench/load.md): a cadre's worklist 78 -> 23 ms in PostgreSQL.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={int(env('DOORSTEP_PG_PARALLEL_WORKERS', '0'))}"
    )

# nginx passes the client's address in X-Real-IP; only a request from a trusted proxy may set it
# (rate limits, login throttling and the journal's sign-in record use REMOTE_ADDR).
DOORSTEP_TRUSTED_PROXIES = [
    p for p in (env("DOORSTEP_TRUSTED_PROXIES", "127.0.0.1,::1") or "").split(",") if p
]
MIDDLEWARE = ["core.proxy.TrustedProxyMiddleware", *MIDDLEWARE]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DOORSTEP_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(env("DOORSTEP_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [o for o in (env("DOORSTEP_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

# `make prod-local` serves plain HTTP on loopback; browsers drop Secure cookies there, so signing in
# would fail. This switch relaxes only the cookies' Secure flag, and only when every allowed host is
# a loopback name, so a real deployment cannot turn it on by mistake.
if env_bool("DOORSTEP_INSECURE_LOOPBACK"):
    if not ALLOWED_HOSTS or any(h not in ("127.0.0.1", "localhost", "[::1]") for h in ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            "DOORSTEP_INSECURE_LOOPBACK=1 needs DOORSTEP_ALLOWED_HOSTS to be loopback only."
        )
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = env("DOORSTEP_STATIC_ROOT", str(STATIC_ROOT))  # noqa: F405
LOGGING["root"]["level"] = env("DOORSTEP_LOG_LEVEL", "INFO")  # noqa: F405
