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

# Every figure of issue #15 as a ratio measured in one run (about 12–15 minutes on 2 cores);
# ONLY="logs try" runs a subset (names: `$(BIN)/python tests/bench/run.py --list`).
# wrk is installed when missing (as root, with apt-get); without it the req/s figures are
# meaningless and not filed. The peers (PM2, honcho, supervisord, fastapi run, httpie,
# Chromium + Swagger UI) are large and not installed here: see the README, Benchmarks.
bench: $(STAMP)
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "bench: installing wrk (apt-get install -y wrk)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
	      || echo "bench: apt-get could not install wrk"; \
	  fi; \
	fi
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "!!! ************************************************************************"; \
	  echo "!!! wrk is NOT installed: the server, recording and scaled requests/s figures"; \
	  echo "!!! are MEANINGLESS without it (the Python load generator is the bottleneck)."; \
	  echo "!!! Install it: sudo apt-get install wrk"; \
	  echo "!!! (or brew install wrk), then run make bench again."; \
	  echo "!!! ************************************************************************"; }
	@echo "bench: peers are used when installed (\$$PEERS_VENV, default /tmp/peers-venv, and PATH);"
	@echo "bench: the summary lists each one skipped and why. To install them: README, Benchmarks."
	@# As an installed wheel has them (pip compiles on install): with PYTHONDONTWRITEBYTECODE
	@# set, every edited module would otherwise be compiled again in every timed process.
	$(BIN)/python -m compileall -q __init__.py __main__.py runtime gui sample_app
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/bench/run.py $(ONLY)

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
