"""The package boundaries (``[tool.importlinter]`` in pyproject.toml) hold: the contract
imports nothing else of ours, the workers and the operator never import the API nor each
other, the API never imports the operator, and no program imports the libraries of
another (Django, kopf, the Kubernetes client, the media libraries)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_import_contracts_are_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_a_broken_contract_fails(tmp_path):
    """The same run fails when a contract is broken (it really checks): here, one that
    forbids what the workers do import (the contract)."""
    config = tmp_path / "importlinter.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_packages = ["podv5_contract", "podv5_media"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "deliberately broken"\n'
        'type = "forbidden"\n'
        'source_modules = ["podv5_media"]\n'
        'forbidden_modules = ["podv5_contract"]\n'
    )
    result = lint_imports("--config", str(config))
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and "podv5_media" in result.stdout, result.stdout
