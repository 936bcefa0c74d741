"""The README's Python example runs as written (from the repository root)."""

from __future__ import annotations

import re

from conftest import REPO


def test_readme_python_blocks_run(monkeypatch):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(REPO)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert len(namespace["batch"]) == 469 and not namespace["batch"].failures
    assert namespace["scores"]["priority"].tolist() == list(range(1, 470))
    assert namespace["at_risk"]["risk_90d"].between(0, 1).all() and len(namespace["at_risk"]) > 100
