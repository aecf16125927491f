# Two commands set up and check everything on a fresh Debian machine:
#   make book   - create .venv from requirements.txt (first use) and build the HTML book
#                 (make serve: read it at http://127.0.0.1:8080/)
#   make test   - everything in `make book`, then every test, browser tests included
# For authors: make preview - a local preview that rebuilds and reloads on every save
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER_DIR := tests/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed
# The scripts, fonts and stylesheets the built book serves itself (site/mlp_site.py).
SITE_DIR := site
SITE_STAMP := $(SITE_DIR)/node_modules/.installed
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

.PHONY: book serve test lab lab-reset bench bench-rebuild preview mutation browser-deps clean

# The packages are byte-compiled as pip would, but on every core instead of one: the
# install takes 22 s instead of 40 on 2 cores. (Compiled later, on import, they would be
# compiled again by every kernel wherever PYTHONDONTWRITEBYTECODE is set.)
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==26.3 setuptools==84.2.1
	$(BIN)/pip install --quiet --no-compile -r requirements.txt
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Any change below rebuilds the book. Pages are executed through Jupyter Book's
# execution cache (jupyter-cache): a page runs again when its code cells change,
# and every page runs again when mlp_core, pyproject.toml, requirements.txt or
# _config.yml change (_ext/execution_key.py names the cache after their hash);
# pages that must run do so side by side, one per core (_ext/parallel_execution.py).
BOOK_SOURCES := _config.yml _toc.yml $(wildcard book/*.md book/*.bib mlp_core/*.py _ext/*.py) \
  $(wildcard site/*.py site/templates/* site/static/*)
BOOK_STAMP := _build/html/.built

book: $(BOOK_STAMP)

$(SITE_STAMP): $(SITE_DIR)/package.json $(SITE_DIR)/package-lock.json
	cd $(SITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

WHEEL_DIR := _build/wheel
WHEEL := $(WHEEL_DIR)/mlp_core-$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)-py3-none-any.whl

# Chromium (Debian's package) prints the chapter PDF in `make book` and runs the browser tests.
INSTALL_CHROMIUM := command -v chromium >/dev/null || { \
	  SUDO=$$(command -v sudo || true); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# site/chapter_pdf.py prints the chapter PDF from the built pages, again only for the
# pages whose HTML (or the site's static files) changed since the last build.
$(BOOK_STAMP): $(STAMP) $(SITE_STAMP) $(BOOK_SOURCES) $(WHEEL)
	$(REPRODUCIBLE_KERNELS) $(BIN)/jupyter-book build . --all --nitpick --warningiserror --keep-going
	rm -f _build/html/mlp_core-*.whl
	cp $(WHEEL) _build/html/
	$(INSTALL_CHROMIUM)
	$(BIN)/python site/chapter_pdf.py _build/html
	touch $@

# The mlp_core wheel the take-home notebooks install from the site's root
# (_ext/take_home.py); built again only when the package or its metadata change.
$(WHEEL): $(STAMP) pyproject.toml $(wildcard mlp_core/*.py)
	rm -rf $(WHEEL_DIR)
	$(BIN)/pip wheel --quiet --no-deps --no-build-isolation --wheel-dir $(WHEEL_DIR) .

# `make serve` serves the built book at html.baseurl of _config.yml, the address its
# take-home notebooks install the mlp_core wheel from (http://127.0.0.1:8080/ by default).
SERVE_PORT := $(shell sed -n 's|^ *baseurl: "http://127\.0\.0\.1:\([0-9]*\)/".*|\1|p' _config.yml)

serve: book
	@test -n "$(SERVE_PORT)" || { echo "html.baseurl in _config.yml is not http://127.0.0.1:<port>/:" \
	  "the book is published there, not served by make serve" >&2; exit 2; }
	@echo "Serving the book at http://127.0.0.1:$(SERVE_PORT)/ (Ctrl+C stops)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(SERVE_PORT)

browser-deps: $(BROWSER_STAMP)

$(BROWSER_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	$(INSTALL_CHROMIUM)
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Tests run in parallel (pytest-xdist), each file's tests in one worker (loadfile): the
# tests of a browser file share one Chromium and server, test_lab_student.py its JupyterLab
# server and the pages it ran once, and test_take_home.py its downloads. (Not loadgroup: with
# pytest 9.2 it no longer groups, pytest-dev/pytest-xdist#1386.) Files start in the order
# collected, tests/browser/ first, not most tests first: test_lab_student.py, the longest,
# then starts at once instead of running alone at the end with one core idle.
PYTEST_WORKERS ?= 3

test: book browser-deps
	$(REPRODUCIBLE_KERNELS) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
	  --no-loadscope-reorder

# Everything JupyterLab reads or writes stays in .jupyter/ of this repository;
# .jupyter/labconfig makes a double-click open MyST pages as notebooks (jupytext), and
# .jupyter/custom/custom.css colours the code blocks jupyterlab-myst renders.
LAB_ENV := JUPYTER_CONFIG_DIR=$(CURDIR)/.jupyter JUPYTER_RUNTIME_DIR=$(CURDIR)/.jupyter/runtime \
  JUPYTERLAB_WORKSPACES_DIR=$(CURDIR)/.jupyter/workspaces \
  JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/.jupyter/user-settings \
  JUPYTER_DATA_DIR=$(CURDIR)/.jupyter/data npm_config_cache=$(CURDIR)/.jupyter/npm \
  IPYTHONDIR=$(CURDIR)/.jupyter/ipython MPLCONFIGDIR=$(CURDIR)/.jupyter/matplotlib \
  MLP_CORE_WIDGETS=live $(REPRODUCIBLE_KERNELS)

# `make lab` serves the student's copy of the pages, LAB_COPY (lab/, ignored by git), made
# from book/ by _ext/page_forms.py the first time (later only pages it lacks are added):
# there the hidden result checks are left out and every solution is one closed dropdown,
# and running, autosaving or saving never touches book/. `make lab-reset` replaces the
# copy with fresh pages (the student's changes are lost). Authors edit book/ itself with
# `make lab LAB_DIR=book`; the tests pass LAB_COPY to work in a temporary folder.
LAB_COPY ?= $(CURDIR)/lab
LAB_DIR ?= $(LAB_COPY)

lab: $(STAMP)
	@if [ "$(abspath $(LAB_DIR))" = "$(abspath $(LAB_COPY))" ]; then \
	  $(BIN)/python _ext/page_forms.py book $(LAB_COPY); fi
	$(LAB_ENV) $(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) --allow-root --no-browser \
	  --LabApp.custom_css=True $(LAB_ARGS)

lab-reset: $(STAMP)
	$(BIN)/python _ext/page_forms.py book $(LAB_COPY) --reset

# Lighthouse for the page-speed benchmark (benchmarks/package.json).
BENCH_STAMP := benchmarks/node_modules/.installed

$(BENCH_STAMP): benchmarks/package.json benchmarks/package-lock.json
	cd benchmarks && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: book $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_pages.py

# Mutation testing of the math modules against the fast unit tests ([tool.mutmut] in
# pyproject.toml; not part of `make test`, about 8 minutes on 2 cores): prints the
# score and every surviving mutant.
mutation: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-mutation.txt
	rm -rf mutants
	$(REPRODUCIBLE_KERNELS) $(BIN)/mutmut run --max-children 2 >/dev/null || true
	$(BIN)/mutmut export-cicd-stats >/dev/null
	$(BIN)/python tests/mutation_report.py
	$(BIN)/mutmut results

# The three rebuild times of `make book` (prose edit, code edit, mlp_core change),
# measured on a temporary copy of the repository.
bench-rebuild: book
	$(BIN)/python benchmarks/bench_rebuild.py

# A live preview for authors: sphinx-autobuild serves the book on 127.0.0.1 and
# rebuilds and reloads the page after every save in book/, mlp_core/ or the config.
# It reads the Sphinx configuration that Jupyter Book derives from _config.yml and
# shares the execution cache of `make book`, so unchanged pages are not executed.
# PYTHONPATH: the folders of the local extensions (sphinx: local_extensions in _config.yml).
PREVIEW_PORT ?= 8000
PREVIEW_DIR := _build/preview

preview: $(STAMP)
	mkdir -p $(PREVIEW_DIR)/conf
	$(BIN)/jupyter-book config sphinx . >/dev/null && mv conf.py $(PREVIEW_DIR)/conf/conf.py
	ln -sfn $(CURDIR)/book $(PREVIEW_DIR)/conf/book  # sphinxcontrib-bibtex reads book/references.bib there
	$(REPRODUCIBLE_KERNELS) PYTHONPATH=$(CURDIR)/_ext:$(CURDIR)/site $(BIN)/sphinx-autobuild . $(PREVIEW_DIR)/html \
	  -c $(PREVIEW_DIR)/conf --host 127.0.0.1 --port $(PREVIEW_PORT) \
	  --watch mlp_core --watch _config.yml --watch _toc.yml \
	  --re-ignore '(^|/)(\.venv|\.git|_build|lab|tests|benchmarks|\.jupyter|__pycache__|\.ipynb_checkpoints)(/|$$)' \
	  -D nb_execution_cache_path=$(CURDIR)/_build/.jupyter_cache $(PREVIEW_ARGS)

clean:
	rm -rf _build
