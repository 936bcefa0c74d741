"""The Python scoring API: rows by position, typed reasons, folders with twin file names."""

from __future__ import annotations

import shutil

import churnlab as cl
from churnlab.models.risk import Reason
from conftest import CASE_RECORDS

TEXT = next(CASE_RECORDS.glob("001_*")).read_text(encoding="utf-8")


def test_forms_with_the_same_name_are_scored_apart():
    scores = cl.score([TEXT, TEXT.replace("3.843", "12")])  # both are "<text>"
    assert list(scores["source"]) == ["<text>", "<text>"]
    assert scores["dismissal_risk"].nunique() == 2


def test_twin_file_names_in_two_folders(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(next(CASE_RECORDS.glob("001_*")), tmp_path / folder / "form.md")
    scores = cl.score(tmp_path)
    assert sorted(scores["source"]) == ["a/form.md", "b/form.md"]


def test_reasons_are_structured():
    (reasons,) = cl.score(TEXT)["reasons"]
    assert reasons and all(isinstance(r, Reason) and r.contribution != 0 for r in reasons)
