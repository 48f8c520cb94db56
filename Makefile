# The book's commands. `make book` builds the HTML, `make test` runs every check.
# Both create the virtual environment in .venv on first use and install what they need.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

.PHONY: help install install-test offline book pdf test lint unit nbval build-strict browser binder bench nbval-repeat execute lab clean

help:
	@echo "make book          build the HTML book into _build/html"
	@echo "make pdf           the whole book as one PDF, _build/pdf/book.pdf (Chromium, CHROMIUM=/path)"
	@echo "make test          all of: lint unit nbval binder build-strict pdf browser"
	@echo "make lint          ruff on helpers, tests and the notebooks (seconds)"
	@echo "make unit          pytest tests/ (about a minute)"
	@echo "make nbval         stored outputs reproduce; one chapter: make nbval NOTEBOOKS=book/03-learning-rate.ipynb"
	@echo "make build-strict  the book build with warnings as errors"
	@echo "make browser       the built site, and the chapters in JupyterLab, in Chromium (CHROMIUM=/path)"
	@echo "make binder        Binder's environment (binder/) alone runs every chapter"
	@echo "make execute       re-execute notebooks in place, then fill their numbers; one chapter: make execute NOTEBOOKS=book/03-learning-rate.ipynb"
	@echo "make lab           open the book in JupyterLab"
	@echo "make bench         time notebooks, build, explorers, optimizers against torch"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.book-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.book-installed
install-test: $(VENV)/.test-installed

# JavaScript the site serves itself so it works offline (see book/_offline/package.json).
OFFLINE := book/_offline
$(OFFLINE)/node_modules/.package-lock.json: $(OFFLINE)/package.json $(OFFLINE)/package-lock.json
	cd $(OFFLINE) && npm ci --no-audit --no-fund --loglevel=error

$(OFFLINE)/site/.done: $(OFFLINE)/node_modules/.package-lock.json
	rm -rf $(OFFLINE)/site && mkdir -p $(OFFLINE)/site/offline/mathjax
	cd $(OFFLINE)/node_modules/mathjax/es5 && cp -r tex-mml-chtml.js input output ui a11y adaptors \
	  $(CURDIR)/$(OFFLINE)/site/offline/mathjax/
	mkdir -p $(OFFLINE)/site/offline/requirejs
	cp $(OFFLINE)/node_modules/requirejs/require.js $(OFFLINE)/site/offline/requirejs/
	cp -r $(OFFLINE)/node_modules/@jupyter-widgets/html-manager/dist $(OFFLINE)/site/offline/html-manager
	touch $@

offline: $(OFFLINE)/site/.done

book: install offline
	$(BIN)/jupyter-book build . --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

lint: install-test
	$(BIN)/ruff check helpers tests book tools
	$(BIN)/ruff format --check helpers tests tools

unit: install-test
	$(BIN)/python -m pytest tests

# Every stored output must reproduce: once with the machine's default threads,
# once single-threaded (BLAS reductions may sum in another order), and once with
# OpenBLAS's generic x86-64 kernels (OPENBLAS_CORETYPE=Prescott), as an older
# processor runs them. A printed digit that depends on threads or on the processor
# fails here rather than on a reader's machine. The last two passes run side by
# side (on CI's two cores the notebooks' small sums leave one core mostly idle);
# either failing fails the target.
NBVAL := $(BIN)/python -m pytest --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -o filterwarnings=
nbval: install-test
	$(NBVAL) $(NOTEBOOKS)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(NBVAL) $(NOTEBOOKS) & one=$$!; \
	prescott=0; OPENBLAS_CORETYPE=Prescott $(NBVAL) $(NOTEBOOKS) || prescott=$$?; \
	wait $$one && [ $$prescott -eq 0 ]

# On top of nbval: the kernels of three more processor families, then a plain
# run again to show that no printed result is flaky. SkylakeX's kernels need
# AVX-512, so they run only where the processor has it.
nbval-repeat: nbval
	OPENBLAS_CORETYPE=Nehalem $(NBVAL) $(NOTEBOOKS)
	OPENBLAS_CORETYPE=Haswell $(NBVAL) $(NOTEBOOKS)
	if grep -q avx512f /proc/cpuinfo; then OPENBLAS_CORETYPE=SkylakeX $(NBVAL) $(NOTEBOOKS); \
	else echo "no AVX-512 here: SkylakeX kernels skipped"; fi
	$(NBVAL) $(NOTEBOOKS)

# Warnings are errors (-W), broken references too (-n); a failure exits non-zero.
# Then once more after touching one chapter, as a writer rebuilds after an edit: Sphinx
# rewrites that page alone, and what gdbook.py does after the build (WebP figures, dark
# twins) must leave the pages it did last time as they are. The browser tests see the result.
build-strict: install-test offline
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going
	touch book/03-learning-rate.ipynb
	$(BIN)/jupyter-book build . -W -n --keep-going

# The whole book as one PDF: Sphinx's single-page HTML of the book, printed by
# Chromium (tools/print_pdf.py), then read back and checked (tests/test_pdf.py).
# A built site gets a copy at _build/html/book.pdf, which its header's download menu
# links: `make test` runs this after build-strict and before browser.
pdf: install-test offline
	rm -rf _build/singlehtml
	$(BIN)/jupyter-book build . --builder singlehtml -W -n --keep-going
	$(BIN)/python tools/print_pdf.py _build/singlehtml _build/pdf/book.pdf
	$(BIN)/python -m pytest tests/test_pdf.py -m pdf -p no:cacheprovider
	if [ -d _build/html ]; then cp _build/pdf/book.pdf _build/html/book.pdf; fi

# The built site in Debian's Chromium (apt-get install chromium), driven by Playwright;
# axe-core, which checks every page's accessibility, comes from book/_offline's npm ci.
browser: install-test $(OFFLINE)/node_modules/.package-lock.json
	$(BIN)/python -m pytest tests/browser -m browser -p no:cacheprovider

# Binder's environment, built as Binder builds it (binder/requirements.txt, from the
# repository's top folder), runs every chapter with nothing else installed.
BINDER_VENV := .venv-binder
$(BINDER_VENV)/.installed: binder/requirements.txt pyproject.toml
	rm -rf $(BINDER_VENV)
	$(PYTHON) -m venv $(BINDER_VENV)
	$(BINDER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BINDER_VENV)/bin/python -m pip install --quiet -r binder/requirements.txt
	touch $@

binder: $(BINDER_VENV)/.installed
	$(BINDER_VENV)/bin/python -m pip check
	! $(BINDER_VENV)/bin/python -m pip show --quiet jupyter-book 2>/dev/null
	rm -rf _build/binder && mkdir -p _build/binder
	$(BINDER_VENV)/bin/jupyter nbconvert --to notebook --execute --output-dir _build/binder \
	  --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 \
	  --log-level=ERROR $(NOTEBOOKS)
	@echo "Binder's environment ran all $(words $(NOTEBOOKS)) chapters: _build/binder/"

test: lint unit nbval binder build-strict pdf browser

execute: install-test
	for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.store_widget_state=False "$$nb"; \
	done
	$(BIN)/python -m helpers.book.markup $(NOTEBOOKS)

# Not a test and not run by CI: timings for the README (see tests/benchmark.py).
bench: install-test offline
	$(BIN)/python tests/benchmark.py

lab: install
	$(BIN)/jupyter lab book/ $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf _build .pytest_cache
