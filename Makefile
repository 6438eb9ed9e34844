# Backpropagation, derived and run.
#   make book   set everything up (first run) and build the HTML book in _build/html
#   make test   set everything up (first run) and run every test
#   make bench  run the benchmarks (benchmarks/README.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv test unit bench clean

# (Re)build the virtual environment when it is missing or older than its requirements.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests

test: unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache .hypothesis
