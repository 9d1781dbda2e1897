# Employment portal: developer and CI entry points. `make` (or `make help`)
# lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
MANAGE := $(VPY) manage.py
PYTEST_ARGS ?=

# Directories never scanned for translations.
I18N_IGNORE := --ignore=.venv --ignore=node_modules

# `make run` is the demo: SQLite in the project directory, tasks run
# in-process (empty REDIS_URL), DEBUG on. DATABASE_URL is set to the SQLite
# URL settings default to (rather than only unset) so that neither the caller's
# environment nor a DATABASE_URL line in .env can point the demo at another
# database.
RUN_ENV := env PORTAL_ENV=development DEBUG=true \
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 REDIS_URL=

.PHONY: help deps system-packages run test lint messages clean loadtest bench

help: ## Show this help
	@echo "Usage: make <target> [PYTEST_ARGS='...'] [DATABASE_URL=...] [REDIS_URL=...]"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

system-packages: ## Install missing Debian packages (apt; sudo when not root)
	bash scripts/install-debian-packages.sh

# Python dependencies: (re)installed only when pyproject.toml is newer than the
# stamp.
$(VENV)/.installed: pyproject.toml | system-packages
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Front-end packages: reinstalled only when package.json (or the lock file) is
# newer than npm's hidden lock file in node_modules.
node_modules/.package-lock.json: package.json $(wildcard package-lock.json) | system-packages
	if [ -f package-lock.json ]; then \
		npm ci --no-audit --no-fund; \
	else \
		npm install --no-audit --no-fund; \
	fi
	touch $@

deps: system-packages $(VENV)/.installed node_modules/.package-lock.json ## Install Debian, Python and npm dependencies; compile translations
	@# compilemessages fails when there is no locale directory at all (a
	@# fresh clone before any .po file is committed), so skip it then.
	if find . \( -path ./.venv -o -path ./node_modules \) -prune -o -name '*.po' -print -quit | grep -q .; then \
		$(MANAGE) compilemessages $(I18N_IGNORE); \
	else \
		echo "deps: no .po files yet; skipping compilemessages"; \
	fi

run: deps ## Run the demo on SQLite at http://127.0.0.1:8000 (migrate, seed_demo, runserver)
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) seed_demo
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

# Tests run against PostgreSQL and Redis on localhost unless the environment
# (or the command line) says otherwise; pytest-django creates test_<name>.
# pytest exits with status 5 when no tests were collected: like any non-zero
# status it fails this target (and CI) on purpose, so a broken test discovery
# never passes as green.
test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
test: export REDIS_URL ?= redis://127.0.0.1:6379/0
test: deps ## Run the test suite on PostgreSQL + Redis (extra pytest args: PYTEST_ARGS=...)
	bash scripts/ensure-services.sh
	$(VPY) -m pytest $(PYTEST_ARGS)

# The load test makes its own database (dropped and recreated each run) and
# uses Redis db 9 for its Celery worker; loopback only. Options:
# LOADTEST_ARGS='--users 40 --time 60' or '--find' (docs/performance.md).
LOADTEST_ARGS ?=
loadtest: deps ## Load test: gunicorn + Celery + PostgreSQL + Redis under Locust (LOADTEST_ARGS=...)
	bash scripts/ensure-services.sh
	$(MANAGE) loadtest $(LOADTEST_ARGS)

# Every benchmark in one table. bench_staff_pages empties the application
# tables, so it runs on a database named *bench* (created and migrated here).
# Full sizes: BENCH_ARGS='--staff-sizes 1000,1000000 --staff-requests 30
# --documents-repeat 20 --load-users 20 --load-time 60' (docs/benchmarks.md).
BENCH_ARGS ?=
bench: export DATABASE_URL := $(or $(BENCH_DATABASE_URL),postgres://postgres@127.0.0.1:5432/portal_bench)
bench: export REDIS_URL :=
bench: deps ## Run every benchmark and print one table against its references (BENCH_ARGS=...)
	bash scripts/ensure-services.sh
	$(VPY) -m loadtest.ensure_database "$$DATABASE_URL"
	$(MANAGE) migrate --noinput
	$(MANAGE) bench_all $(BENCH_ARGS)

lint: $(VENV)/.installed ## ruff format check, ruff check, mypy, missing-migrations check
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	@# Models against migrations only: an in-memory database keeps the check
	@# independent of which server DATABASE_URL points at.
	DATABASE_URL=sqlite:///:memory: $(MANAGE) makemigrations --check --dry-run

messages: $(VENV)/.installed ## Extract translatable strings into locale/{ru,kk,en}
	$(MANAGE) makemessages -l ru -l kk -l en $(I18N_IGNORE) --ignore=tests \
		--ignore=staticfiles --ignore=var

clean: ## Remove .venv, node_modules, staticfiles and the demo database
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
