"""The package's shape: stages import downward only, small modules, an installable wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "churnlab"
MAX_MODULE_LINES = 600


def test_layers_import_downward_only():
    """import-linter's layers contract (pyproject.toml) holds.

    Run in a subprocess: import-linter reconfigures logging, which would
    silence other tests' log captures.
    """
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(REPO / 'pyproject.toml')!r}))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_no_module_over_600_lines():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_import_churnlab_loads_no_heavy_library():
    """``import churnlab`` (and so ``churnlab --help``) imports neither pandas nor scikit-learn (nor Dask)."""
    code = (
        "import sys, churnlab, churnlab.app.cli; "
        "print(sorted(m for m in ('pandas', 'sklearn', 'scipy', 'fastapi', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_api_names_resolve():
    import churnlab as cl

    for name in cl.__all__:
        assert getattr(cl, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute"):
        _ = cl.not_a_name


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git for a clean copy")
def test_wheel_installs_and_scores_with_the_bundled_model(tmp_path):
    """A non-editable install, run from another folder, scores a copy of data/sample.

    It reports pyproject.toml's version (the one source). PYTHONPATH is dropped
    for the venv's commands, so they cannot import the source tree instead.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("churnlab-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True)  # no pip of its own: this one installs into it
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(bin_dir / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        cwd=tmp_path,
        env=env,
    )
    data = tmp_path / "elsewhere" / "sample"
    shutil.copytree(REPO / "data" / "sample", data)
    where, version = subprocess.run(
        [str(bin_dir / "python"), "-c", "import churnlab; print(churnlab.__file__, churnlab.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout.rsplit(maxsplit=1)
    assert str(env_dir) in where, "the test must run the installed wheel, not the source tree"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert version == pyproject["project"]["version"]
    result = subprocess.run(
        [str(bin_dir / "churnlab"), "score", str(data), "--out", "scores.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "scores.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 469


def test_python_dash_m_churnlab_runs_the_cli():
    """``python -m churnlab`` is the ``churnlab`` command (the Makefile runs it, no virtualenv needed)."""
    result = subprocess.run([sys.executable, "-m", "churnlab", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Usage: churnlab" in result.stdout and "worklist" in result.stdout
