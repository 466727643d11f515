# The two commands the README opens with:
#   make demo   -- set up, then run a master + two agents on simulated clusters + a metrics daemon
#   make test   -- set up (venv, system packages, Kubernetes test binaries), then run every check
.PHONY: setup system-deps k8s-bins dashboard test-bins check test demo lint fmt proto bench bench-quick chaos clean

VENV ?= .venv
PY := $(VENV)/bin/python

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/dev.lock requirements/build.lock requirements/uv.lock
	scripts/bootstrap.sh
	@touch $@

system-deps:
	scripts/system-deps.sh

k8s-bins:
	scripts/k8s-bins.sh

# The dashboard and Swagger UI's files, built into the master's package
# (master/gateway/static/); skipped while their sources and locks are unchanged.
dashboard:
	scripts/build-dashboard.sh

# Every test peer that is built or fetched, in parallel: scripts/test-bins.sh says which.
test-bins:
	scripts/test-bins.sh

proto: setup
	scripts/gen-proto.sh

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lint: setup
	scripts/check --no-tests

check: setup
	scripts/check

test: system-deps setup test-bins
	LOOKOUT_K8S_BIN="$$(scripts/k8s-bins.sh --print-dir)" scripts/check

demo: setup dashboard
	$(VENV)/bin/lookout demo

# The crash-point tests with many more kills than CI's 20/10/3 and a 60 s database outage
# (CI: 15 s); LOOKOUT_CRASH_SEED replays one run.
chaos: setup
	LOOKOUT_CRASH_ITERATIONS=$${LOOKOUT_CRASH_ITERATIONS:-100} LOOKOUT_STORE_OUTAGE_S=60 $(PY) -m pytest tests/integration/crash -v --timeout=3600

# Every benchmark at full size: one table, bench/results/<date>-<commit>.json, exit 1 on a MISS
# (compare two runs with `$(PY) -m bench compare OLD.json NEW.json`).
bench: setup
	$(PY) -m bench

# Every benchmark at a small size (a few minutes): figures reported, only a crash fails.
bench-quick: setup
	$(PY) -m bench --quick

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
