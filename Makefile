# Every target sets up .venv from scratch when it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JOBS   ?= 2

.PHONY: test demo check bench fuzz fixtures clean

$(VENV)/.stamp-%: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$*]'
	@touch $@

test: $(VENV)/.stamp-test
	$(PY) -m pytest -q -n $(JOBS) -p no:cacheprovider

demo: $(VENV)/.stamp-demo
	rm -rf demo-out
	$(PY) -m mediatypes demo demo-out
	$(PY) -m mediatypes validate demo-out

check: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -n $(JOBS) -p no:cacheprovider

bench: $(VENV)/.stamp-test
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

fuzz: $(VENV)/.stamp-test
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -n $(JOBS) -p no:cacheprovider tests/reliability

fixtures: $(VENV)/.stamp-test
	$(PY) fixtures/make_fixtures.py

clean:
	rm -rf $(VENV) dist build demo-out .pytest_cache .mypy_cache .ruff_cache
