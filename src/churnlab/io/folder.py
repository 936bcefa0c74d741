"""From a data folder ('Batch CLI', docs/concepts/contracts/batch-cli.md) to the tables models learn from.

A data folder holds ``forms/`` (retention forms, any supported layout) and,
optionally, ``glosas.csv`` (the operator's glosa export). :func:`load_data_dir`
reads both, keeping going past bad forms; :func:`case_table` gives, for each
parsed case, the labels models learn from: the outcome and the action tried.

Several ticked action boxes count as the first one in the form's order
(:data:`~churnlab.io.records.ACTIONS`: new prices, support, publicity, training,
refresher, other); no box ticked is ``none``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from churnlab.errors import DataError
from churnlab.io.batch import FormBatch, form_paths, read_forms
from churnlab.io.glosas import read_glosa_csv


@dataclass
class DataFolder:
    """A read data folder: the parsed forms (with failures) and the glosa export, if any."""

    path: Path
    forms: FormBatch
    glosas: pd.DataFrame | None


def read_folder_glosas(path: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The data folder's ``glosas.csv`` (None when absent); bad rows are in ``.attrs["rejects"]``."""
    glosa_path = Path(path) / "glosas.csv"
    return read_glosa_csv(glosa_path, errors="collect") if glosa_path.is_file() else None


def glosa_rejects(glosas: pd.DataFrame | None) -> list[tuple[str, str]]:
    """``(where, why)`` for each glosa row left out, so a batch can report it."""
    if glosas is None:
        return []
    return [
        (f"glosas.csv line {r['line']}", (f"column {r['column']!r}: " if r["column"] else "") + r["reason"])
        for r in glosas.attrs.get("rejects", [])
    ]


def form_files(path: str | os.PathLike[str]) -> list[Path]:
    """The form files of a data folder's ``forms/`` (recursively, sorted, hidden files left out).

    Raises
    ------
    DataError
        When the folder or its ``forms/`` subfolder is missing or holds no file.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError(f"{path}: no such data folder (expected forms/ and optionally glosas.csv)")
    forms_dir = path / "forms"
    if not forms_dir.is_dir():
        raise DataError(f"{path}: no forms/ folder; put the retention forms in {forms_dir}")
    paths = form_paths(forms_dir)
    if not paths:
        raise DataError(f"{forms_dir}: the folder is empty; nothing to read")
    return paths


def load_data_dir(path: str | os.PathLike[str], progress: bool = False) -> DataFolder:
    """Read ``path/forms/`` and ``path/glosas.csv`` (optional); ``progress`` shows a bar.

    Raises
    ------
    DataError
        As :func:`form_files`.
    """
    forms = read_forms(form_files(path), progress=progress)
    return DataFolder(Path(path), forms, read_folder_glosas(path))
