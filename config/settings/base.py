"""Settings shared by every environment; each value that differs per deployment comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DOORSTEP_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("DOORSTEP_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in (env("DOORSTEP_ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Wagtail runs the portal's content (drafts, revisions, moderation, scheduling, images).
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "core",
    "journal",
    "territory",
    "registry",
    "visits",
    "demands",
    "burden",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # Answers repeat anonymous portal visits from the page cache before sessions and routing (portal/middleware.py).
    "portal.middleware.AnonymousPageCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL points at PostgreSQL in production.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'doorstep.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("DOORSTEP_CONN_MAX_AGE", "0")))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DOORSTEP_PG_PREPARE", True
):
    # Parameters bound by the server, and a statement run twice on a connection prepared (psycopg's
    # prepare_threshold): PostgreSQL then parses and plans each query shape once per connection, and
    # psycopg stops quoting parameters into the SQL text. Measured under the load test (docs/bench/load.md,
    # session 5): PostgreSQL 1.45 -> 1.09 and the app servers 13.3 -> 11.7 ms of CPU per request.
    # A deploy that alters tables must restart the app servers after `migrate` (docs/deploy.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "territory.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "territory.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Simplified Chinese is the source of truth (msgids are written in zh-Hans).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DOORSTEP_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Private uploads (attachments, ledgers) live outside any served directory.
PRIVATE_ROOT = Path(env("DOORSTEP_PRIVATE_ROOT", str(VAR_DIR / "private")))

# Uploads: one limit for every file (ledgers, attachments, templates); see core/uploads.py. Files above
# FILE_UPLOAD_MAX_MEMORY_SIZE stream to a temporary file instead of memory; other form data stays small.
DOORSTEP_MAX_UPLOAD_MB = int(env("DOORSTEP_MAX_UPLOAD_MB", "50"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = min(10, DOORSTEP_MAX_UPLOAD_MB) * 1024 * 1024
WAGTAILDOCS_MAX_UPLOAD_SIZE = DOORSTEP_MAX_UPLOAD_MB * 1024 * 1024

# Sessions: idle timeout plus an absolute lifetime. A session in use is renewed (saved, its expiry and
# cookie moved to now + the idle timeout) at most once per SESSION_RENEW_SECONDS, not on every request
# (core.middleware.SessionLifetimeMiddleware): one database write a minute per signed-in user, not one a request.
SESSION_COOKIE_AGE = int(env("DOORSTEP_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = int(env("DOORSTEP_SESSION_RENEW_SECONDS", "60"))
SESSION_ABSOLUTE_SECONDS = int(env("DOORSTEP_SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Login throttling (django-axes): lock a username+address pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(env("DOORSTEP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Personal data encryption: AES-GCM field keys and an HMAC blind-index key, never in the database.
# DOORSTEP_FIELD_KEYS is "v2:base64key,v1:base64key" with the current key first (older keys still decrypt).
DOORSTEP_FIELD_KEYS = env("DOORSTEP_FIELD_KEYS", "")
DOORSTEP_INDEX_KEY = env("DOORSTEP_INDEX_KEY", "")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running task's worker writes a heartbeat; a task whose worker is gone is reported failed (core/jobs.py).
DOORSTEP_TASK_HEARTBEAT_SECONDS = float(env("DOORSTEP_TASK_HEARTBEAT_SECONDS", "15"))
DOORSTEP_TASK_LOST_AFTER_SECONDS = float(env("DOORSTEP_TASK_LOST_AFTER_SECONDS", "120"))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": env("REDIS_URL")}}

DOORSTEP_SITE_NAME = env("DOORSTEP_SITE_NAME", "家门口")
DOORSTEP_SITE_NAME_LABEL = _("家门口 · 基层工作平台")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "core.pagination.BoundedLimitOffsetPagination"  # limit <= 1000, offset bounded

# Wagtail (the portal's CMS) under /cms/, signing in through Doorstep's own (throttled) login page.
WAGTAIL_SITE_NAME = "家门口 · 门户网站"
WAGTAILADMIN_BASE_URL = env("DOORSTEP_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "login"
WAGTAIL_ALLOW_UNICODE_SLUGS = False  # ASCII addresses survive the Traditional Chinese conversion intact
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Only the Wagtail admin gets a relaxed CSP (it uses inline styles and scripts); public pages keep DOORSTEP_CSP.
DOORSTEP_CSP_PATH_OVERRIDES = {
    "/cms/": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "frame-ancestors 'self'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )
}
# The portal footer (a Wagtail site setting overrides these per site).
PORTAL_SITE_NAME = env("DOORSTEP_PORTAL_SITE_NAME", "家门口政务服务网")
PORTAL_COPYRIGHT_START = int(env("DOORSTEP_PORTAL_COPYRIGHT_START", "2024"))
PORTAL_ICP_NUMBER = env("DOORSTEP_PORTAL_ICP", "")
PORTAL_PSB_NUMBER = env("DOORSTEP_PORTAL_PSB", "")
PORTAL_CACHE_SECONDS = int(env("DOORSTEP_PORTAL_CACHE_SECONDS", "300"))
# Aggregate reports (the visit coverage page) are shared by staff with the same jurisdiction for this
# long; the page says when its figures were computed. 0 computes them on every request.
DOORSTEP_REPORT_CACHE_SECONDS = int(env("DOORSTEP_REPORT_CACHE_SECONDS", "120"))
# The due list behind the worklist is shared by staff with the same scope for this long. A recorded
# visit refreshes it at once; other changes (a ledger import, a new tag) show within this time.
DOORSTEP_DUE_CACHE_SECONDS = int(env("DOORSTEP_DUE_CACHE_SECONDS", "60"))
# Open311: a public search of service requests (GET requests.json/.xml without api_key or
# service_request_id) is answered from the shared cache for this many seconds, so a request filed or
# changed shows up in those lists up to this late; 0 turns the cache off (demands/open311.py).
DOORSTEP_OPEN311_CACHE_SECONDS = int(env("DOORSTEP_OPEN311_CACHE_SECONDS", "30"))
# Public forms: at most this many submissions per address per window.
PORTAL_FORM_RATE = (5, 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DOORSTEP_LOG_LEVEL", "WARNING")},
}

# Fair record (journal): checkpoints are signed with a key held outside the database (see docs/fair-record.md).
JOURNAL_ORIGIN = env("DOORSTEP_JOURNAL_ORIGIN", "doorstep.local/journal")
DOORSTEP_JOURNAL_KEY = env("DOORSTEP_JOURNAL_KEY", "")
JOURNAL_SIGNING_KEY_FILE = env("JOURNAL_SIGNING_KEY_FILE")
JOURNAL_SIGNING_KEY_AUTOCREATE = False
JOURNAL_VERIFIER_KEYS = env("DOORSTEP_JOURNAL_VERIFIER_KEYS", "")
JOURNAL_WITNESS_KEYS = env("DOORSTEP_JOURNAL_WITNESS_KEYS", "")

# Visit planner map: a tile URL template ("https://tiles.example.org/{z}/{x}/{y}.png"); empty means no
# tiles, and the route is drawn as plain SVG. A tile host other than this site must also be allowed in
# DOORSTEP_CSP (img-src).
DOORSTEP_MAP_TILE_URL = env("DOORSTEP_MAP_TILE_URL", "")
DOORSTEP_MAP_TILE_ATTRIBUTION = env("DOORSTEP_MAP_TILE_ATTRIBUTION", "")
