# Two commands on a fresh machine (Python 3.11+): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed  ## install, then run the baseline scenario
	$(BIN)/sim run scenarios/baseline_2025.yaml

test: $(VENV)/.installed  ## install, then lint and run the tests
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/pytest -q

bench: $(VENV)/.installed  ## speed and memory figures
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
