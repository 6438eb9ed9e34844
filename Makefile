# Backpropagation, derived and run.
#   make book       set everything up (first run), build the HTML book in _build/html
#                   and its PDF (linked from every page)
#   make serve      serve _build/html on http://127.0.0.1:$(PORT)
#   make pdf        build the one-page HTML book and print it to _build/pdf/book.pdf
#   make notebooks  write notebooks/*.ipynb from chapters/*.md (jupytext)
#   make exercises  write exercises/<chapter>.ipynb: each chapter's exercises, no solutions
#                   (the book's build also puts them, and student-kit.zip, into the site)
#   make catalogs   extract the English text and update the Chinese catalogs
#                   (locales/zh_CN/LC_MESSAGES/chapters/*.po) after an English change
#   make test       unit tests, strict build of both editions, PDFs, then browser and
#                   PDF tests
#   make bench      run the benchmarks (benchmarks/README.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
JB     := $(BIN)/jupyter-book
# Strict: every warning is an error, nitpicky cross-references, report them all.
JB_FLAGS := -W -n --keep-going
PORT   ?= 8000
BOOK_TESTS := tests/test_book_browser.py tests/test_book_layout.py tests/test_book_pdf.py \
              tests/test_book_kit.py tests/test_book_editions.py
# Debian packages (Chromium, poppler, fonts, npm, python3-venv): installed when missing
# and running as root, or the one command to run is printed.
SYSTEM_DEPS := bash tools/system-deps.sh

.PHONY: deps venv assets book html singlehtml serve pdf notebooks exercises catalogs gettext test unit book-tests bench clean

# (Re)build the virtual environment when it is missing or older than its requirements.
$(STAMP): requirements.txt pyproject.toml
	@$(SYSTEM_DEPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	@touch $(STAMP)

deps:
	@$(SYSTEM_DEPS)

venv: $(STAMP)

# MathJax and mermaid, pinned by package-lock.json, served from the built site.
$(NODE_STAMP): package.json package-lock.json
	@$(SYSTEM_DEPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

assets: $(NODE_STAMP)

# The English site, then the Chinese one in _build/html/zh/ (tools/edition.py: the
# same source through locales/, the same execution cache: nothing executes twice).
html: $(STAMP) $(NODE_STAMP)
	$(JB) build . --builder html $(JB_FLAGS)
	$(BIN)/python tools/edition.py html

book: html pdf
	@echo
	@echo "The book is in _build/html. Read it with:  make serve   (then open http://127.0.0.1:$(PORT))"
	@echo "(opening _build/html/index.html from disk works too, but browsers refuse to run"
	@echo " the diagram renderer from file:// pages)"

singlehtml: $(STAMP) $(NODE_STAMP)
	$(JB) build . --builder singlehtml $(JB_FLAGS)
	$(BIN)/python tools/edition.py singlehtml

serve:
	@test -f _build/html/index.html || { echo "no _build/html yet: run 'make book' first"; exit 1; }
	@echo "Serving _build/html on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# The PDF is also copied into the HTML site, whose download menu links it.
pdf: singlehtml
	@$(SYSTEM_DEPS)
	$(BIN)/python _ext/print_pdf.py _build/singlehtml _build/pdf/book.pdf
	$(BIN)/python _ext/print_pdf.py --language zh_CN _build/singlehtml-zh _build/pdf/book-zh.pdf
	@if [ -d _build/html ]; then cp _build/pdf/book.pdf _build/html/book.pdf; fi
	@if [ -d _build/html/zh ]; then cp _build/pdf/book-zh.pdf _build/html/zh/book.pdf; fi

# After a change to the English text: new messages untranslated, changed ones fuzzy.
catalogs: $(STAMP)
	$(BIN)/python tools/edition.py update

# The English text as extracted now (_build/gettext), for the test that the catalogs
# are current.
gettext: $(STAMP)
	$(BIN)/python tools/edition.py gettext

notebooks: $(STAMP)
	@mkdir -p notebooks
	@for f in chapters/*.md; do \
	  $(BIN)/jupytext --quiet --to ipynb --output notebooks/$$(basename $$f .md).ipynb $$f || exit 1; \
	done
	@echo "notebooks/*.ipynb written (unexecuted; run them with the .venv kernel)"

exercises: $(STAMP)
	$(BIN)/python _ext/bp_exercises.py exercises
	@echo "exercises/*.ipynb written (no solutions; run them with the .venv kernel)"

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests $(addprefix --ignore=,$(BOOK_TESTS))

# Browser and PDF tests of what `html` and `pdf` built; BP_BOOK_TESTS=1 makes a
# missing build a failure instead of a skip.
book-tests: $(STAMP)
	@$(SYSTEM_DEPS)
	BP_BOOK_TESTS=1 $(BIN)/python -m pytest -q $(BOOK_TESTS)

# Order matters: unit tests, then one strict build (executing every chapter), the
# PDF from the same execution cache, then the tests that read both builds.
test:
	@$(SYSTEM_DEPS)
	$(MAKE) unit
	$(MAKE) html
	$(MAKE) gettext
	$(MAKE) pdf
	$(MAKE) book-tests

# torch is installed for the benchmarks only (benchmarks/requirements.txt). Some machines set
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for older OpenBLAS builds; they pick a slower kernel in
# NumPy's, so this one command runs without them (tests and CI keep them).
bench: $(STAMP)
	$(BIN)/python -m pip install -q -r benchmarks/requirements.txt
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py $(BENCH_ARGS)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/bench_rnn.py
	$(BIN)/python benchmarks/bench_symbolic.py
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf _build notebooks exercises .pytest_cache .hypothesis
