"""The static checks the test suite (and so CI) runs: mypy, as configured in pyproject.toml, and ruff.

``make lint`` runs the same tools (and import-linter, which tests/test_layout.py
runs), so a contributor sees locally what CI would refuse.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import churnlab
import churnlab.evaluation
import churnlab.synthetic

REPO = Path(__file__).resolve().parents[1]


def _overrides(flag: str) -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    return {
        module
        for section in config["overrides"]
        if section.get(flag)
        for module in ([section["module"]] if isinstance(section["module"], str) else section["module"])
    }


def test_the_strict_modules_are_those_of_the_public_api():
    """A public name from a new module brings that module under the strict flags."""
    public = {
        module
        for namespace in (churnlab, churnlab.evaluation, churnlab.synthetic)
        for module in namespace._EXPORTS.values()  # noqa: SLF001 - the namespaces' own export tables
    }
    assert _overrides("disallow_untyped_defs") == public


def test_mypy_passes():
    """The package type-checks (about half a minute from a cold cache)."""
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_passes(command):
    """ruff's lint rules hold and the code is formatted (``ruff format`` fixes the second)."""
    pytest.importorskip("ruff")
    paths = ["src", "tests", "benchmarks", "notebooks"]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *paths], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
