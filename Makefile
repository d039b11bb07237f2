# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_WORKERS ?= 2

.PHONY: run serve test test-fast lint bench setup translations extract-messages update-messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Compiled message catalogues are build products (not in git).
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d lms/translations

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_pgettext:1c,2 -k lazy_ngettext:1,2 --no-location --sort-output -o lms/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -N -i lms/translations/messages.pot -d lms/translations

# Migrate the instance SQLite database, import the starter catalogue, create demo accounts (all idempotent).
setup: translations
	$(FLASK) lms migrate
	$(FLASK) lms import-courses courses
	$(FLASK) lms import-programmes programmes
	$(FLASK) lms create-demo

run: setup
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style server: gunicorn with the settings in gunicorn.conf.py.
serve: setup
	$(BIN)/gunicorn -c gunicorn.conf.py app:app

# axe-core, run inside the browser tests (test-only; never served). Skipped
# quietly where npm is missing: the accessibility test then skips (fails in CI).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	-command -v npm >/dev/null && npm ci --no-audit --no-fund --silent && touch $@

# Two workers (pytest-xdist), each with its own SQLite file or PostgreSQL database;
# `make test PYTEST_WORKERS=0` runs in one process.
test: translations $(AXE)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Lint and type check (ruff, mypy: settings in pyproject.toml; content/ is held to --strict).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test-fast: translations
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

# Speed figures (printed, never asserted): the learner's pages under gunicorn + wrk,
# the 100,000-user and 100,000-org-unit imports, and the coverage reports on the national load set
# (SQLite; `$(BIN)/python -m bench.reports <empty PostgreSQL URL>` for PostgreSQL), and the needs report
# over 200,000 survey responses (`$(BIN)/python -m bench.surveys [<empty PostgreSQL URL>]`).
bench: translations
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.import_users
	$(BIN)/python -m bench.import_units
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.exports
	$(BIN)/python -m bench.markdown
	$(BIN)/python -m bench.surveys
	$(BIN)/python -m bench.search

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis node_modules
