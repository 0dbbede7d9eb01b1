# Relay: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_SIZE ?= 10000

.PHONY: demo test lint format e2e bench install migrate clean-demo

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

## demo: install, migrate, load the demo city, run the web server and a task worker
demo: migrate
	$(PY) manage.py seed_demo
	@$(PY) manage.py demo_logins
	@echo "Relay is starting on http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the worker)"
	@# A task a killed worker left running is queued again (one worker here, so none is live).
	$(PY) manage.py tasks_recover --older-than 0
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --queue-name '*' --no-reload & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

## test: install, lint, check migrations, run the suite on SQLite (or DATABASE_URL)
test: $(STAMP) lint
	DJANGO_SETTINGS_MODULE=lms.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n auto

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r lms courses scenarios certificates bench -q

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## e2e: browser tests in Debian's Chromium (apt-get install chromium)
e2e: $(STAMP)
	$(PY) -m pytest -m e2e -p no:xdist tests/e2e

## bench: build a fixed city with seed_demo --size and time the named scenarios
bench: $(STAMP)
	$(PY) -m bench --size $(BENCH_SIZE) --scenarios all

clean-demo:
	rm -f var/relay.sqlite3 var/relay.sqlite3-wal var/relay.sqlite3-shm
