# Kinerja Workbench. `make dashboard` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8866
DASHBOARD ?= dashboards/ringkasan_pimpinan.ipynb

.PHONY: help install dashboard test lint typecheck pytest lab bench bench-national samples environment clean

help:
	@echo "make dashboard   set up, then serve the leadership dashboard on http://127.0.0.1:$(PORT)"
	@echo "make test        set up, then ruff, mypy and every test (unit, notebooks, browser)"
	@echo "make lab         set up, then open JupyterLab on 127.0.0.1"
	@echo "make bench       set up, then run the benchmarks in benchmarks/ (not the national one)"
	@echo "make bench-national N=6000000   the whole chain at national scale on both Dask schedulers"
	@echo "make samples     rewrite the bundled samples from their fixed seeds"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dashboards,scale,dev]"
	touch $(STAMP)

install: $(STAMP)

dashboard: install
	@# settings (127.0.0.1 only, offline template, no sources or tracebacks, a preheated
	@# kernel whose replacement starts 10 s after a visitor takes it, once the page has
	@# rendered) are in voila.json, which the browser tests use too; JUPYTER_CONFIG_PATH makes
	@# Voila read it (and the offline template) whatever the working folder
	JUPYTER_PATH=$(CURDIR)/share/jupyter JUPYTER_CONFIG_PATH=$(CURDIR) $(BIN)/voila $(DASHBOARD) --no-browser --port=$(PORT)

lint: install
	$(BIN)/ruff check workbench tests benchmarks tools

typecheck: install
	$(BIN)/mypy

# one worker per core (2 here); a file's tests stay on one worker (a notebook's cells run in
# order in one kernel); the 25 slowest are listed so that slow tests are seen
PYTEST_WORKERS ?= auto
pytest: install
	$(BIN)/python -m pytest --doctest-modules --nbval -n $(PYTEST_WORKERS) --dist loadfile --durations=25 \
		workbench tests notebooks

test: lint typecheck pytest

lab: install
	@# JupyterLab refuses to start as root unless told; containers often run as root
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root)

# the quick size of every benchmark that has one (run a file alone for its full size);
# bench_national takes minutes and GBs: it has a target of its own
bench: install
	@for f in $(filter-out benchmarks/bench_national.py,$(wildcard benchmarks/bench_*.py)); do \
		echo "== $$f"; args=; grep -q -- '--quick' $$f && args=--quick; \
		$(BIN)/python $$f $$args || exit 1; done

# the national chain (load .. publish) with N employees, data written under /tmp
N ?= 6000000
bench-national: install
	$(BIN)/python benchmarks/bench_national.py --employees $(N)

samples: install
	$(BIN)/python -m workbench.data data/samples

environment: install
	$(BIN)/python tools/environment.py > environment.yml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
