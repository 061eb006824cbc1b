# Developer shortcuts. The README's commands are the reference; these wrap them.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test lint fmt bench clean

$(PY):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'

install: $(PY)

test: $(PY)
	$(PY) -m pytest

lint: $(PY)
	$(VENV)/bin/ruff check lab tests bench
	$(VENV)/bin/ruff format --check lab tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: $(PY)
	$(VENV)/bin/ruff format lab tests bench
	$(VENV)/bin/ruff check --fix lab tests bench

bench: $(PY)
	for b in bench/bench_*.py; do $(PY) $$b; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
