"""The batch job end to end through the CLI: synth → train → score, with bad input on the way."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.io.batch import read_forms
from churnlab.io.records import ACTION_LABELS
from conftest import CASE_RECORDS

CONTRACT_3 = [
    "source",
    "dismissal_risk",
    "best_action",
    *[f"p_retained_{label}" for label in ACTION_LABELS],
    "expected_gain",
]
runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data, model = root / "data", root / "model"
    result = runner.invoke(app, ["synth", str(data), "--n-cases", "240", "--seed", "5"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["train", str(data), "--out", str(model), "--seed", "0"])
    assert result.exit_code == 0, result.output
    return data, model


def test_parse_prints_parsed_record_json_lines(tmp_path):
    (tmp_path / "bad.txt").write_text("not a form", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(CASE_RECORDS), str(tmp_path / "bad.txt")])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in records] == ["retained", "dismissed"]
    assert records[1]["lives"] == 3843 and records[1]["glosas"][0]["code"] == "3040"
    assert "bad.txt: not a retention form" in result.stderr


def test_anonymize_needs_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("CHURNLAB_ANON_KEY", raising=False)
    monkeypatch.delenv("CHURNLAB_ANON_KEY_FILE", raising=False)
    result = runner.invoke(app, ["anonymize", str(CASE_RECORDS), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "CHURNLAB_ANON_KEY" in result.stderr


def test_anonymize_and_parse_anonymized(tmp_path, monkeypatch):
    monkeypatch.setenv("CHURNLAB_ANON_KEY", "a test key that is long enough")
    result = runner.invoke(app, ["anonymize", str(CASE_RECORDS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    original = [json.loads(x) for x in runner.invoke(app, ["parse", str(CASE_RECORDS)]).stdout.splitlines()]
    again = runner.invoke(app, ["parse", str(CASE_RECORDS), "--anonymize"]).stdout.splitlines()
    anonymized = [json.loads(x) for x in again]
    assert anonymized[1]["cpf"] != original[1]["cpf"] and anonymized[1]["lives"] == original[1]["lives"]
    assert anonymized[1]["dentist_name"] != original[1]["dentist_name"]


def test_train_writes_model_and_card(trained):
    _, model = trained
    card = json.loads((model / "card.json").read_text(encoding="utf-8"))
    assert {
        "churnlab_version",
        "trained_at",
        "data",
        "risk_holdout_metrics",
        "features",
        "recommender",
        "economics",
        "files",
    } <= set(card)
    assert card["data"]["closed_cases"] > 100
    metrics = card["risk_holdout_metrics"]
    assert metrics["churnlab risk model"]["auc"] > metrics["base rate"]["auc"]


def test_score_writes_every_form_ordered_by_priority(trained, tmp_path):
    data, model = trained
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(data), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert scores.columns[0] == "priority" and set(CONTRACT_3) <= set(scores.columns)
    assert len(scores) == len(list((data / "forms").iterdir()))
    is_open = scores["status"] == "open"  # open cases first, then the closed ones, each by priority
    assert is_open.iloc[: is_open.sum()].all()
    assert scores.loc[is_open, "expected_gain"].is_monotonic_decreasing
    assert scores.loc[~is_open, "expected_gain"].is_monotonic_decreasing
    assert set(scores["best_action"]) <= set(ACTION_LABELS)
    assert scores[[f"p_retained_{a}" for a in ACTION_LABELS]].stack().between(0, 1).all()
    assert (scores["status"] == "open").sum() > 20


def test_score_goes_on_past_bad_forms(trained, tmp_path):
    data, model = trained
    broken = tmp_path / "data"
    (broken / "forms").mkdir(parents=True)
    for path in sorted((data / "forms").iterdir())[:10]:
        (broken / "forms" / path.name).write_bytes(path.read_bytes())
    (broken / "forms" / "zz_empty.txt").write_bytes(b"")
    (broken / "forms" / "zz_binary.md").write_bytes(b"\x00\x01\x02")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(broken), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 1
    assert len(pd.read_csv(out)) == 10
    rejects = pd.read_csv(tmp_path / "scores_rejects.csv", sep=";")
    assert sorted(rejects["file"]) == ["zz_binary.md", "zz_empty.txt"]
    assert "2 rejected" in result.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such data folder"),
        (lambda d: d.mkdir(), "no forms/ folder"),
        (lambda d: (d / "forms").mkdir(parents=True), "the folder is empty"),
    ],
)
def test_train_on_bad_folders_says_why(tmp_path, setup, message):
    folder = tmp_path / "data"
    setup(folder)
    result = runner.invoke(app, ["train", str(folder), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert message in result.stderr


def test_train_needs_closed_cases(tmp_path):
    (tmp_path / "data" / "forms").mkdir(parents=True)
    for path in CASE_RECORDS.iterdir():
        (tmp_path / "data" / "forms" / path.name).write_bytes(path.read_bytes())
    result = runner.invoke(app, ["train", str(tmp_path / "data"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "training needs at least 20" in result.stderr


def test_glosa_csv_with_wrong_columns(trained, tmp_path):
    data, model = trained
    (tmp_path / "d" / "forms").mkdir(parents=True)
    first = sorted((data / "forms").iterdir())[0]
    (tmp_path / "d" / "forms" / first.name).write_bytes(first.read_bytes())
    (tmp_path / "d" / "glosas.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    result = runner.invoke(
        app, ["score", str(tmp_path / "d"), "--model", str(model), "--out", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 2
    assert "glosas.csv" in result.stderr and "CRO" in result.stderr


def test_score_refuses_a_tampered_model(trained, tmp_path):
    data, model = trained
    copy = tmp_path / "model"
    copy.mkdir()
    for path in model.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    risk = copy / "risk.skops"
    risk.write_bytes(risk.read_bytes() + b"\x00")
    result = runner.invoke(app, ["score", str(data), "--model", str(copy), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert "differ from the hash" in result.stderr


def test_small_data_trains_with_warnings_and_scores_every_action(tmp_path):
    data, model, out = tmp_path / "d", tmp_path / "m", tmp_path / "s.csv"
    assert runner.invoke(app, ["synth", str(data), "--n-cases", "90", "--seed", "4"]).exit_code == 0
    result = runner.invoke(app, ["train", str(data), "--out", str(model)])
    assert result.exit_code == 0, result.output
    assert "warning: actions" in result.stderr and "fewer than 10 training cases" in result.stderr
    assert runner.invoke(app, ["score", str(data), "--model", str(model), "--out", str(out)]).exit_code == 0
    scores = pd.read_csv(out)
    rare = json.loads((model / "card.json").read_text(encoding="utf-8"))["warnings"]
    assert rare
    assert not scores.filter(like="p_retained_").isna().any().any()
    assert not set(scores["best_action"]) & {"publicity", "training", "refresher", "other"}


def test_too_few_cases_without_action_is_a_clear_error(tmp_path):
    data = tmp_path / "d"
    assert runner.invoke(app, ["synth", str(data), "--n-cases", "40", "--seed", "3"]).exit_code == 0
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "cannot fit the action recommender: only 7 training cases with action 'none'" in result.stderr


def test_worklist_with_pseudonyms(trained, tmp_path, monkeypatch):
    data, model = trained
    monkeypatch.setenv("CHURNLAB_ANON_KEY", "a test key that is long enough")
    out = tmp_path / "w.html"
    result = runner.invoke(
        app, ["worklist", str(data), "--model", str(model), "--out", str(out), "--pseudonymize"]
    )
    assert result.exit_code == 0, result.output
    listed = pd.read_csv(out.with_suffix(".csv"), sep=";", encoding="utf-8-sig")
    assert listed["Dentista"].dropna().str.fullmatch(r"Pessoa [0-9A-Z]{6}").all()
    names = {c.dentist_name for c in read_forms(data / "forms") if c.dentist_name}
    page = out.read_text(encoding="utf-8")
    assert not [n for n in names if n in page]


def test_bad_glosa_rows_are_reported_not_dropped(trained, tmp_path):
    data, model = trained
    folder = tmp_path / "d"
    (folder / "forms").mkdir(parents=True)
    for path in sorted((data / "forms").iterdir())[:5]:
        (folder / "forms" / path.name).write_bytes(path.read_bytes())
    (folder / "glosas.csv").write_text(
        "CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado\n"
        "1234;BA;1;02/2023;20/01/2023;3040;GLOSA;85,50\n"
        "1234;BA;2;02/2023;31/02/2023;3040;GLOSA;10,00\n",
        encoding="utf-8",
    )
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["score", str(folder), "--model", str(model), "--out", str(out)])
    assert result.exit_code == 1
    rejects = pd.read_csv(tmp_path / "s_rejects.csv", sep=";")
    assert rejects["file"].tolist() == ["glosas.csv line 3"]
    assert "31/02/2023" in rejects["reason"].iloc[0] and len(pd.read_csv(out)) == 5
