# The two set-up commands (README): `make demo` and `make test`. Both need only Python 3.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: install, then explore the embedded demo account (emulator on loopback, no key needed)
demo: $(VENV)/.installed
	$(PY) -m smexplore.cli demo

## test: install with test extras, then run the whole test suite
test: $(VENV)/.installed-test
	$(PY) tools/fetch_spec.py
	$(PY) tools/install_browser.py
	$(PY) -m pytest

## bench: the performance measurements in benchmarks/ (results in benchmarks/results/)
bench: $(VENV)/.installed-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
