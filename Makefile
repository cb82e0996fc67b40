# Diglot: `make` sets everything up and builds every edition into output/;
# `make test` does the same plus what the tests need, then runs them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: all build test system system-test venv venv-test clean
.DEFAULT_GOAL := all

all: build

system:
	@scripts/system-packages.sh build

system-test:
	@scripts/system-packages.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dask]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test]'
	@touch $@

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

build: system venv
	$(BIN)/python build.py

# axe-core for the browser tests, pinned by tests/package-lock.json.
tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund --loglevel=error

# Test modules run side by side (pytest-xdist), each module's tests in one process so that its
# module-scoped build is made once: a third less time on two cores (12 min against 18).
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

test: system-test venv-test tests/node_modules/.package-lock.json build
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf output $(VENV) .pytest_cache tests/node_modules
