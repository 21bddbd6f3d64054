# Every target sets up .venv from scratch when it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
JOBS   ?= 2

.PHONY: test demo check bench fuzz fixtures clean browser screenshots

$(VENV)/.stamp-%: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$*]'
	@touch $@

test: $(VENV)/.stamp-test browser
	$(PY) -m pytest -q -n $(JOBS) -p no:cacheprovider

demo: $(VENV)/.stamp-demo
	rm -rf demo-out
	$(PY) -m mediatypes demo demo-out
	$(PY) -m mediatypes validate demo-out
	$(PY) -m mediatypes view demo-out

# Headless Chromium + chromedriver for the viewer's browser tests (tests/view/test_browser.py):
# installed with apt-get when missing and possible; otherwise those tests skip and say why.
browser:
	@if [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing chromium and chromium-driver (apt-get) for the viewer's browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
	  || echo "browser: apt-get could not install chromium; the browser tests will skip"; \
	else echo "browser: no chromium/chromedriver and no apt-get as root; the browser tests will skip"; fi

# PNGs of the demo run's viewer pages in docs/ (committed; not made at test time)
screenshots: $(VENV)/.stamp-test browser
	$(PY) docs/make_screenshots.py

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
