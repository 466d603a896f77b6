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

# The real window on a private Xvfb display (light theme, nothing pops up on the desktop;
# capture.py starts jwm, stalonetray or trayer for the tray), else on $DISPLAY, else
# offscreen, which cannot show the tray: every picture but tray.png, and it says so.
screenshots: $(STAMP)
	@if command -v xvfb-run >/dev/null 2>&1; then \
	  echo "screenshots: on a private Xvfb display"; \
	  env -u QT_QPA_PLATFORM xvfb-run -a -s '-screen 0 1400x900x24' \
	    $(BIN)/python resources/screenshots/capture.py; \
	elif [ -n "$$DISPLAY" ]; then \
	  echo "screenshots: Xvfb is missing (apt-get install xvfb jwm): on your display $$DISPLAY"; \
	  env -u QT_QPA_PLATFORM $(BIN)/python resources/screenshots/capture.py; \
	else \
	  echo "screenshots: Xvfb is missing (apt-get install xvfb jwm): offscreen, without tray.png"; \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python resources/screenshots/capture.py; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
