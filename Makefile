# Two commands: `make run` (set up, migrate, seed the demo city, serve) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app.py
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup translations system-deps run test test-fast lint format db seed scheduler clean

setup: system-deps $(VENV)/.installed translations

# Compiled catalogs are build output (not in git): compiled on every setup, so a changed .po is live.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -f -d pipeline/translations >/dev/null

system-deps:
	@./scripts/system-deps.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

db: setup
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo

# Serves the web app and, beside it, the one scheduler process (reminders, PDF batch jobs,
# daily snapshots) under scripts/supervise.sh, which restarts it within seconds if it dies;
# stopping `make run` stops both. Its log: instance/scheduler.log.
run: seed
	@echo "小升高培育平台: http://$(HOST):$(PORT)  (演示账号见上方；调度进程日志 instance/scheduler.log)"
	@./scripts/supervise.sh $(FLASK) reminders run >> instance/scheduler.log 2>&1 & sched=$$!; \
	  trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

scheduler: db
	$(FLASK) reminders run

# Lint and format check (ruff, configured in pyproject.toml, with a complexity limit); `make test` runs it first.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup lint
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -q -m "not e2e" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/pipeline.db .pytest_cache .hypothesis
