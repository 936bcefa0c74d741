"""Notebooks stay reviewable: each .ipynb has its jupytext twin in sync, and no stored outputs.

(The notebooks themselves are executed top to bottom by nbmake, as part of the suite.)
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_five_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_case_records",
        "02_train_and_evaluate",
        "03_prioritise",
        "04_network_risk",
        "05_retention_desk",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_twin_in_sync_and_outputs_cleared(path):
    notebook = jupytext.read(path)
    twin = jupytext.read(path.with_suffix(".py"))
    cells = [(c.cell_type, c.source) for c in notebook.cells]
    assert cells == [(c.cell_type, c.source) for c in twin.cells], (
        f"{path.name} and its .py twin differ: run `jupytext --sync {path}`"
    )
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, (
                f"{path.name} has stored outputs: clear them before committing"
            )
