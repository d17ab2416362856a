# A new user's two commands: `make run` (the site, on SQLite with sample content, paying through the
# Stripe emulator) and `make test` (the whole suite; on PostgreSQL too when TEST_DATABASE_URL is set).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
STRIPE_EMULATOR_PORT ?= 12111
export FLASK_APP := wsgi
# Links in emails and Stripe's return addresses point at the site `make run` serves.
export SITE_URL ?= http://127.0.0.1:$(PORT)
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test test-browser test-slow screenshots lint format bench bench-staff install translations extract-messages clean

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -i $< -o $@ 2>&1 | tail -n 1

translations: $(COMPILED)

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask content load-sample --if-empty
	$(BIN)/flask demo prompt-test
	WEB_PORT=$(PORT) STRIPE_EMULATOR_PORT=$(STRIPE_EMULATOR_PORT) $(BIN)/honcho -f Procfile.dev start

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	env -u TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL (the browser and nginx tests always use their own SQLite server)"; \
		$(BIN)/pytest -q -m "not browser and not nginx"; \
	fi

test-browser: install
	$(BIN)/pytest -q tests/browser

# The money property of the webhook ledger with 5,000 examples instead of 200 (about 15 minutes on
# two cores).
test-slow: install
	HYPOTHESIS_PROFILE=slow $(BIN)/pytest -q tests/webhooks/test_money_properties.py

screenshots: install
	UPDATE_DOCS_SCREENSHOTS=1 $(BIN)/pytest -q "tests/browser/test_reader_journey.py::test_a_reader_becomes_a_member_and_manages_their_support[ar]" \
		tests/browser/test_emails.py tests/browser/test_readme_screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

# Only the staff pages at a million supporters on PostgreSQL (seeded once, in a few minutes).
bench-staff: install
	$(BIN)/python -m bench staff

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k in_language:2 --no-location --sort-output \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/*.sqlite
