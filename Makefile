# Pod V5 — common tasks. Needs only python3 (3.11+) and make: everything else is
# installed into .venv from uv.lock.

PYTHON ?= python3
UV_VERSION ?= 0.13.8
BOOT := var/bootstrap
UV := $(BOOT)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install test lint format demo serve migrate bench clean k8s-assets crds skaffold-schema

help:
	@echo "make demo     - install, migrate, start the API, upload and encode a clip (VIDEO=path)"
	@echo "make test     - install and run the whole test suite"
	@echo "make serve    - run the API on http://127.0.0.1:8000 (embedded default)"
	@echo "make lint     - ruff check + format check"
	@echo "make bench    - encoding benchmark (bench/encode.py)"
	@echo "make k8s-assets - build (or reuse) the Kubernetes test binaries and MinIO from Go modules"
	@echo "make crds     - regenerate the chart's CRDs from the pydantic models"
	@echo "make skaffold-schema - fetch (or reuse) skaffold's JSON schema for skaffold.yaml's test"

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced

test: install
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

serve: migrate
	DEBUG=$${DEBUG:-1} $(VENV)/bin/gunicorn -c api/gunicorn_conf.py api.wsgi:application --bind 127.0.0.1:8000 \
	  --worker-class gthread --workers 1 --threads 8 --timeout 0

demo: install
	DEBUG=$${DEBUG:-1} $(PY) scripts/demo.py $(if $(VIDEO),--video "$(VIDEO)")

bench: install
	$(PY) bench/encode.py $(BENCH_ARGS)

k8s-assets:
	scripts/k8s-test-assets.sh
	scripts/minio-test-assets.sh

skaffold-schema:
	scripts/skaffold-schema.sh

crds: install
	$(PY) -m podv5_operator.crd > charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml
	$(PY) -m podv5_operator.crd liveevents > charts/pod-v5/crds/liveevents.media.podv5.io.yaml

clean:
	rm -rf $(VENV) var/bootstrap .pytest_cache .ruff_cache
