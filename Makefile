# Two commands for a new user: `make demo` and `make test`. Both create .venv on first use.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Offline machines: use the Menagerie copy beside the project when MENAGERIE_ROOT is unset.
ifeq ($(origin MENAGERIE_ROOT), undefined)
  ifneq ($(wildcard ../shared/menagerie),)
    export MENAGERIE_ROOT := $(abspath ../shared/menagerie)
  endif
endif
export MUJOCO_GL ?= egl

.PHONY: demo test lint venv clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/xembody demo

test: venv
	$(BIN)/ruff check src tests benchmarks && $(BIN)/ruff format --check src tests benchmarks && $(BIN)/pytest

clean:
	rm -rf $(VENV) runs .pytest_cache
