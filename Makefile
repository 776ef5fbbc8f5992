# Doorstep: `make demo` runs the demo county on http://127.0.0.1:8000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint messages bench bench-registry clean

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
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py demo_data --scale small --if-empty
	$(BIN)/python manage.py demo_logins
	@echo "Serving on http://127.0.0.1:8000/work/  (Ctrl-C to stop); background tasks (ledger imports) run in db_worker"
	$(BIN)/python manage.py db_worker & trap 'kill $$!' EXIT; $(BIN)/python manage.py runserver 127.0.0.1:8000 --noreload

test: setup
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) var staticfiles
