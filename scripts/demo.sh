#!/usr/bin/env bash
# `make demo`: migrate, load the demo county once, print the logins, run the task worker and the server.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py demo_data --scale small --if-empty
$BIN/python manage.py demo_logins
# Background work (imports, report fills, township plans) runs in django-tasks' database worker.
$BIN/python manage.py db_worker >var/worker.log 2>&1 &
worker=$!
# Periodic jobs (deadline sweep, scheduled publishing, disclosure expiry, journal checkpoint): core/periodic.py.
$BIN/python manage.py run_periodic >var/periodic.log 2>&1 &
periodic=$!
trap 'kill $worker $periodic 2>/dev/null || true' EXIT INT TERM
echo "Doorstep is at http://127.0.0.1:8000/work/  (log in with a demo login above; Ctrl-C stops it)"
$BIN/python manage.py runserver 127.0.0.1:8000 --noreload
