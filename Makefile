# Every install step lives here: a fresh machine with nothing but Python 3.11 runs `make run`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1:8000
# Two cores: one xdist worker each.
PYTEST_WORKERS ?= 2

.PHONY: run serve worker backup restore install install-dev migrate demo test lint bench clean

# The packages are installed by uv (from PyPI, into the venv, pinned below), not by pip: the
# same packages in a few seconds of CPU where pip took 25 (it resolves, unpacks and compiles
# in Python, one package after the other). The production install compiles the bytecode of
# what it installed (the app server starts without compiling); the developers' and CI's
# install leaves that to the first process that imports a module (pip compiled all of it,
# test tools never imported included).
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)

$(STAMP): pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) --compile-bytecode -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(UV) pip install --quiet --python $(PY) -e ".[dev]"
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --if-empty

# The development server and, beside it, the job worker (reports, batches, mails); Ctrl-C
# stops both.
run: demo
	@$(PY) manage.py run_worker --name dev & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

# Production on one machine (docs/operations.md): DEBUG off, the settings checked, migrations
# applied, static files collected (hashed, compressed), gunicorn and the job worker. The
# environment (SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL, ...) or a .env file says the rest.
serve: export DEBUG ?= 0
serve: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py check --deploy --fail-level ERROR
	@$(PY) manage.py run_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

# The job worker alone (systemd runs it as its own unit).
worker: $(STAMP)
	$(PY) manage.py run_worker --no-reload

# A backup of the database named by DATABASE_URL into backups/ (PostgreSQL: pg_dump's custom
# format; SQLite: its online backup), and back: make restore FILE=backups/kim-….dump
BACKUP_DIR ?= backups
backup: $(STAMP)
	$(PY) manage.py backup --output $(BACKUP_DIR)

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "Bitte die Sicherung angeben: make restore FILE=backups/…"; exit 2; }
	$(PY) manage.py restore "$(FILE)" $(if $(REPLACE),--replace,)

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not browser"' (CI's SQLite run: the browser
# tests run once, against PostgreSQL).
PYTEST_ARGS ?=
test: $(DEV_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -q --durations=15 $(PYTEST_ARGS)

# The last step: the OpenAPI description (/api/schema/) is valid and its generation gives not
# one warning or error.
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: $(DEV_STAMP)
	$(PY) -m bench

# Browser tests drive Debian's chromium (never a browser download): install the package once.
.PHONY: browser-deps
browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) db.sqlite3*
