# Vigil: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STORE := demo/vigil.sqlite
DEMO_DATA := data/demo/deepstate-daily-2024-07-08_2026-08-22.tar.xz
DEMO_CASES := $(BIN)/vigil cases --database demo/cases.sqlite

.PHONY: demo test test-fast lint format bench bench-web screenshots install clean messages

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p demo
	$(BIN)/vigil territory ingest --store $(DEMO_STORE) $(DEMO_DATA)
	$(BIN)/vigil territory series --store $(DEMO_STORE) --freq week --last 12
	$(BIN)/vigil territory geography import --shipped --store $(DEMO_STORE)
	$(BIN)/vigil territory regions --store $(DEMO_STORE) --level oblast --from 2025-08-01 --to 2026-08-21
	$(BIN)/vigil territory brief --store $(DEMO_STORE) -o demo/brief.md
	$(BIN)/vigil territory brief --store $(DEMO_STORE) -o demo/brief.html
	@echo "Brief written to demo/brief.md and demo/brief.html (charts in demo/)"
	$(DEMO_CASES) import --quiet data/cases-demo/prisoners.csv --mapping data/cases-demo/prisoners.mapping.toml
	$(DEMO_CASES) import --quiet data/cases-demo/registry.json
	$(DEMO_CASES) list --on 2026-11-25 --status deprived
	$(DEMO_CASES) hearings AVB-2026 --on 2026-11-25
	$(DEMO_CASES) diff-release R-VRW-2026-06 R-VRW-2026-10
	@echo "Cases registry (fictional demo data) in demo/cases.sqlite"

# Tests run in parallel (pytest-xdist, one worker per core: two here); the browser
# tests share one worker and its Chromium (xdist_group "browser"). The bundled archive
# is ingested once per run whatever the number of workers (tests/conftest.py).
PYTEST_JOBS ?= auto
XDIST := -n $(PYTEST_JOBS) --dist loadgroup

test: $(STAMP)
	$(BIN)/pytest -q $(XDIST)
	@if scripts/with-postgres --check 2>/dev/null; then \
	  echo "PostgreSQL pass: tests/cases and the alerts store on a throwaway server (scripts/with-postgres)"; \
	  scripts/with-postgres $(BIN)/pytest -q $(XDIST) tests/cases tests/watch/test_alerts.py; \
	else \
	  echo "PostgreSQL pass skipped: not installed (apt-get install postgresql)"; \
	fi

# The inner loop: what is not marked slow, in parallel; no PostgreSQL pass, no browser.
test-fast: $(STAMP)
	$(BIN)/pytest -q $(XDIST) -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy  # mypy.ini: src/, with django-stubs

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

# The translation catalogues (docs/i18n.md): every string marked in the templates, the
# Python code and the scripts, merged into src/vigil/locale/{az,uk,ru,en}/LC_MESSAGES/
# django.po and djangojs.po (English filled with its own text), then compiled to the
# .mo files the site and the CLI read. Needs GNU gettext (apt-get install gettext).
MESSAGES_ENV := DJANGO_SETTINGS_MODULE=vigil.web.settings VIGIL_SECRET_KEY=messages VIGIL_HTTPS=0
MAKEMESSAGES := $(MESSAGES_ENV) ../../$(BIN)/django-admin makemessages --add-location=file --no-obsolete \
	-l az -l uk -l ru -l en -i 'migrations/*' -i 'web/static/vendor/*'
messages: $(STAMP)
	cd src/vigil && $(MAKEMESSAGES) -d django
	cd src/vigil && $(MAKEMESSAGES) -d djangojs
	$(BIN)/python scripts/messages.py
	cd src/vigil && $(MESSAGES_ENV) ../../$(BIN)/django-admin compilemessages

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py --ingest
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/regions.py
	$(BIN)/python benchmarks/cases.py
	$(BIN)/python benchmarks/history.py
	$(BIN)/python benchmarks/ingest_raw.py
	$(BIN)/python benchmarks/claims.py
	$(BIN)/python benchmarks/watch.py

bench-web: $(STAMP)
	$(BIN)/python benchmarks/web.py

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) demo/*.sqlite demo/*.png demo/brief.*
