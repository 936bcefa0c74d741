"""``churnlab report``: the loop closed on the operator's own cases, as a page a lead reads.

:func:`store_report` reads the case store and computes
:func:`churnlab.evaluation.loop_report.loop_report`; :func:`render_report`
turns it into a self-contained HTML page (plots inline, nothing loaded from
the network) in Portuguese or English.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.app.pages import headings, page_head, png_base64, text
from churnlab.app.worklist import action_words
from churnlab.evaluation.loop_report import LoopReport, loop_report
from churnlab.i18n import DEFAULT_LANGUAGE, check_language, date, money, percent, say
from churnlab.io.csv_writer import write_csv
from churnlab.models.policy_value import PolicyValue
from churnlab.store import CaseStore

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def store_report(store: CaseStore) -> tuple[LoopReport, pd.DataFrame]:
    """The loop's numbers from a case store, and the decisions they were computed from."""
    decisions = store.decisions()
    return loop_report(decisions), decisions


def _policy_row(label: str, value: PolicyValue, lang: str, reais: PolicyValue | None = None) -> str:
    interval = (
        ""
        if not np.isfinite(value.low)
        else f"{percent(value.low, lang, 1)} – {percent(value.high, lang, 1)}"
    )
    in_reais = "<td></td><td></td>"
    if reais is not None and np.isfinite(reais.value):
        in_reais = (
            f"<td class=num>{money(reais.value, lang, 0)}</td>"
            f"<td class=num>{money(reais.low, lang, 0)} – {money(reais.high, lang, 0)}</td>"
        )
    return (
        f"<tr><td>{text(label)}</td><td class=num>{percent(value.value, lang, 1)}</td>"
        f"<td class=num>{interval}</td>{in_reais}<td class=num>{value.n}</td></tr>"
    )


def _month_figure(by_month: pd.DataFrame, lang: str) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.2), dpi=110)
    ax = fig.add_subplot()
    x = np.arange(len(by_month))
    ax.plot(x, by_month["retention"], "o-", label=say("report.observed", lang))
    ax.errorbar(
        x + 0.1,
        by_month["churnlab_value"],
        yerr=[
            by_month["churnlab_value"] - by_month["churnlab_low"],
            by_month["churnlab_high"] - by_month["churnlab_value"],
        ],
        fmt="s",
        capsize=3,
        label=say("report.chart_churnlab", lang),
    )
    ax.set_xticks(x, by_month["month"], rotation=45, fontsize="small")
    ax.set_ylabel(say("report.retention", lang))
    ax.yaxis.set_major_formatter(lambda v, _: percent(v, lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def render_report(report: LoopReport, decisions: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report page as one HTML string."""
    check_language(lang)
    title = say("report.title", lang)
    first = last = ""
    if len(decisions):
        runs = pd.to_datetime(decisions["run_at"], utc=True)
        first, last = date(runs.min(), lang), date(runs.max(), lang)
    summary = say(
        "report.summary",
        lang,
        recommended=report.recommended,
        closed=report.closed,
        open=report.recommended - report.closed,
        first=first,
        last=last,
        made=dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
    )
    parts = [
        *page_head(title, _CSS, lang),
        f'<p class="meta">{text(summary)}</p>',
    ]
    if not report.closed:
        parts += [f"<p>{text(say('report.nothing', lang))}</p>", "</body></html>"]
        return "\n".join(parts)
    header = headings(
        "report.policy",
        "report.retention",
        "report.interval",
        "report.reais",
        "report.interval",
        "report.cases",
        lang=lang,
    )
    parts += [
        f"<h2>{text(say('report.policies', lang))}</h2>",
        f"<table id=policies><thead><tr>{header}</tr></thead><tbody>",
        _policy_row(say("report.churnlab", lang), report.churnlab, lang, report.churnlab_reais),
        _policy_row(say("report.no_offer", lang), report.no_offer, lang, report.no_offer_reais),
        _policy_row(say("report.practice", lang), report.practice, lang, report.practice_reais),
        _policy_row(say("report.followed", lang), report.followed, lang),
        _policy_row(say("report.not_followed", lang), report.not_followed, lang),
        "</tbody></table>",
        f'<p class="note">{text(say("report.method", lang))}</p>',
    ]
    if not (decisions["explore_share"] > 0).any():
        parts.append(f'<p class="warn">{text(say("report.no_exploration", lang))}</p>')
    words = action_words(lang)
    header = headings(
        "report.offered",
        "report.cases",
        "report.followed_share",
        "report.retention",
        "report.if_offered_to_all",
        "report.interval",
        lang=lang,
    )
    parts += [
        f"<h2>{text(say('report.by_action', lang))}</h2>",
        f"<table id=by-action><thead><tr>{header}</tr></thead><tbody>",
        *(
            f"<tr><td>{text(words.get(str(a), str(a)))}</td><td class=num>{int(r.cases)}</td>"
            f"<td class=num>{percent(r.followed, lang)}</td>"
            f"<td class=num>{percent(r.retention, lang, 1)}</td>"
            f"<td class=num>{percent(r.if_offered_to_all, lang, 1)}</td>"
            f"<td class=num>{percent(r.low, lang, 1)} – {percent(r.high, lang, 1)}</td></tr>"
            for a, r in report.by_action.iterrows()
        ),
        "</tbody></table>",
        f"<h2>{text(say('report.by_month', lang))}</h2>",
        f'<div class="chart"><img alt="{text(say("report.by_month", lang))}" '
        f'src="data:image/png;base64,{png_base64(_month_figure(report.by_month, lang))}"></div>',
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(store: CaseStore, out: str | os.PathLike[str], lang: str = DEFAULT_LANGUAGE) -> LoopReport:
    """Write the report page of ``store`` to ``out`` (and ``<out>.csv``: the months' numbers)."""
    report, decisions = store_report(store)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(report, decisions, lang), encoding="utf-8")
    write_csv(report.by_month, path.with_suffix(".csv"))
    return report


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem;
       color: #1f2933; max-width: 60rem; }
h1 { font-size: 1.4rem; }
.meta, .note { color: #52606d; }
.warn { color: #8d2b0b; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: .35rem .6rem; text-align: left; }
th { background: #f5f7fa; }
td.num { text-align: right; white-space: nowrap; }
.chart img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
"""
