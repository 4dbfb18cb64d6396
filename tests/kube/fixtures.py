"""pytest fixtures for tests against a real Kubernetes control plane (envtest convention).

Register with ``pytest_plugins = ["tests.kube.fixtures"]`` (or ``-p tests.kube.fixtures``).

* ``control_plane`` (session): a started :class:`~tests.kube.control_plane.ControlPlane`.
  Its binaries come from ``scripts/k8s-test-assets.sh`` (``KUBEBUILDER_ASSETS`` if it
  holds them, else the cache, else a build from Go modules). The script runs once, after
  collection and only when a selected test uses the fixture, outside any per-test timeout
  (a cold build takes tens of minutes: ``make test`` runs ``make test-assets`` first). If
  the binaries can't be had the tests are skipped with the reason, which fails them in CI
  (``CI=true``) and under ``make test`` (``POD_NO_SKIPS=1``, ``tests/conftest.py``).
  ``POD_K8S_NO_BUILD=1`` only checks for them; ``POD_KUBE_KEEP=1`` keeps the temp dir
  (logs, etcd data, kubeconfigs) after the session.
* ``pod_runner`` (session): a :class:`~tests.kube.pod_runner.PodRunner`, the stand-in
  kubelet of node ``pod-runner``, where every pod that doesn't tolerate kwok's taint is
  scheduled.
* ``kube_namespace`` (function): a fresh namespace (its ``default`` ServiceAccount exists),
  deleted afterwards.
* ``kube_api`` (session): the admin ``kubernetes.client.ApiClient``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kube.control_plane import AssetsUnavailable, ControlPlane, ensure_assets
from tests.kube.pod_runner import PodRunner

IN_CI = os.environ.get("CI", "").lower() == "true"
_ASSETS = pytest.StashKey[Path | AssetsUnavailable]()
_STARTED = pytest.StashKey[ControlPlane]()


def _find_assets(config: pytest.Config) -> Path | AssetsUnavailable:
    """The assets folder (cached in the config's stash), or why there is none."""
    if _ASSETS in config.stash:
        return config.stash[_ASSETS]
    try:
        config.stash[_ASSETS] = ensure_assets(build=False)
        return config.stash[_ASSETS]
    except AssetsUnavailable as exc:
        config.stash[_ASSETS] = exc
        if os.environ.get("POD_K8S_NO_BUILD", "") in ("1", "true"):
            return exc
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            "kube: building the Kubernetes test binaries from Go modules "
            "(scripts/k8s-test-assets.sh; about 15 minutes on 2 cores with a cold Go cache)"
        )
    capture = config.pluginmanager.getplugin("capturemanager")
    try:
        # Let the script's progress reach the terminal while it builds.
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            config.stash[_ASSETS] = ensure_assets(build=True)
    except AssetsUnavailable as exc:
        config.stash[_ASSETS] = exc
    return config.stash[_ASSETS]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Get the binaries before the first test when a selected test needs the cluster."""
    if config.option.collectonly:
        return
    if any("control_plane" in getattr(item, "fixturenames", ()) for item in items):
        _find_assets(config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    started = config.stash.get(_STARTED, None)
    if started is not None and started.start_seconds is not None:
        kept = f"; kept {started.workdir}" if started.keep_workdir else ""
        terminalreporter.write_line(
            f"kube: control plane started in {started.start_seconds:.1f}s "
            f"from {started.assets}{kept}"
        )


@pytest.fixture(scope="session")
def control_plane(request: pytest.FixtureRequest) -> Iterator[ControlPlane]:
    """A running etcd + kube-apiserver + controller-manager + scheduler + kwok."""
    assets = _find_assets(request.config)
    if isinstance(assets, AssetsUnavailable):
        reason = f"Kubernetes test binaries unavailable: {assets}"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(f"{reason} (build them with `make k8s-assets`)")
    keep = os.environ.get("POD_KUBE_KEEP", "") in ("1", "true")
    plane = ControlPlane(assets, keep_workdir=keep)
    try:
        plane.start()
        request.config.stash[_STARTED] = plane
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def kube_api(control_plane: ControlPlane) -> Any:
    """The admin ``kubernetes.client.ApiClient`` of the control plane."""
    return control_plane.api_client()


@pytest.fixture(scope="session")
def pod_runner(control_plane: ControlPlane) -> Iterator[PodRunner]:
    """The stand-in kubelet of node ``pod-runner``: runs pods' commands as local processes."""
    runner = PodRunner(control_plane)
    try:
        runner.start()
        yield runner
    finally:
        runner.stop()


@pytest.fixture
def kube_namespace(control_plane: ControlPlane, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace named after the test, with its ``default`` ServiceAccount."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(control_plane.api_client())
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"t-{slug}-{secrets.token_hex(3)}"
    core.create_namespace({"metadata": {"name": name, "labels": {"pod-v5.test/ns": "true"}}})
    # The serviceaccount controller creates it; pods can't be created before it exists.
    deadline = time.monotonic() + 30
    while True:
        try:
            core.read_namespaced_service_account("default", name)
            break
        except ApiException as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield name
    finally:
        try:
            core.delete_namespace(name, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise
