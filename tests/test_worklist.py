"""The retention leads' worklist: ranked open cases, a budget chart, filters, no network loads."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from _models import SAMPLE, sample_model
from churnlab.app.cli import app
from churnlab.app.scoring import score
from churnlab.app.worklist import (
    action_words,
    budget_curve,
    column_title,
    make_worklist,
    worklist_scores,
    worklist_table,
    write_worklist,
)
from churnlab.i18n import probability, say
from churnlab.models.risk import Reason

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def model():
    return sample_model()


@pytest.fixture(scope="module")
def all_scores(model) -> pd.DataFrame:
    return score(SAMPLE / "forms", model)


@pytest.fixture(scope="module")
def open_scores(model) -> pd.DataFrame:
    scores, failures = worklist_scores(SAMPLE, model)
    assert failures == []
    return scores


@pytest.fixture(scope="module", params=["pt", "en"])
def page(open_scores, tmp_path_factory, request) -> Path:
    return write_worklist(
        open_scores,
        tmp_path_factory.mktemp(f"worklist_{request.param}") / "worklist.html",
        lang=request.param,
    )


def _lang(page: Path) -> str:
    return "pt" if '<html lang="pt-BR">' in page.read_text(encoding="utf-8") else "en"


class _Rows(HTMLParser):
    """Cells of the worklist table's body rows, and every URL-bearing attribute of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.urls: list[tuple[str, str, str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._cell is not None:
            self._cell.append(" ")  # <div>, <li> inside a cell: keep words apart
        for name in ("src", "href", "action", "data", "poster"):
            if name in attrs:
                self.urls.append((tag, name, attrs[name] or ""))
        if tag == "tr" and "data-uf" in attrs:
            self.rows.append({"uf": attrs["data-uf"], "action": attrs["data-action"], "cells": []})
        elif tag == "td" and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_page(path: Path) -> _Rows:
    parser = _Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------------------- table and curve


def test_worklist_scores_are_the_open_cases(all_scores, open_scores):
    expected = all_scores[all_scores["status"] == "open"]
    assert len(open_scores) == len(expected) > 0
    assert set(open_scores["source"]) == set(expected["source"])
    assert (open_scores["status"] == "open").all()


def test_worklist_table_ranks_open_cases_by_expected_gain(all_scores):
    table = worklist_table(all_scores)
    assert (table["status"] == "open").all()
    assert len(table) == int((all_scores["status"] == "open").sum())
    assert table["priority"].tolist() == list(range(1, len(table) + 1))
    assert table["expected_gain"].is_monotonic_decreasing


def test_budget_curve_ends_at_the_total(open_scores):
    total = open_scores["expected_gain"].sum()
    for order_by in ("expected_gain", "dismissal_risk"):
        curve = budget_curve(open_scores, order_by)
        assert curve.index.name == "calls"
        assert curve.iloc[0] == 0.0 and len(curve) == len(open_scores) + 1
        assert curve.iloc[-1] == pytest.approx(total)
        assert curve.is_monotonic_increasing  # gains are >= 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1)), min_size=1, max_size=40))
def test_ranking_by_gain_is_never_behind_ranking_by_risk(rows):
    scores = pd.DataFrame(rows, columns=["expected_gain", "dismissal_risk"])
    by_gain = budget_curve(scores, "expected_gain").to_numpy()
    by_risk = budget_curve(scores, "dismissal_risk").to_numpy()
    assert np.all(by_gain >= by_risk - 1e-6 * (1 + np.abs(by_risk)))


def test_budget_curve_names_a_bad_column(open_scores):
    with pytest.raises(KeyError, match="no such column"):
        budget_curve(open_scores, "priority_score")


# ---------------------------------------------------------------------------- the page


def test_page_lists_rows_in_order(page, open_scores):
    rows = parse_page(page).rows
    table = worklist_table(open_scores)
    table = table[~table["out_of_reach"]]  # listed apart, after the ranked rows
    assert len(rows) == len(table)
    assert [int(r["cells"][0]) for r in rows] == list(range(1, len(table) + 1))
    assert [r["cells"][1].split()[-1] for r in rows] == table["source"].tolist()
    first, top = rows[0], table.iloc[0]
    assert first["uf"] == top["uf"] and first["action"] == top["best_action"]
    lang = _lang(page)
    assert f"CRO {top['cro']}" in first["cells"][1]
    assert first["cells"][4] == probability(top["dismissal_risk"], lang)
    assert first["cells"][5].startswith(action_words(lang)[top["best_action"]])
    assert first["cells"][6].startswith("R$ ")
    separators = {"pt": (".", ","), "en": (",", ".")}[lang]  # thousands, decimals: R$ 3.193,53 / R$ 3,193.53
    assert first["cells"][6][-3] == separators[1] and separators[0] in first["cells"][6]


def test_page_speaks_its_language(page):
    text = page.read_text(encoding="utf-8")
    lang = _lang(page)
    assert f"<h1>{say('page.title', lang)}</h1>" in text
    assert ("Principais motivos" in text) == (lang == "pt") and ("Top reasons" in text) == (lang == "en")
    assert ("Oferecer" in text) == (lang == "pt")


