# The two set-up commands (README): `make demo` and `make test`. Both need only Python 3.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The floor: a second environment with every dependency at the minimum pyproject.toml declares
# (constraints/floor.txt), for the unit and integration tests.
FLOOR_VENV ?= .cache/venv-floor
FLOOR_PY   := $(FLOOR_VENV)/bin/python
SPEC       := .cache/spec/api.json
FLOOR_LOG  := test-artifacts/floor-tests.log
# Not in the floor run: the notebooks and the browser (their outputs follow the newest versions),
# the Binder build (it makes an environment of its own from binder/, whatever this one holds),
# the packaging checks (a build in an isolated environment and static reads: no installed version
# matters), and the command line's commands (subprocesses around the Session calls the other tests
# make at the floor; what they add, arguments and exit codes, depends on no library's version).
# The floor environment has no nbval, so pytest's addopts are replaced.
FLOOR_TESTS := tests/unit tests/integration --ignore=tests/unit/test_packaging.py \
	--ignore=tests/integration/test_cli_commands.py --ignore=tests/integration/test_cli_board.py \
	--deselect tests/integration/test_binder.py::test_binder_build_runs_every_notebook \
	-o addopts="-ra --strict-markers" -p no:cacheprovider
# Runs a command with SIGINT at its default. A job that a non-interactive shell starts in the
# background (as `make test` starts the floor run) has SIGINT ignored, and so would every process it
# starts: the tests stop the `smexplore emulator` command with SIGINT.
WITH_SIGINT = $(PY) -c "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"

.PHONY: demo test lint docs test-floor bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(FLOOR_PY):
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_PY) -m pip install --quiet --upgrade pip

$(FLOOR_VENV)/.installed: pyproject.toml constraints/floor.txt | $(FLOOR_PY)
	$(FLOOR_PY) -m pip install --quiet -c constraints/floor.txt -e '.[test-core]'
	touch $@

$(SPEC): | $(VENV)/.installed-test
	$(PY) tools/fetch_spec.py $(SPEC)

## demo: install, then explore the embedded demo accounts of all four systems (emulators on loopback, no key needed)
demo: $(VENV)/.installed
	$(PY) -m smexplore.cli demo

## test: install with test extras, then run the whole test suite; at the same time (the machine
## has two cores), the floor environment is built and the unit and integration tests run in it
## too. The floor run's output is printed after the main run's (and kept in $(FLOOR_LOG)).
test: $(VENV)/.installed-test lint docs
	$(PY) tools/fetch_spec.py $(SPEC)
	$(PY) tools/fetch_sdk.py
	$(PY) tools/install_browser.py
	@mkdir -p $(dir $(FLOOR_LOG))
	@$(WITH_SIGINT) $(MAKE) --no-print-directory test-floor > $(FLOOR_LOG) 2>&1 & floor=$$!; \
	trap 'kill $$floor 2>/dev/null' INT TERM; \
	echo "floor run started in the background (log: $(FLOOR_LOG))"; \
	$(PY) -m pytest; main=$$?; \
	wait $$floor; floor_status=$$?; \
	echo; echo "==================== floor run: constraints/floor.txt ===================="; \
	cat $(FLOOR_LOG); \
	echo "main run: exit $$main; floor run: exit $$floor_status"; \
	test $$main -eq 0 && test $$floor_status -eq 0

## lint: ruff (its default rules) over everything, mypy (with pandas-stubs) over the package
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## docs: the documentation site (docs/, Sphinx with MyST and myst-nb) in docs/_build/html; every
## warning is an error and every cross-reference must resolve (-W -n); read afresh (-E), so no
## warning of an earlier build is left unsaid
docs: $(VENV)/.installed-test
	$(PY) tools/fetch_widgets_js.py
	$(VENV)/bin/sphinx-build -E -W -n --keep-going -q -b html docs docs/_build/html

## test-floor: the unit and integration tests with every dependency at its declared minimum
test-floor: $(FLOOR_VENV)/.installed $(SPEC)
	@$(FLOOR_PY) -c "import re; from importlib.metadata import version; \
	names = [re.split('[=<>!; ]', l)[0] for l in open('constraints/floor.txt') if l.strip() and l[0] != '#']; \
	print('floor:', ', '.join(f'{n} {version(n)}' for n in names))"
	$(FLOOR_PY) -m pytest $(FLOOR_TESTS)

## bench: the performance measurements in benchmarks/ (results in benchmarks/results/)
bench: $(VENV)/.installed-test
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis docs/_build
