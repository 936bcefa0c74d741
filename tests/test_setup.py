"""Set-up as a newcomer meets it: the Makefile with or without a virtualenv, the sample's messages."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from churnlab.io.network import read_network
from conftest import REPO

SAMPLE = REPO / "data" / "sample"


def _make_dry_run(folder, **env: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    shutil.copy(REPO / "Makefile", folder / "Makefile")
    # run by `make test`, this make would be a sub-make (MAKELEVEL, MAKEFLAGS): a newcomer's is not
    outer = ("VIRTUAL_ENV", "PYTHON", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    clean = {k: v for k, v in os.environ.items() if k not in outer}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo"],
        cwd=folder,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def test_make_demo_runs_the_cli_through_python_never_a_script_on_path(tmp_path):
    lines = _make_dry_run(tmp_path)
    cli = [line for line in lines if " churnlab " in f" {line} "]
    assert cli and all(line.startswith("python3 -m churnlab ") for line in cli), cli


def test_make_demo_uses_the_readmes_venv_without_activating_it(tmp_path):
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    lines = _make_dry_run(tmp_path)
    assert lines[0].startswith(".venv/bin/python -m pip install")
    assert any(line.startswith(".venv/bin/python -m churnlab score") for line in lines)
    active = _make_dry_run(tmp_path, VIRTUAL_ENV="/elsewhere/venv")  # an active venv wins
    assert any(line.startswith("python3 -m churnlab score") for line in active)


def test_forms_outside_the_roster_are_explained_not_just_counted():
    """The sample's 400 case_* forms come from the case generator, whose dentists are not on the
    network's roster (not a reading fault: the 69 net_* forms all match it)."""
    network = read_network(SAMPLE)
    (message,) = [w for w in network.warnings if "not in the roster" in w]
    assert message.startswith("400 form(s) of dentists not in the roster")
    assert "CRO + UF is not in roster.csv" in message and "case_" in message
    assert "still use them" in message and "add their dentists to roster.csv" in message
    assert network.cases["source"].str.startswith("net_").all() and len(network.cases) == 69
