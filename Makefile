# Two commands do everything on a fresh machine (Python 3.11, no GPU):
#   make demo   installs what is missing, then generates digits for a prompt with the bundled weights
#   make test   installs what is missing, then runs the notebook tests and the pytest suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROMPT ?= a thick slanted 4

.PHONY: install demo test test-slow export clean-nbs

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.14.1
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/textdiff-mnist demo "$(PROMPT)" --out demo.png

# Notebooks run two at a time, one torch thread each (two 2-thread processes on 2 cores thrash).
test: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/nbdev-test --n-workers 2
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/nbdev-test --n-workers 1 --flags slow
	$(BIN)/python -m pytest -q --runslow

export: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
