# Two commands: `make demo` runs the demo campaign, `make test` runs the test suite.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes whenever the lock or the project metadata changes, so installs re-run then.
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench-fanout clean lexicon

demo: $(STAMP)
	$(BIN)/chidao demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench-fanout: $(STAMP)
	$(BIN)/chidao bench fanout --units 100000

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chidao needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) var

# What the diacritics restorer knows (services/issuer/documents/lexicon.py, SOURCES).
lexicon: $(STAMP)
	$(BIN)/python -m services.issuer.documents.lexicon
