#!/usr/bin/env bash
# The whole suite, as `make test` runs it. With CI=true the PostgreSQL and browser legs are mandatory.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
CI=${CI:-}
PG_URL="postgres://postgres@127.0.0.1:5432/${DOORSTEP_PG_DB:-doorstep}"
XDIST=(-n "${DOORSTEP_TEST_WORKERS:-2}")

step() { printf '\n== %s\n' "$*"; }

step "ruff"
$BIN/ruff check .
$BIN/ruff format --check .

step "django checks"
export DJANGO_SETTINGS_MODULE=config.settings.test
$BIN/python manage.py check --fail-level WARNING
$BIN/python manage.py makemigrations --check --dry-run
# Production settings with throwaway secrets: nothing here connects to a database.
DJANGO_SETTINGS_MODULE=config.settings.prod \
  DOORSTEP_SECRET_KEY="$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  DOORSTEP_FIELD_KEYS="v1:$($BIN/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
  DOORSTEP_INDEX_KEY="$($BIN/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
  DATABASE_URL="$PG_URL" REDIS_URL=redis://127.0.0.1:6379/0 DOORSTEP_ALLOWED_HOSTS=doorstep.example.org \
  $BIN/python manage.py check --deploy --fail-level WARNING

step "pytest on SQLite"
$BIN/pytest -q -m "not browser" "${XDIST[@]}"

step "pytest on PostgreSQL"
if $BIN/python -c "import psycopg, sys; psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', connect_timeout=3).close()" 2>/dev/null; then
  DATABASE_URL="$PG_URL" $BIN/pytest -q -m "not browser" "${XDIST[@]}"
elif [ "$CI" = "true" ]; then
  echo "PostgreSQL does not answer on 127.0.0.1:5432 and CI=true: the PostgreSQL leg is mandatory." >&2
  exit 1
else
  echo "SKIPPED: no PostgreSQL server on 127.0.0.1:5432 (the PostgreSQL leg runs when one answers)."
fi

step "browser journeys (Chromium)"
if [ ! -x /usr/bin/chromium ] && [ "$CI" = "true" ]; then
  echo "Installing Debian's chromium package (never a downloaded browser)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
if [ -x /usr/bin/chromium ]; then
  $BIN/pytest -q -m browser
else
  echo "SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium), so the browser journeys did not run."
fi
