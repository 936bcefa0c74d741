"""No traceback ever reaches a user: odd folders, odd outputs, odd files, and a bug."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.synthetic.generator import generate
from churnlab.synthetic.render import render_markdown
from conftest import CASE_RECORDS, REPO

runner = CliRunner()
SAMPLE = REPO / "data" / "sample"


def _invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def _folder(tmp_path, cases, render=render_markdown):
    forms = tmp_path / "forms"
    forms.mkdir(parents=True)
    for case in cases:
        (forms / f"{case.source}.md").write_text(render(case), encoding="utf-8")
    return tmp_path


def test_train_with_one_retained_case_is_a_clear_error(tmp_path):
    data = generate(200, seed=2, open_share=0.0)
    retained = [c for c in data.cases if c.status == "retained"][:1]
    dismissed = [c for c in data.cases if c.status == "dismissed"][:20]
    result = _invoke("train", _folder(tmp_path / "d", retained + dismissed), "--out", tmp_path / "m")
    assert result.exit_code == 2
    assert "21 closed cases usable (20 dismissed, 1 retained)" in result.stderr
    assert "at least 5 cases of each outcome" in result.stderr


def test_train_on_unreadable_forms_counts_and_names_the_reasons(tmp_path):
    forms = tmp_path / "d" / "forms"
    forms.mkdir(parents=True)
    for i in range(3):
        (forms / f"{i}.txt").write_text("Relatório mensal de produção\n", encoding="utf-8")
    result = _invoke("train", tmp_path / "d", "--out", tmp_path / "m")
    assert result.exit_code == 2
    assert "no form could be read (3 refused; most common: 3 × not a retention form" in result.stderr


def test_score_into_a_folder_and_train_into_a_file_are_usage_errors(tmp_path):
    result = _invoke("score", SAMPLE, "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.stderr
    (tmp_path / "file").write_text("x")
    result = _invoke("train", SAMPLE, "--out", tmp_path / "file")
    assert result.exit_code == 2 and "exists and is not a folder" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_skipped_not_read(tmp_path):
    fifo = tmp_path / "form.txt"
    os.mkfifo(fifo)
    result = _invoke("parse", fifo)
    assert result.exit_code == 1 and "form.txt: not a regular file" in result.stderr


def test_glosa_rows_with_impossible_dates_are_rejected_not_fatal(tmp_path):
    shutil.copytree(SAMPLE / "forms", tmp_path / "d" / "forms")
    header, row = (SAMPLE / "glosas.csv").read_text(encoding="utf-8").splitlines()[:2]
    fields = row.split(";")
    rows = [";".join([*fields[:4], date, *fields[5:]]) for date in ("01/01/1500", "31/12/9999", "2263")]
    (tmp_path / "d" / "glosas.csv").write_text("\n".join([header, row, *rows]) + "\n", encoding="utf-8")
    result = _invoke("score", tmp_path / "d", "--out", tmp_path / "s.csv")
    assert result.exit_code == 1
    rejects = (tmp_path / "s_rejects.csv").read_text(encoding="utf-8")
    assert "year 1500" in rejects and "year 9999" in rejects and "'2263' is not a date" in rejects


def test_an_internal_error_is_one_line_and_exit_3(monkeypatch, tmp_path):
    import churnlab.io.batch

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(churnlab.io.batch, "parse_form", broken)
    result = _invoke("parse", CASE_RECORDS)
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "churnlab: internal error: RuntimeError: simulated bug (run with --debug for the traceback)"
    )
    debug = runner.invoke(app, ["--debug", "parse", str(CASE_RECORDS)])
    assert isinstance(debug.exception, RuntimeError)


def test_parse_summary_counts_parsed_refused_and_warned(tmp_path):
    shutil.copytree(CASE_RECORDS, tmp_path / "f")
    (tmp_path / "f" / "bad.txt").write_text("hello", encoding="utf-8")
    text = next(CASE_RECORDS.glob("001_*")).read_text(encoding="utf-8")
    (tmp_path / "f" / "cut.md").write_text(text[: text.index("## Setor responsável")], encoding="utf-8")
    result = _invoke("parse", tmp_path / "f", "--summary")
    assert result.exit_code == 1
    assert re.search(r"parsed\s+3\s+\(1 with warnings\)", result.stdout)
    assert re.search(r"refused\s+1\n\s+1\s+not a retention form", result.stdout)
    assert re.search(r"1\s+section 'Setor responsável' absent", result.stdout)


def test_parse_summary_is_the_library_count(tmp_path):
    """``churnlab parse --summary`` prints what :func:`summarize_forms` counts, for a notebook too."""
    from churnlab.app.parse_summary import summarize_forms

    shutil.copytree(CASE_RECORDS, tmp_path / "f")
    (tmp_path / "f" / "bad.txt").write_text("hello", encoding="utf-8")
    summary = summarize_forms([tmp_path / "f"])
    assert summary.parsed == len(list(CASE_RECORDS.iterdir())) and sum(summary.refused.values()) == 1
    result = _invoke("parse", tmp_path / "f", "--summary")
    assert result.stdout.splitlines() == summary.lines()


def test_parse_prints_warnings_with_the_file_name(tmp_path):
    text = next(CASE_RECORDS.glob("001_*")).read_text(encoding="utf-8")
    (tmp_path / "cut.md").write_text(text[: text.index("## Setor responsável")], encoding="utf-8")
    result = _invoke("parse", tmp_path / "cut.md")
    assert result.exit_code == 0
    assert "churnlab: cut.md: warning: section 'Setor responsável' absent" in result.stderr


# Broken data folders: odd bytes, half forms, wrong CSVs, folders where files belong.
_CONTENT = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=300),
    st.sampled_from(["Formulário - Processo de Retenção\n", "CRO;UF\n1;SP\n", "\ufeff", "☒ ☐ ?"]),
    st.builds(
        lambda text, cut: text[:cut],
        st.just(next(CASE_RECORDS.glob("001_*")).read_text("utf-8")),
        st.integers(0, 6000),
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    forms=st.lists(_CONTENT, max_size=4),
    glosas=st.none() | _CONTENT,
    command=st.sampled_from(["parse", "train", "score", "worklist"]),
)
def test_no_command_prints_a_traceback_on_broken_folders(tmp_path_factory, forms, glosas, command):
    data = tmp_path_factory.mktemp("broken")
    (data / "forms").mkdir()
    for i, content in enumerate(forms):
        path = data / "forms" / f"{i}.md"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    if glosas is not None:
        (data / "glosas.csv").write_bytes(
            glosas if isinstance(glosas, bytes) else glosas.encode("utf-8", "surrogatepass")
        )
    out = data / ("out.csv" if command != "train" else "model")
    args = {
        "parse": ["parse", data / "forms"],
        "train": ["train", data, "--out", out],
        "score": ["score", data, "--out", out],
        "worklist": ["worklist", data, "--out", out],
    }[command]
    result = _invoke(*args)
    assert result.exit_code in (0, 1, 2), result.stderr


def test_forms_without_trailing_sections_train_and_score_as_well(tmp_path):
    """The 6,000-export case: the optional trailing sections absent from every form."""
    import numpy as np
    import pandas as pd

    cases = generate(400, seed=11).cases
    full = _folder(tmp_path / "full", cases)
    cut = _folder(
        tmp_path / "cut",
        cases,
        render=lambda case: re.split(r"(?m)^## Necessário abertura", render_markdown(case))[0],
    )
    scores = {}
    for name, data in (("full", full), ("cut", cut)):
        model = tmp_path / f"model_{name}"
        result = _invoke("train", data, "--out", model)
        assert result.exit_code == 0, result.stderr
        assert _invoke("score", data, "--model", model, "--out", tmp_path / f"{name}.csv").exit_code == 0
        scores[name] = pd.read_csv(tmp_path / f"{name}.csv").set_index("source").sort_index()
    assert len(scores["cut"]) == len(scores["full"]) == 400
    gap = np.abs(scores["cut"]["dismissal_risk"] - scores["full"]["dismissal_risk"])
    assert gap.mean() < 0.02, gap.describe()


@pytest.mark.parametrize("args", [["network", "--bogus"], ["score"], ["train", "x", "--seed", "abc"]])
def test_usage_errors_are_clicks_exit_2_not_internal(args):
    """Whichever click typer runs on (its own copy since 0.29), a usage error is a usage error."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr + result.stdout
