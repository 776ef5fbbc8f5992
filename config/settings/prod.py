"""Production: PostgreSQL via DATABASE_URL, every secret from the environment, HTTPS behind nginx."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, env, env_bool

DEBUG = False
SECRET_KEY = env("DOORSTEP_SECRET_KEY", "")
for _name in ("DOORSTEP_SECRET_KEY", "DOORSTEP_FIELD_KEYS", "DOORSTEP_INDEX_KEY"):
    if not env(_name):
        raise ImproperlyConfigured(f"{_name} must be set in the environment for production.")
if DATABASE_URL.startswith("sqlite") and not env_bool("DOORSTEP_ALLOW_SQLITE"):
    raise ImproperlyConfigured(
        "Production runs on PostgreSQL: set DATABASE_URL (or DOORSTEP_ALLOW_SQLITE=1)."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DOORSTEP_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("DOORSTEP_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [o for o in (env("DOORSTEP_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGGING["root"]["level"] = env("DOORSTEP_LOG_LEVEL", "INFO")  # noqa: F405
