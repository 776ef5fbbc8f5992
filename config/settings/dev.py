"""Local development and `make demo`: SQLite, DEBUG, keys from var/keys.env (made by `manage.py ensure_keys`)."""

from core.keys import load_local_keys

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
_local = load_local_keys(VAR_DIR / "keys.env")
SECRET_KEY = _local["DOORSTEP_SECRET_KEY"]
DOORSTEP_FIELD_KEYS = _local["DOORSTEP_FIELD_KEYS"]
DOORSTEP_INDEX_KEY = _local["DOORSTEP_INDEX_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

# runserver and the test live server serve static files themselves; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise")]  # noqa: F405

# The journal's checkpoint signing key is generated on first use into var/, outside the database.
JOURNAL_SIGNING_KEY_FILE = VAR_DIR / "journal-signing.key"
JOURNAL_SIGNING_KEY_AUTOCREATE = True