def test_page_loads_nothing_from_the_network(page):
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert "//" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text).replace(
        "://", ""
    )  # no protocol-relative URLs either
    urls = parse_page(page).urls
    assert urls and all(value.startswith("data:image/png;base64,") for _, _, value in urls)
    assert "<link" not in text and "<script src" not in text
    assert "default-src 'none'" in text  # the page's own policy forbids loads


def test_page_escapes_what_the_forms_say(tmp_path, open_scores):
    scores = open_scores.head(3).copy()
    scores.loc[scores.index[0], "dentist"] = "<script>alert(1)</script>"
    scores["reasons"] = [
        [
            Reason("x", 1.0, 0.5, "feature.unknown", (("name", "a & b"),)),
            Reason("y", 2.0, 0.2, "feature.unknown", (("name", "<b>bold</b>"),)),
        ]
    ] * len(scores)
    text = write_worklist(scores, tmp_path / "w.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text


def test_csv_beside_the_page(page, open_scores):
    lang = _lang(page)
    table = pd.read_csv(page.with_suffix(".csv"), sep=";", decimal=",", encoding="utf-8-sig")
    assert table[say("column.source", lang)].tolist() == worklist_table(open_scores)["source"].tolist()
    assert table[say("column.priority", lang)].tolist() == list(range(1, len(table) + 1))
    offers = {*action_words(lang).values(), say("page.out_of_reach_action", lang)}
    assert set(table[say("column.best_action_words", lang)]) <= offers
    assert table[say("column.opened_on", lang)].str.fullmatch(r"\d\d/\d\d/\d{4}").all()


def test_csv_alone(tmp_path, open_scores):
    out = write_worklist(open_scores, tmp_path / "list.csv")
    assert out == tmp_path / "list.csv" and out.is_file()
    assert not list(tmp_path.glob("*.html"))


def test_no_open_cases(tmp_path, all_scores):
    closed = all_scores[all_scores["status"] != "open"]
    out = write_worklist(closed, tmp_path / "w.html")
    assert "Nenhum caso aberto" in out.read_text(encoding="utf-8")
    assert len(pd.read_csv(out.with_suffix(".csv"), sep=";")) == 0


# ---------------------------------------------------------------------------- data folder and CLI


@pytest.fixture
def small_data(tmp_path) -> Path:
    forms = tmp_path / "data" / "forms"
    forms.mkdir(parents=True)
    for path in sorted((SAMPLE / "forms").iterdir())[:40]:
        shutil.copy(path, forms / path.name)
    (forms / "zz_broken.txt").write_text("not a form at all\n", encoding="utf-8")
    shutil.copy(SAMPLE / "glosas.csv", tmp_path / "data" / "glosas.csv")
    return tmp_path / "data"


def test_worklist_scores_keep_going_past_bad_files(small_data, model):
    scores, failures = worklist_scores(small_data, model)
    assert [name for name, _ in failures] == ["zz_broken.txt"]
    assert "not a retention form" in failures[0][1]
    assert len(scores) > 0 and (scores["status"] == "open").all()


@pytest.fixture
def cli_model(monkeypatch, model):
    """``churnlab worklist`` with load_model giving the session model (paths asked recorded)."""
    asked = []

    def fake_load_model(path=None):
        asked.append(path)
        return model

    monkeypatch.setattr("churnlab.models.persistence.load_model", fake_load_model)
    return asked


def test_cli_worklist_writes_page_and_csv(small_data, tmp_path, cli_model):
    out = tmp_path / "out" / "worklist.html"
    result = CliRunner().invoke(
        app, ["worklist", str(small_data), "--model", "some/model", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output  # the broken form is reported
    assert "zz_broken.txt" in result.output
    assert out.is_file() and out.with_suffix(".csv").is_file()
    assert cli_model == [Path("some/model")]


def test_cli_worklist_csv_only_and_clean_exit(small_data, tmp_path, cli_model):
    (small_data / "forms" / "zz_broken.txt").unlink()
    out = tmp_path / "w.csv"
    result = CliRunner().invoke(app, ["worklist", str(small_data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and not out.with_suffix(".html").exists()
    assert cli_model == [None]


def test_score_and_worklist_offer_the_same_actions(small_data, tmp_path, cli_model):
    """One folder scorer draws the offers for both commands: same folder, same share, same offers."""
    for args in (
        ["score", "--out", str(tmp_path / "scores.csv")],
        ["worklist", "--out", str(tmp_path / "w.csv"), "--lang", "en", "--csv", "plain"],
    ):
        result = CliRunner().invoke(app, [*args, str(small_data), "--explore", "0.5"])
        assert result.exit_code == 1, result.output  # zz_broken.txt
    scores = pd.read_csv(tmp_path / "scores.csv")
    opened = scores[scores["status"] == "open"]
    listed = pd.read_csv(tmp_path / "w.csv")
    assert opened["explored"].any() and not opened["explored"].all()
    listed = listed.set_index(column_title("source", "en")).loc[opened["source"]]  # out of reach: listed last
    assert listed[column_title("explored", "en")].tolist() == opened["explored"].tolist()
    words, apart = action_words("en"), say("page.out_of_reach_action", "en")
    for action, shown in zip(
        opened["offered_action"], listed[column_title("best_action_words", "en")], strict=True
    ):
        assert shown == words[action] or (action == "none" and shown == apart)
    assert scores.loc[scores["status"] != "open", "offered_action"].isna().all()


def test_the_worklist_is_a_library_call_that_leaves_its_inputs_alone(small_data, model, tmp_path):
    with pytest.raises(TypeError):  # it once filled a list its caller passed (closed=...)
        worklist_scores(small_data, model, closed=[])
    card = dict(model.card)
    run = make_worklist(small_data, model, tmp_path / "w.csv", explore=0.3, lang="en")
    assert model.card == card
    scores, failures = worklist_scores(small_data, model, explore=0.3)
    pd.testing.assert_frame_equal(run.scores, scores)
    assert run.failures == failures and run.network is None and run.recorded is None
    assert len(pd.read_csv(run.out, sep=";")) == len(scores)


def test_a_pseudonymised_worklist_leaves_the_scores_alone(small_data, model, tmp_path, monkeypatch):
    monkeypatch.setenv("CHURNLAB_ANON_KEY", "a test key, not a secret, 32 bytes long")
    run = make_worklist(small_data, model, tmp_path / "w.csv", pseudonymize=True, lang="en")
    assert run.scores["dentist"].str.startswith("Pessoa ").all()
    plain, _ = worklist_scores(small_data, model)
    assert not plain["dentist"].str.startswith("Pessoa ").any()


def test_cli_worklist_without_forms_is_a_usage_error(tmp_path, cli_model):
    result = CliRunner().invoke(app, ["worklist", str(tmp_path), "--out", str(tmp_path / "w.html")])
    assert result.exit_code == 2
    assert "no forms/ folder" in result.output


# ---------------------------------------------------------------------------- a real browser


def _browser():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed: pip install playwright (no `playwright install`)")
    return sync_playwright


def test_page_in_headless_chromium(page, open_scores, tmp_path):
    sync_playwright = _browser()
    table = worklist_table(open_scores)
    table = table[~table["out_of_reach"]]
    uf = table["uf"].value_counts().index[-1]  # a UF with few rows, so the filter visibly works
    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.goto(page.as_uri())
            lang = _lang(page)
            assert tab.evaluate("document.documentElement.lang") == {"pt": "pt-BR", "en": "en"}[lang]
            assert tab.inner_text("h1") == say("page.title", lang)
            assert say("page.showing", lang, shown=len(table), total=len(table)) in tab.inner_text(".filters")
            rows = tab.locator("#worklist tbody tr")
            assert rows.count() == len(table)
            assert tab.locator("#worklist tbody tr td:first-child").all_inner_texts() == [
                str(i) for i in range(1, len(table) + 1)
            ]
            assert tab.locator(".chart img").evaluate("img => img.naturalWidth") > 0

            tab.select_option("#filter-uf", uf)
            visible = tab.locator("#worklist tbody tr:visible")
            expected = table[table["uf"] == uf]
            assert visible.count() == len(expected) < len(table)
            assert set(visible.evaluate_all("rs => rs.map(r => r.dataset.uf)")) == {uf}
            assert visible.locator("td:first-child").all_inner_texts() == [
                str(p) for p in expected["priority"]
            ]
            assert tab.inner_text("#shown") == str(len(expected))

            action = expected["best_action"].iloc[0]
            tab.select_option("#filter-action", action)
            both = expected[expected["best_action"] == action]
            assert tab.locator("#worklist tbody tr:visible").count() == len(both) >= 1

            tab.select_option("#filter-uf", "")
            tab.select_option("#filter-action", "")
            assert tab.locator("#worklist tbody tr:visible").count() == len(table)

            tab.select_option("#filter-uf", uf)
            shot = tmp_path / "worklist.png"
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    print(f"worklist screenshot: {shot}")
    assert requests == [page.as_uri()], requests  # the page itself and nothing else
    assert errors == []


def test_workbook_beside_the_page_speaks_its_language_and_formats_cells(page):
    from openpyxl import load_workbook

    from churnlab.app.excel import DATE_FORMAT, MONEY_FORMAT, PROBABILITY_FORMAT

    lang = _lang(page)
    book = load_workbook(page.with_suffix(".xlsx"))
    sheet = book[say("sheet.open_cases", lang)]
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row[say("column.expected_gain", lang)].number_format == MONEY_FORMAT
    assert row[say("column.dismissal_risk", lang)].number_format == PROBABILITY_FORMAT
    assert row[say("column.opened_on", lang)].number_format == DATE_FORMAT
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
