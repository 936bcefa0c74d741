"""`churnlab monitor` on a simulated desk: quiet while the world holds, loud once it turns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _models import sample_model
from churnlab.app.cli import app
from churnlab.app.loop_simulation import simulate_loop
from churnlab.app.monitor import monitor_report, render_monitor, write_monitor
from churnlab.i18n import say
from churnlab.models.persistence import save_model
from churnlab.store import open_store

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "m"
    save_model(sample_model(), path)
    return path


def _store(tmp_path: Path, turns_at: int | None):
    store = open_store(tmp_path / "store.db")
    simulate_loop(sample_model(), store, months=6, cases_per_month=60, seed=4, world_turns_at=turns_at)
    return store


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("steady"), None)


@pytest.fixture(scope="module")
def turned(tmp_path_factory):
    return _store(tmp_path_factory.mktemp("turned"), 3)


def test_a_steady_world_raises_no_flag(steady) -> None:
    report = monitor_report(steady, sample_model())
    # offers of 1 Jan .. 1 Jun close 60 days later: March, April (two runs), May, June, July
    assert list(report.decay["month"]) == ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]
    assert not report.decayed
    assert report.reference is not None and report.reference["auc"]["low"] < report.reference["auc"]["value"]
    # every run recorded its drift (judged in test_drift.py: data/sample's last production differs
    # slightly from today's generator, PSI 0.12 on 2,000 cases, so a run may name it)
    assert list(report.drift["run_id"]) == [1, 2, 3, 4, 5, 6]


def test_the_months_after_the_world_turned_are_flagged(turned) -> None:
    decay = monitor_report(turned, sample_model()).decay.set_index("month")["decayed"]
    assert decay.to_dict() == {
        "2025-03": False,
        "2025-04": False,
        "2025-05": True,  # offered 1 April, when the world turned
        "2025-06": True,
        "2025-07": True,
    }


def test_page_in_both_languages_and_json(turned, tmp_path) -> None:
    report = monitor_report(turned, sample_model())
    for lang in ("pt", "en"):
        page = render_monitor(report, lang)
        assert say("monitor.verdict_decayed", lang) in page
        assert page.count("<tr class=flag>") >= 3
        assert "data:image/png;base64," in page
    out = tmp_path / "monitor.json"
    write_monitor(turned, sample_model(), out)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["decayed"] is True and len(figures["risk_by_month"]) == 5
    assert {"auc", "auc_low", "auc_high", "decayed"} <= set(figures["risk_by_month"][0])


def test_cli_fail_on_decay_exits_4_after_writing(turned, model_dir, tmp_path) -> None:
    out = tmp_path / "monitor.html"
    store_url = str(turned.engine.url)
    result = CliRunner().invoke(
        app,
        ["monitor", "--store", store_url, "--model", str(model_dir), "--out", str(out), "--fail-on-decay"],
    )
    assert result.exit_code == 4, result.output
    assert out.is_file() and "behind the model card in 2025-05, 2025-06, 2025-07" in result.output
    quiet = CliRunner().invoke(
        app, ["monitor", "--store", store_url, "--model", str(model_dir), "--out", str(out)]
    )
    assert quiet.exit_code == 0, quiet.output


def test_monitor_page_in_headless_chromium(turned, tmp_path) -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: apt-get install -y chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    page = tmp_path / "monitor.html"
    write_monitor(turned, sample_model(), page)
    errors: list[str] = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.as_uri())
            assert tab.evaluate("document.documentElement.lang") == "pt-BR"
            assert tab.inner_text("h1") == say("monitor.title", "pt")
            assert tab.locator(".chart img").evaluate("img => img.naturalWidth") > 0
            assert tab.locator("#months tbody tr").count() == 5
            assert not tab.locator("details p").is_visible()  # the method waits behind its fold
        finally:
            browser.close()
    assert errors == []
