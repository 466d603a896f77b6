# The README's two commands: `make run` and `make test`. Both (re)create .venv as needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# pyproject.toml lists the packages too, so adding one re-runs the editable install.
STAMP  := $(VENV)/.installed
# mypy cannot see setuptools' editable finder: it reads the package through this link.
TYPECHECK_LINK := build/typecheck/asgideck

.PHONY: install run test faults lint bench screenshots clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,sample]'
	@touch $(STAMP)

$(TYPECHECK_LINK):
	@mkdir -p $(dir $@)
	ln -sfn ../.. $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/asgideck sample_app

lint: $(STAMP) $(TYPECHECK_LINK)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# The fault-injection matrix alone (also part of `make test`): bounded, under 2 minutes.
faults: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/faults --durations=10

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/run.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python resources/screenshots/capture.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
