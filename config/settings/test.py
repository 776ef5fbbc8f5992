"""Test settings: fixed throwaway keys, fast hashing; DATABASE_URL selects SQLite or PostgreSQL."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"  # noqa: S105
DOORSTEP_FIELD_KEYS = (
    "v2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,v1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
)
DOORSTEP_INDEX_KEY = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
if "DATABASE_URL" not in os.environ:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# one per pytest-xdist worker: each has its own database, so the same import ids, and its own files
PRIVATE_ROOT = BASE_DIR / "var" / f"test-private-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# runserver and the test live server serve static files themselves; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405

# A fixed, throwaway journal signing key; the test backends let a test flush empty the append-only journal.
JOURNAL_ORIGIN = "doorstep.test/journal"
DOORSTEP_JOURNAL_KEY = (
    "PRIVATE+KEY+doorstep.test/journal+12026127+AW6gpgBUURXRppC1nFnCeRSvayacm6HEO6XvUgilk3QX"  # noqa: S105
)
JOURNAL_SIGNING_KEY_FILE = None
_TEST_ENGINES = {
    "django.db.backends.sqlite3": "journal.testdb.sqlite3",
    "django.db.backends.postgresql": "journal.testdb.postgresql",
}
DATABASES["default"]["ENGINE"] = _TEST_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)  # noqa: F405
