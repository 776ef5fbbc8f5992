# Doorstep: `make demo` runs the demo county on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test fuzz lint messages bench bench-planner clean prod-local prod-stop prod-status load faults

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Doorstep needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) messages

messages: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

demo: setup
	bash scripts/demo.sh

test: setup
	bash scripts/test.sh

# Deeper API fuzz than `make test` runs: fresh random cases, 50 per operation and role (docs/api-fuzzing.md).
fuzz: setup
	DOORSTEP_FUZZ_EXAMPLES=$${DOORSTEP_FUZZ_EXAMPLES:-50} DOORSTEP_FUZZ_RANDOM=1 \
	  $(BIN)/pytest -q -m fuzz -n $${DOORSTEP_TEST_WORKERS:-2}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks need data built first (see docs/benchmarks.md for each command, its data and its figures).
bench: setup
	@echo "Benchmarks in bench/ (commands and figures: docs/benchmarks.md):"; ls bench/*.py

# Day planner: PyVRP against OR-Tools and VROOM on the same generated instances (prints a table).
bench-planner: setup
	$(BIN)/pip install -q -r requirements-bench.txt
	$(BIN)/python bench/visits_planner.py

# Production topology on loopback (nginx :8080, gunicorn :8101/:8102, worker, PostgreSQL :5433, Redis :6380).
# Needs root; PROD_LOCAL_DATA=small|county|none. Interface and files: scripts/prod_local.sh, docs/deploy.md.
prod-local: setup
	bash scripts/prod_local.sh start

prod-stop:
	bash scripts/prod_local.sh stop

prod-status:
	bash scripts/prod_local.sh status

# Locust (own .venv-load from requirements-load.txt): a county's working day against prod-local with
# county data, then /healthz for the stack's ceiling; report in var/load/ (minutes; docs/bench/load.md).
load: setup
	bash scripts/load.sh

# Fault drills (docs/faults.md): kill an app server, restart PostgreSQL mid-import, kill the worker mid-task,
# overfill the upload limit, against scripts/prod_local.sh's topology (started if needed; needs root).
faults: setup
	$(BIN)/pytest -q -m faults faults/ -rA

clean:
	rm -rf $(VENV) var staticfiles
