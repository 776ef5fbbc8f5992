#!/usr/bin/env bash
# `make load`: Locust's county working day against `make prod-local` with county-scale data, then a
# short /healthz run on the same stack (its own ceiling), and a report (docs/bench/load.md explains it).
#
#   LOAD_USERS=70 LOAD_SPAWN=10 LOAD_TIME=3m LOAD_PACE=2.5 LOAD_CEILING_TIME=30s bash scripts/load.sh
#
# Bounded: fixed users, spawn rate and run time; loopback only (the locustfile refuses any other host).
# The prod-local state for this run lives in var/prod-local-county (PROD_LOCAL_DIR); the county data is
# built once (~10+ min) and restored from var/prod-local-cache afterwards. LOAD_KEEP=1 leaves the
# stack running afterwards; by default the script stops it. Results: var/load/<UTC time>/ (CSV + report.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PROD_LOCAL_DIR=${PROD_LOCAL_DIR:-$ROOT/var/prod-local-county}
export PROD_LOCAL_DATA=${PROD_LOCAL_DATA:-county}
USERS=${LOAD_USERS:-70}
SPAWN=${LOAD_SPAWN:-10}
RUN_TIME=${LOAD_TIME:-3m}
CEILING_TIME=${LOAD_CEILING_TIME:-30s}
export LOAD_PACE=${LOAD_PACE:-2.5}
HOST=http://127.0.0.1:8080
OUT=${LOAD_OUT:-$ROOT/var/load/$(date -u +%Y%m%dT%H%MZ)}
LOCUST_VENV=$ROOT/.venv-load
mkdir -p "$OUT"

if [ ! -x "$LOCUST_VENV/bin/locust" ]; then
  python3 -m venv "$LOCUST_VENV"
  "$LOCUST_VENV/bin/pip" install -q -r requirements-load.txt
fi

bash scripts/prod_local.sh start
stop_stack() { [ "${LOAD_KEEP:-0}" = 1 ] || bash scripts/prod_local.sh stop; }
trap stop_stack EXIT

(set -a && . "$PROD_LOCAL_DIR/env" && set +a && .venv/bin/python bench/load_prepare.py --out "$OUT/plan.json")
export LOAD_PLAN=$OUT/plan.json

# Warm-up (not measured): every gunicorn worker imports the app and fills its caches on its first requests.
echo "== warm-up: 20 users, ${LOAD_WARMUP_TIME:-30s} (discarded)"
LOAD_PENDING_PART=1 "$LOCUST_VENV/bin/locust" -f bench/locustfile.py --headless --host "$HOST" -u 20 -r 10 -t "${LOAD_WARMUP_TIME:-30s}" \
  --stop-timeout 5 --only-summary VillageOfficial TownshipCadre CountyHandler Resident >"$OUT/warmup.txt" 2>&1 || true
uptime | tee "$OUT/uptime-before.txt"
echo "== mixed: $USERS users, spawn $SPAWN/s, $RUN_TIME, $LOAD_PACE req/s per user"
"$LOCUST_VENV/bin/locust" -f bench/locustfile.py --headless --host "$HOST" \
  -u "$USERS" -r "$SPAWN" -t "$RUN_TIME" --stop-timeout 10 --csv "$OUT/mixed" --only-summary --reset-stats \
  VillageOfficial TownshipCadre CountyHandler Resident 2>&1 | tail -45 | tee "$OUT/mixed.txt" || true
uptime | tee "$OUT/uptime-mixed.txt"
echo "== ceiling: $USERS users on /healthz, $CEILING_TIME"
"$LOCUST_VENV/bin/locust" -f bench/locustfile.py --headless --host "$HOST" \
  -u "$USERS" -r "$USERS" -t "$CEILING_TIME" --stop-timeout 5 --csv "$OUT/ceiling" --only-summary \
  CeilingUser 2>&1 | tail -12 | tee "$OUT/ceiling.txt" || true
uptime | tee "$OUT/uptime-after.txt"
.venv/bin/python bench/load_report.py "$OUT" | tee "$OUT/report.md"
echo "report: $OUT/report.md"
