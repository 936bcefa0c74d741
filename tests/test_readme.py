"""The README works as written, from a fresh copy of its files.

Its Python quick start runs; its shell commands run in order and succeed (all but the set-up ones,
which install the project or run this suite); every file it links to exists.
"""

from __future__ import annotations

import re
import shlex
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")

SETUP = ("make ", "pip ", "python -m venv", "python -m pytest")
"""Set-up commands the test leaves out: they install churnlab or run this suite."""


def readme_commands() -> list[str]:
    """The README's shell commands in order, comments stripped, set-up commands left out."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#") and not command.startswith(SETUP):
                commands.append(command)
    return commands


def test_readme_python_blocks_run(monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(REPO)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert len(namespace["batch"]) == 469 and not namespace["batch"].failures
    assert namespace["scores"]["priority"].tolist() == list(range(1, 470))
    assert namespace["at_risk"]["risk_90d"].between(0, 1).all() and len(namespace["at_risk"]) > 100


def test_readme_commands_are_known():
    """Each command the README shows is one this test knows how to run safely."""
    commands = readme_commands()
    assert commands, "the README shows commands to try"
    unknown = [c for c in commands if shlex.split(c)[0] != "churnlab"]
    assert not unknown, f"README commands this test cannot run safely: {unknown} (add to SETUP, or run them)"


def test_readme_commands_run_in_order(tmp_path, monkeypatch):
    """The commands, in the README's order, in a copy of data/, with the bundled model: all succeed.

    ``churnlab`` runs in-process, the app the script runs (``cli:app``), on this checkout's
    code; in one process the commands share their imports (a shell pays them four times).
    test_layout.py runs ``python -m churnlab`` and an installed wheel's ``churnlab`` script.
    """
    shutil.copytree(REPO / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    for command in readme_commands():
        done = CliRunner().invoke(app, shlex.split(command)[1:])
        assert done.exit_code == 0, f"`{command}` exited {done.exit_code}:\n{done.stderr[-2000:]}"
        assert done.exception is None and "Traceback" not in done.stderr, f"`{command}`: {done.exception!r}"
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    assert len(scores) == 469 and scores["priority"].tolist() == list(range(1, 470))
    assert (tmp_path / "out" / "worklist.html").stat().st_size > 0
    network = pd.read_csv(tmp_path / "out" / "network_scores.csv")
    assert network["risk_90d"].between(0, 1).all() and len(network) > 100


def _links(text: str) -> list[str]:
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in target]


@pytest.mark.parametrize("target", sorted(set(_links(README))))
def test_readme_links_exist(target):
    path = REPO / target.split("#", 1)[0]
    assert path.exists(), f"README links to {target}, which does not exist"


def test_readme_links_the_front_door_pages():
    linked = {target.split("#", 1)[0] for target in _links(README)}
    notebooks = {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")}
    assert len(notebooks) == 5 and notebooks <= linked, f"notebooks not linked: {notebooks - linked}"
    assert {"LICENSE", "CHANGELOG.md", "docs/index.md", "docs/getting-started.md"} <= linked
    assert len(README.splitlines()) <= 200, "the README is a front door: the manual lives in docs/"
