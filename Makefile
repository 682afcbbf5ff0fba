# Two commands matter: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint bench install lock migrate seed clean worker beat serve browser-deps messages

# Installs exactly what requirements/lock.txt names (every transitive dependency, with hashes),
# then the portal itself without resolving anything; `pip check` catches a lock older than pyproject.toml.
$(STAMP): requirements/lock.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; echo "error: requirements/lock.txt does not satisfy pyproject.toml: run make lock"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

# Regenerates requirements/lock.txt from pyproject.toml (runtime + dev, Python 3.11, every platform
# with markers, hashes of every file). Keeps the pins already locked unless UPGRADE=1.
UV_VERSION := 0.13.9
lock:
	@test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet uv==$(UV_VERSION); }
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		$(if $(UPGRADE),--upgrade) --quiet --output-file requirements/lock.txt

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed  # rundemo = runserver + the periodic jobs in-process when no broker is set
	$(PY) manage.py rundemo 127.0.0.1:8000

test: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install  # the load rows (bench_load) need wrk, PostgreSQL and Redis on 127.0.0.1 (see docs/benchmarks.md)
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null \
		|| { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }; }; } \
		|| echo "wrk is missing and could not be installed: the load rows are skipped"
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m benchmarks

messages: install  # refresh the zh-hans catalogue from the code and compile it (needs gettext)
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=artifacts --ignore=media
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

browser-deps:  # Debian's Chromium for the browser tests (Playwright drives it; no browser download)
	command -v chromium >/dev/null || apt-get install -y chromium fonts-wqy-microhei

worker: install
	$(VENV)/bin/celery -A config worker -l info

serve: install  # the production process set on one host (Procfile: web, worker, beat) with the production settings from the environment
	DJANGO_SETTINGS_MODULE=config.settings.production PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sh -c \
		'python manage.py migrate --noinput && python manage.py collectstatic --noinput -v0 && exec honcho start -f Procfile web worker beat'

beat: install  # the one scheduler when CELERY_BROKER_URL is set (make run runs the jobs in-process without a broker)
	mkdir -p var && $(VENV)/bin/celery -A config beat -l info --schedule var/celerybeat-schedule

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media var
