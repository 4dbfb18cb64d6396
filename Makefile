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

.PHONY: help install test lint format demo serve migrate bench clean k8s-assets crds skaffold-schema test-assets oidc-provider

help:
	@echo "make demo     - install, migrate, start the API, upload and encode a clip (VIDEO=path)"
	@echo "make test     - install, build or reuse the test tools (test-assets), run the whole suite; a skip fails it"
	@echo "make serve    - run the API on http://127.0.0.1:8000 (embedded default)"
	@echo "make lint     - ruff check + format check"
	@echo "make bench    - encoding benchmark (bench/encode.py)"
	@echo "make k8s-assets - build (or reuse) the Kubernetes test binaries and MinIO from Go modules"
	@echo "make crds     - regenerate the chart's CRDs from the pydantic models"
	@echo "make skaffold-schema - fetch (or reuse) skaffold's JSON schema for skaffold.yaml's test"
	@echo "make test-assets - k8s-assets + skaffold-schema + oidc-provider (npm), cached in ~/.cache/pod-v5"

$(UV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced

# Every tool a test needs besides Python, built or fetched once into ~/.cache/pod-v5 (each
# script returns at once when its cache is complete): a cold first run takes ~20-25 min on
# 2 cores (Go >= 1.24 and node/npm needed). The suite runs on PostgreSQL, the production
# engine: a throwaway cluster (scripts/with-postgres.sh; Debian's postgresql package) unless
# DATABASE_URL names a server. POD_NO_SKIPS=1: a skipped test fails the run (tests/conftest.py).
test: install test-assets
	@POD_NO_SKIPS=1 scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
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
	DEBUG=$${DEBUG:-1} $(VENV)/bin/gunicorn -c api/gunicorn_conf.py api.asgi:application \
	  --worker-class api.serving.UvicornWorker --timeout 30 --graceful-timeout 30 --keep-alive 5 \
	  --bind 127.0.0.1:8000 --workers 1

demo: install
	DEBUG=$${DEBUG:-1} $(PY) scripts/demo.py $(if $(VIDEO),--video "$(VIDEO)")

bench: install
	$(PY) bench/encode.py $(BENCH_ARGS)

# Go from go.dev/dl lives in /usr/local/go/bin, often not on PATH
GO_PATH := PATH="$$PATH:/usr/local/go/bin"

k8s-assets:
	$(GO_PATH) scripts/k8s-test-assets.sh
	$(GO_PATH) scripts/minio-test-assets.sh

skaffold-schema:
	scripts/skaffold-schema.sh

oidc-provider:
	scripts/oidc-provider-assets.sh

test-assets:
	@echo "test assets (cached in ~/.cache/pod-v5; cold: ~20-25 min on 2 cores, mostly Kubernetes)"
	@$(GO_PATH) scripts/k8s-test-assets.sh >/dev/null
	@$(GO_PATH) scripts/minio-test-assets.sh >/dev/null
	@scripts/skaffold-schema.sh >/dev/null
	@scripts/oidc-provider-assets.sh >/dev/null

crds: install
	$(PY) -m podv5_operator.crd > charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml
	$(PY) -m podv5_operator.crd liveevents > charts/pod-v5/crds/liveevents.media.podv5.io.yaml

clean:
	rm -rf $(VENV) var/bootstrap .pytest_cache .ruff_cache
