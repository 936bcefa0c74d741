"""The retention desk's loop: offers recorded, outcomes recorded, the report judged against the truth."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.app.loop_simulation import simulate_loop
from churnlab.models.persistence import load_model
from churnlab.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
runner = CliRunner()


@pytest.fixture
def folder(tmp_path) -> Path:
    """A data folder of the sample's forms (open and closed), no network files."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE / "forms", data / "forms")
    shutil.copy(SAMPLE / "glosas.csv", data / "glosas.csv")
    return data


def test_worklist_records_offers_once_and_marks_explored_rows(folder, tmp_path):
    store = tmp_path / "store.db"
    args = [
        "worklist",
        str(folder),
        "--out",
        str(tmp_path / "w.html"),
        "--store",
        str(store),
        "--explore",
        "0.3",
        "--csv",
        "plain",  # True/False, to count
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert re.search(
        r"case store: run 1: \d+ offers recorded; \d+ closed case\(s\) new or changed", first.output
    )
    again = runner.invoke(app, args)
    assert "recorded before (run 1): nothing new; 0 closed case(s) new or changed" in again.output
    decisions = open_store(store).decisions()
    listed = pd.read_csv(tmp_path / "w.csv")
    assert len(decisions) == len(listed) and decisions["case_key"].is_unique
    explored = listed["Exploração (oferta sorteada)"]
    assert explored.sum() == decisions["explored"].sum() > 0
    assert "case_key" not in listed and "offer_probability" not in listed  # the store keeps those
    page = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert page.count('class="explored"') == explored.sum()


def test_report_on_a_store_with_closed_cases_in_both_languages(tmp_path):
    store = open_store(tmp_path / "s.db")
    simulate_loop(load_model(), store, months=3, cases_per_month=60, explore=0.2, seed=3)
    for lang, words in (("pt", "Retenção por política"), ("en", "Retention by policy")):
        out = tmp_path / f"report_{lang}.html"
        result = runner.invoke(
            app, ["report", "--store", str(tmp_path / "s.db"), "--out", str(out), "--lang", lang]
        )
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert words in page and "data:image/png;base64," in page
        assert "http://" not in page and "https://" not in page
    months = pd.read_csv(tmp_path / "report_en.csv")
    assert months["cases"].tolist() == [60, 60, 60]


def test_report_without_a_store_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "no case store" in result.output
    typo = tmp_path / "no_such" / "store.db"
    result = runner.invoke(app, ["report", "--store", str(typo), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and f"no case store at {typo}" in result.output
    assert not typo.parent.exists()  # a typo does not leave an empty store behind


def test_a_year_of_the_loop_the_report_covers_the_true_policy_value(tmp_path):
    """Twelve months with 10 % exploration: the doubly-robust estimate's 95 % interval holds the truth.

    ``benchmarks/bench_loop.py`` repeats this over many seeds (coverage in the README).
    """
    sim = simulate_loop(
        load_model(),
        open_store(tmp_path / "s.db"),
        months=12,
        cases_per_month=100,
        explore=0.1,
        follow=0.8,
        seed=7,
    )
    report = sim.report
    assert report.closed == report.recommended == 1200
    assert report.churnlab.low <= sim.true_churnlab <= report.churnlab.high
    assert report.practice.low <= sim.true_practice <= report.practice.high
    assert report.churnlab.high - report.churnlab.low < 0.08
    assert report.churnlab_reais.low <= sim.true_churnlab_reais <= report.churnlab_reais.high
    assert report.practice_reais.low <= sim.true_practice_reais <= report.practice_reais.high
    assert len(report.by_month) == 12


def test_batch_scoring_records_the_same_run_as_the_worklist(folder, tmp_path):
    store = tmp_path / "store.db"
    scored = runner.invoke(
        app,
        ["score", str(folder), "--out", str(tmp_path / "s.csv"), "--store", str(store), "--explore", "0.2"],
    )
    assert scored.exit_code == 0, scored.output
    assert re.search(r"case store: run 1: \d+ offers recorded; \d+ closed case\(s\)", scored.output)
    scores = pd.read_csv(tmp_path / "s.csv")
    open_rows = scores["status"] == "open"
    assert scores.loc[open_rows, "offered_action"].notna().all()
    assert scores.loc[~open_rows, "offered_action"].isna().all()
    listed = runner.invoke(
        app,
        [
            "worklist",
            str(folder),
            "--out",
            str(tmp_path / "w.html"),
            "--store",
            str(store),
            "--explore",
            "0.2",
        ],
    )
    assert "recorded before (run 1): nothing new" in listed.output  # same model, cases and offers
    assert len(open_store(store).decisions()) == open_rows.sum()
