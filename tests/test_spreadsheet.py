"""Formula injection: text from forms never reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.io.csv_writer import safe_cell
from churnlab.synthetic.generator import generate
from churnlab.synthetic.render import render_markdown

PAYLOADS = ['=HYPERLINK("http://x","y")', "+SUM(1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)"]
runner = CliRunner()


@pytest.mark.parametrize("payload", [*PAYLOADS, "\uff1dSUM(1)", " =1"])
def test_formula_text_is_neutralised(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("payload", ["\t=1", "\r=1", "\n+SUM(1)", "\r\n@SUM(1)"])
def test_a_formula_after_tabs_or_line_breaks_is_neutralised(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("payload", ["\x1b=1", "\x00=1", "\x0c-SUM(1)", "\u2028=1"])
def test_other_control_characters_become_spaces_and_the_formula_is_neutralised(payload):
    assert safe_cell(payload) == "' " + payload[1:]


@pytest.mark.parametrize("number", ["-12,5", "+3", "-1.234,56", "10%", "-0.5e3"])
def test_numbers_stay_numbers(number):
    assert safe_cell(number) == number


def _cells(path, delimiter=","):
    with open(path, encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle, delimiter=delimiter) for cell in row]


def test_no_output_a_person_opens_holds_a_formula(tmp_path):
    forms = tmp_path / "data" / "forms"
    forms.mkdir(parents=True)
    cases = [c for c in generate(40, seed=7, open_share=0.5).cases if c.status is None][:4]
    for case, payload in zip(cases, PAYLOADS, strict=True):
        case = case.model_copy(update={"dentist_name": payload, "city": payload})
        (forms / f"{payload[:6].replace('/', '_')}.md").write_text(render_markdown(case), encoding="utf-8")
    (forms / "=HYPERLINK(1).md").write_text("not a form", encoding="utf-8")  # a bad file, named to attack
    out = tmp_path / "scores.csv"
    assert runner.invoke(app, ["score", str(tmp_path / "data"), "--out", str(out)]).exit_code == 1
    result = runner.invoke(app, ["worklist", str(tmp_path / "data"), "--out", str(tmp_path / "w.html")])
    assert result.exit_code == 1, result.stderr
    files = {
        "scores.csv": _cells(out),
        "scores_rejects.csv": _cells(tmp_path / "scores_rejects.csv", ";"),
        "w.csv": _cells(tmp_path / "w.csv"),
    }
    for name, cells in files.items():
        formulas = [c for c in cells if c[:1] in "=+-@\t\r" and safe_cell(c) != c]
        assert not formulas, (name, formulas)
    everything = "".join(files["scores.csv"] + files["w.csv"])
    assert all(f"'{payload}" in everything for payload in PAYLOADS)
    assert "'=HYPERLINK(1).md" in files["scores_rejects.csv"]
