# Two commands set up and check everything on a fresh Debian machine:
#   make book   - create .venv from requirements.txt (first use) and build the HTML book
#   make test   - everything in `make book`, then every test, browser tests included
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER_DIR := tests/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed
# The static book embeds precomputed explorers; see mlp_core/widgets.py.
export MLP_CORE_WIDGETS := precomputed
export PYTHONHASHSEED := 0
# numpy and OpenBLAS choose their SIMD kernels by processor (AVX2, AVX-512...), and
# these round differently. Most runs do not notice, but near the edge of stability
# (ReLU at lr 1) that rounding decides which seeds fail. The book, its tests and
# `make lab` therefore use the AVX2 kernels on every x86-64 machine, so that every
# printed number is the same wherever they run (`make bench` keeps the fastest).
REPRODUCIBLE_KERNELS := OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test lab bench browser-deps clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==26.3 setuptools==84.2.1
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Sphinx re-executes only pages whose source changed, so an edit in mlp_core
# alone would leave stale outputs: any change below rebuilds every page.
BOOK_SOURCES := _config.yml _toc.yml $(wildcard book/*.md book/*.bib mlp_core/*.py)
BOOK_STAMP := _build/html/.built

book: $(BOOK_STAMP)

$(BOOK_STAMP): $(STAMP) $(BOOK_SOURCES)
	$(REPRODUCIBLE_KERNELS) $(BIN)/jupyter-book build . --all --nitpick --warningiserror --keep-going
	touch $@

browser-deps: $(BROWSER_STAMP)

$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	command -v chromium >/dev/null || { \
	  SUDO=$$(command -v sudo || true); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: book browser-deps
	$(REPRODUCIBLE_KERNELS) $(BIN)/python -m pytest

# Everything JupyterLab reads or writes stays in .jupyter/ of this repository;
# .jupyter/labconfig makes a double-click open MyST pages as notebooks (jupytext).
LAB_ENV := JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter JUPYTER_RUNTIME_DIR=$(CURDIR)/.jupyter/runtime \
  JUPYTERLAB_WORKSPACES_DIR=$(CURDIR)/.jupyter/workspaces \
  JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/.jupyter/user-settings \
  JUPYTER_DATA_DIR=$(CURDIR)/.jupyter/data npm_config_cache=$(CURDIR)/.jupyter/npm \
  IPYTHONDIR=$(CURDIR)/.jupyter/ipython MPLCONFIGDIR=$(CURDIR)/.jupyter/matplotlib \
  MLP_CORE_WIDGETS=live $(REPRODUCIBLE_KERNELS)

# LAB_DIR: the folder JupyterLab serves (the tests serve a copy of book/).
LAB_DIR ?= $(CURDIR)/book

lab: $(STAMP)
	$(LAB_ENV) $(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) --allow-root --no-browser $(LAB_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf _build
