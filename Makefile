# Two commands set everything up on a machine with only Python 3.11:
#   make run    the tracker on http://127.0.0.1:$(PORT) (SQLite, seed data, demo users)
#   make test   the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cbm_tracker.settings.local

.PHONY: run test security lint layers check-migrations messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.lock
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed
	$(BIN)/python manage.py demo_users
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev-installed lint check-migrations
	DJANGO_SETTINGS_MODULE=cbm_tracker.settings.test $(BIN)/python manage.py compile_translations
	DJANGO_SETTINGS_MODULE=cbm_tracker.settings.test $(BIN)/pytest $(PYTEST_ARGS)

# The security suite alone (docs/security.md): fuzzing, authorization matrix, mass
# assignment, lost updates, audit, tokens and throttles, bad input, headers. Its
# PostgreSQL and Redis parts need DATABASE_URL=postgres://... and REDIS_URL.
security: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=cbm_tracker.settings.test $(BIN)/pytest tests/security -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The layers of docs/architecture.md: the import-linter contracts (.importlinter)
# and the import graph's acyclicity and private names (tests/test_architecture.py).
layers: $(VENV)/.dev-installed
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=cbm_tracker.settings.test $(BIN)/pytest -q tests/test_architecture.py

check-migrations: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=cbm_tracker.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Refresh locale/*/django.po from the code (needs GNU gettext's xgettext).
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages -l fr --ignore=.venv --ignore=tests

# Regenerate the locks after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.lock

clean:
	rm -rf $(VENV) db.sqlite3
