"""The report page a retention lead reads, and the older form's combined training/refresher box.

A month of the desk on the bundled sample: ``churnlab worklist --store --explore 0.1`` records the
99 open cases' offers; each case is then closed on its form as a lead would (the list's offer made
80 % of the time, else what the analysts did; the outcome drawn from the generator's truth), the
plain-text forms written on the older template with its single box "Ofertado treinamento/ ou
reciclagem"; ``churnlab score --store`` records the outcomes; ``churnlab report`` writes the page.
With seed 1 two doubly-robust estimates come out above 100 % (as the issue's −30 % did): the page
must show them cut and marked.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import churnlab as cl
from churnlab.app.cli import app
from churnlab.app.desk import outcome_rows
from churnlab.app.exploration import offers
from churnlab.app.report import _month_figure
from churnlab.evaluation.loop_report import MIN_CASES, PolicyValue, bounded, loop_report
from churnlab.i18n import say
from churnlab.io.boxes import COMBINED_TRAINING_BOX
from churnlab.io.keys import case_key
from churnlab.io.records import ACTION_LABELS
from churnlab.store import open_store
from churnlab.synthetic.render import render_docx, render_markdown, render_plain
from conftest import REPO

SAMPLE = REPO / "data" / "sample"
CHROMIUM = Path("/usr/bin/chromium")
runner = CliRunner()


def desk_month(tmp: Path, seed: int = 1, explore: float = 0.1) -> Path:
    """The case store of one month of the desk on the sample (see the module's docstring)."""
    folder = tmp / "data"
    shutil.copytree(SAMPLE / "forms", folder / "forms")
    shutil.copy(SAMPLE / "glosas.csv", folder / "glosas.csv")
    store = tmp / "desk.db"
    args = ["--store", str(store)]
    done = runner.invoke(
        app, ["worklist", str(folder), "--out", str(tmp / "w.html"), *args, "--explore", str(explore)]
    )
    assert done.exit_code == 0, done.output
    offered = open_store(store).decisions().set_index("case_key")["offered_action"]
    truth = pd.read_csv(SAMPLE / "truth.csv").set_index("source")
    rng = np.random.default_rng(seed)
    for case in cl.read_forms(folder / "forms"):
        if case.status is not None or case_key(case) not in offered.index:
            continue
        taken = offered[case_key(case)] if rng.random() < 0.8 else truth.loc[case.source, "action"]
        kept = rng.random() < truth.loc[case.source, f"p_retained_{taken}"]
        closed = case.model_copy(
            update={
                "status": "retained" if kept else "dismissed",
                "actions": [] if taken == "none" else [taken],
                "finished_on": (case.started_on or dt.date(2024, 6, 1)) + dt.timedelta(days=30),
            }
        )
        path = folder / "forms" / case.source
        path.unlink()
        if path.suffix == ".md":
            path.write_text(render_markdown(closed), encoding="utf-8")
        else:  # the older plain-text template: one box for training or refresher
            path.with_suffix(".txt").write_text(
                render_plain(closed, training_box="combined"), encoding="utf-8"
            )
    done = runner.invoke(app, ["score", str(folder), "--out", str(tmp / "scores.csv"), *args])
    assert done.exit_code in (0, 1), done.output
    return store


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    """The month's store, with the report written in both languages beside it."""
    tmp = tmp_path_factory.mktemp("desk_month")
    store = desk_month(tmp)
    for lang in ("pt", "en"):
        done = runner.invoke(
            app, ["report", "--store", str(store), "--out", str(tmp / f"report_{lang}.html"), "--lang", lang]
        )
        assert done.exit_code == 0, done.output
    return tmp


# ---------------------------------------------------------------------------- the combined box


@pytest.fixture
def refresher_case() -> cl.RetentionCase:
    """A closed sample case whose lead offered a refresher."""
    case = cl.parse_form(SAMPLE / "forms" / "case_00001.txt")
    return case.model_copy(update={"actions": ["refresher"], "status": "retained"})


def test_each_template_reads_the_refresher_box_it_has(refresher_case, tmp_path):
    older = cl.parse_form(render_plain(refresher_case, training_box="combined"), source="older.txt")
    assert older.actions == ["training"]  # the parsed-record contract: the combined box is training
    assert [w for w in older.warnings if w.startswith(COMBINED_TRAINING_BOX)]
    docx = render_docx(refresher_case, tmp_path / "older.docx", training_box="combined")
    assert [w for w in cl.parse_form(docx).warnings if w.startswith(COMBINED_TRAINING_BOX)]
    newer = [
        cl.parse_form(render_plain(refresher_case, training_box="separate"), source="newer.txt"),
        cl.parse_form(render_markdown(refresher_case), source="newer.md"),
        cl.parse_form(render_docx(refresher_case, tmp_path / "newer.docx", training_box="separate")),
    ]
    for case in newer:
        assert case.actions == ["refresher"], case.source
        assert not [w for w in case.warnings if w.startswith(COMBINED_TRAINING_BOX)], case.source


def test_combined_box_unticked_or_training_alone_gives_no_warning(refresher_case):
    for actions, box in (([], "combined"), (["support"], "combined"), (["training"], "separate")):
        text = render_plain(refresher_case.model_copy(update={"actions": actions}), training_box=box)
        assert not [w for w in cl.parse_form(text).warnings if w.startswith(COMBINED_TRAINING_BOX)]


def test_store_counts_a_refresher_offer_ticked_on_the_combined_box_as_followed(refresher_case, tmp_path):
    forms = {
        "combined": render_plain(refresher_case, training_box="combined"),
        "separate": render_plain(
            refresher_case.model_copy(update={"actions": ["training"]}), training_box="separate"
        ),
    }
    cases = [
        cl.parse_form(text.replace("SAD", f"X{i}"), source=f"{name}.txt")
        for i, (name, text) in enumerate(forms.items())
    ]
    assert all(c.actions == ["training"] for c in cases)  # the same box key; only the warning differs
    scores = pd.DataFrame(
        {
            "case_key": [case_key(c) for c in cases],
            "best_action": "refresher",
            **{f"p_retained_{a}": 0.5 for a in ACTION_LABELS},
        }
    )
    store = open_store(tmp_path / "s.db")
    store.record_run(offers(scores), "m", "v")
    rows = outcome_rows(cases)
    assert rows["combined_training_box"].tolist() == [True, False]
    store.record_outcomes(rows)
    decisions = store.decisions()
    assert decisions["action_taken"].tolist() == ["refresher", "training"]
    report = loop_report(decisions)
    assert report.followed.n == 1 and report.not_followed.n == 1 and report.combined_box == 1


# ---------------------------------------------------------------------------- the numbers


def test_bounded_rates_keep_the_raw_estimate():
    rate = bounded(PolicyValue("DR", -0.304, -2.384, 1.777, 1))
    assert (rate.value, rate.low, rate.high) == (0.0, 0.0, 1.0) and rate.clipped and rate.few
    assert rate.raw is not None and rate.raw.value == -0.304
    inside = bounded(PolicyValue("rate", 0.5, -0.1, 1.1, 3))  # only the interval cut: not "clipped"
    assert (inside.low, inside.high) == (0.0, 1.0) and not inside.clipped and inside.raw is not None
    assert bounded(PolicyValue("rate", 0.5, 0.4, 0.6, 100)).raw is None


def test_the_months_report_json_keeps_what_was_cut(month):
    data = json.loads((month / "report_pt.json").read_text(encoding="utf-8"))
    assert data["closed"] == 99 and data["min_cases"] == MIN_CASES
    clipped = [row for row in data["by_action"] if row["clipped"]]
    assert clipped and all(not 0 <= row["if_offered_to_all_raw"] <= 1 for row in clipped)
    if data["no_offer"]["clipped"]:  # with the bundled model of the day, "nothing special" may fall out too
        assert not 0 <= data["no_offer"]["raw"]["value"] <= 1 and 0 <= data["no_offer"]["value"] <= 1
    for row in data["by_action"]:
        assert 0 <= row["if_offered_to_all"] <= 1 and 0 <= row["low"] <= row["high"] <= 1
    refresher = next(row for row in data["by_action"] if row["action"] == "refresher")
    assert refresher["followed"] > 0.5  # was 0 % before the combined box counted
    assert data["combined_box"] > 0


def test_one_month_is_plotted_in_the_middle_not_at_the_edges():
    months = pd.DataFrame(
        {
            "month": ["2024-06"],
            "cases": [99],
            "retention": [0.45],
            "churnlab_value": [0.46],
            "churnlab_low": [0.35],
            "churnlab_high": [0.57],
        }
    )
    ax = _month_figure(months, "pt").axes[0]
    left, right = ax.get_xlim()
    for line in ax.lines:
        for x in line.get_xdata():
            assert 0.3 < (x - left) / (right - left) < 0.7
    assert ax.get_ylim() == (0, 1.05)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["06/2024\nn = 99"]


def test_report_page_words(month):
    for lang in ("pt", "en"):
        page = (month / f"report_{lang}.html").read_text(encoding="utf-8")
        percents = [float(p.replace(",", ".")) for p in re.findall(r"(-?\d+(?:[.,]\d+)?)%", page)]
        assert percents and all(0 <= p <= 100 for p in percents), lang
        assert say("report.few", lang, n=4).split("(")[0] in page
        assert "†" in page and 'id="combined-box"' in page
        before, fold = page.split('<details id="method">')
        assert say("report.in_short", lang) in before
        in_short = before.split('<ul id="in-short">')[1].split("</ul>")[0]
        assert say("report.short_none_unsure", lang) in in_short  # the cut estimate is not told as a fact
        assert "100,0%" not in in_short and "100.0%" not in in_short
        assert ("duplamente robust" if lang == "pt" else "doubly robust") in fold
        assert "duplamente robust" not in before and "doubly robust" not in before
    assert "poucos casos (n = " in (month / "report_pt.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- a real browser


def test_report_page_in_headless_chromium(month, tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed: pip install playwright (no `playwright install`)")
    page = month / "report_pt.html"
    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.as_uri())
            assert tab.evaluate("document.documentElement.lang") == "pt-BR"
            assert tab.inner_text("h1") == say("report.title", "pt")
            assert tab.inner_text("#in-short").count("\n") >= 2 and "ficaram" in tab.inner_text("#in-short")
            shown = tab.inner_text("body")
            rates = [
                float(p.replace(".", "").replace(",", ".")) for p in re.findall(r"(-?[\d.]+,\d)%", shown)
            ]
            assert rates and min(rates) >= 0 and max(rates) <= 100, rates
            assert "−" not in "".join(re.findall(r"[−-]\s?\d+,\d%", shown))
            few = tab.locator("#by-action td.few")
            assert few.count() > 0 and "poucos casos (n = " in tab.inner_text("#by-action")
            grey = few.first.evaluate("td => getComputedStyle(td).color")
            black = tab.locator("#by-action td").first.evaluate("td => getComputedStyle(td).color")
            assert grey != black
            assert tab.locator(".chart img").evaluate("img => img.naturalWidth") > 0
            method = tab.locator("#method p").first
            assert not method.is_visible()  # the method waits behind "Como calculamos"
            tab.click("#method summary")
            assert method.is_visible() and "duplamente robustas" in method.inner_text()
            shot = tmp_path / "report.png"
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000 and errors == [] and requests == [page.as_uri()]
    if os.environ.get("CHURNLAB_UPDATE_SCREENSHOTS"):  # the docs' picture (docs/images/report.png)
        shutil.copy(shot, REPO / "docs" / "images" / "report.png")
