"""Settings for bench/portal_load.py: the dev keys and database, but DEBUG off as in production."""

from config.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
