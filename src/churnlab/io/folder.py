"""From a data folder ('Batch CLI', docs/concepts/contracts/batch-cli.md) to the tables models learn from.

A data folder holds ``forms/`` (retention forms, any supported layout) and,
optionally, ``glosas.csv`` (the operator's glosa export, or ``glosas.parquet``).
:func:`load_data_dir` reads both, keeping going past bad forms, and streams
the export: it keeps per-dentist monthly sums for the network model and the
rows of the forms' dentists only, for their case features; :func:`case_table` gives, for each
parsed case, the labels models learn from: the outcome and the action tried.

Several ticked action boxes count as the first one in the form's order
(:data:`~churnlab.io.records.ACTIONS`: new prices, support, publicity, training,
refresher, other); no box ticked is ``none``.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from churnlab.errors import DataError
from churnlab.io.batch import FormBatch, form_paths, read_forms
from churnlab.io.glosa_months import GlosaRead, read_glosa_months
from churnlab.io.keys import dentist_key
from churnlab.io.sources import find_source


@dataclass
class DataFolder:
    """A read data folder: the parsed forms (with failures) and the glosa export, if any.

    ``glosa_read`` holds the export's monthly sums, rejects and row count;
    ``glosas`` the rows of the forms' dentists (what case features read).
    """

    path: Path
    forms: FormBatch
    glosa_read: GlosaRead | None

    @property
    def glosas(self) -> pd.DataFrame | None:
        """The glosa rows of the forms' dentists (bad rows of the whole export in ``.attrs["rejects"]``)."""
        if self.glosa_read is None or self.glosa_read.rows is None:
            return None
        return self.glosa_read.rows.frame()


def read_folder_glosas(
    path: str | os.PathLike[str], keep_rows_of: Collection[str] | bool = True, progress: bool = False
) -> GlosaRead | None:
    """The data folder's glosa export streamed (None when absent): monthly sums, kept rows, rejects.

    ``keep_rows_of`` as :func:`~churnlab.io.glosa_months.read_glosa_months`:
    the dentist keys whose rows to keep, or True for every row.
    """
    source = find_source(path, "glosas")
    return None if source is None else read_glosa_months(source, keep_rows_of=keep_rows_of, progress=progress)


def glosa_rejects(glosas: GlosaRead | pd.DataFrame | None) -> list[tuple[str, str]]:
    """``(where, why)`` for each glosa row left out, so a batch can report it."""
    if glosas is None:
        return []
    rejects = glosas.rejects if isinstance(glosas, GlosaRead) else glosas.attrs.get("rejects", [])
    name = glosas.name if isinstance(glosas, GlosaRead) else "glosas.csv"
    return [
        (f"{name} line {r['line']}", (f"column {r['column']!r}: " if r["column"] else "") + r["reason"])
        for r in rejects
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

    Of the glosa export only the forms' dentists' rows are kept (with the
    monthly sums of all): memory follows them, not the export.

    Raises
    ------
    DataError
        As :func:`form_files`.
    """
    forms = read_forms(form_files(path), progress=progress)
    dentists = {dentist_key(case.cro, case.cro_uf or case.uf) for case in forms}
    return DataFolder(Path(path), forms, read_folder_glosas(path, keep_rows_of=dentists, progress=progress))
