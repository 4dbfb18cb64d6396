"""The control-plane binaries: where they are, and building them if needed.

See :mod:`tests.kube.control_plane`; the binaries come from ``scripts/k8s-test-assets.sh``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_SCRIPT = REPO_ROOT / "scripts" / "k8s-test-assets.sh"
#: The binaries a control plane needs; helm and kubectl are looked up beside them, then on PATH.
REQUIRED_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


class AssetsUnavailable(RuntimeError):
    """The binaries could not be found or built."""


def ensure_assets(*, build: bool = True, timeout: float | None = None) -> Path:
    """The folder holding the control-plane binaries, built if needed (and ``build``).

    Runs ``scripts/k8s-test-assets.sh`` (which honours ``KUBEBUILDER_ASSETS`` and
    ``POD_K8S_ASSETS``, and returns at once when the binaries are there); with
    ``build=False`` it only checks (``--check``). The folder is the script's last line.
    """
    args = [str(ASSETS_SCRIPT)] + ([] if build else ["--check"])
    try:
        result = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssetsUnavailable(f"{ASSETS_SCRIPT.name} could not run: {exc}") from exc
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-25:])
        raise AssetsUnavailable(
            f"{ASSETS_SCRIPT.name} {'' if build else '--check '}exited {result.returncode}:\n{tail}"
        )
    folder = Path(lines[-1])
    missing = [b for b in REQUIRED_BINARIES if not os.access(folder / b, os.X_OK)]
    if missing:
        raise AssetsUnavailable(f"{folder} lacks {', '.join(missing)}")
    return folder
