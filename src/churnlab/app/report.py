"""``churnlab report``: the loop closed on the operator's own cases, as a page a lead reads.

:func:`store_report` reads the case store and computes
:func:`churnlab.evaluation.loop_report.loop_report`; :func:`render_report`
turns it into a self-contained HTML page (plots inline, nothing loaded from
the network) in Portuguese or English: plain words first, then the tables (a
figure on fewer than :data:`~churnlab.evaluation.loop_report.MIN_CASES` cases
greyed as "few cases", no rate outside 0–100 %), the months, and how it was
calculated behind a fold.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.app.pages import BASE_CSS, headings, page_head, png_base64, text
from churnlab.app.worklist import action_words
from churnlab.evaluation.loop_report import MAX_HALF_WIDTH, MIN_CASES, LoopReport, Rate, loop_report
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


def _doubt(n: int, low: float, high: float, lang: str) -> str | None:
    """Why a rate is greyed: "few cases (n = …)" under :data:`MIN_CASES`, or a range too wide to act on.

    An estimate on many cases can still rest on few informative ones (offers
    drawn with a small probability): its range then spans more than
    ±:data:`MAX_HALF_WIDTH`, the width of a plain rate on :data:`MIN_CASES` cases.
    """
    if n < MIN_CASES:
        return say("report.few", lang, n=n)
    if np.isfinite(low) and (high - low) / 2 > MAX_HALF_WIDTH:
        return say("report.wide", lang, points=round((high - low) / 2 * 100))
    return None


def _rate_cell(rate: float, lang: str, doubt: str | None = None, clipped: bool = False) -> str:
    """A retention's cell: greyed with the reason in ``doubt`` ("" greys it without words), † when clipped."""
    mark = "†" if clipped else ""
    if doubt is None or not np.isfinite(rate):
        return f"<td class=num>{percent(rate, lang, 1)}{mark}</td>"
    note = f'<br><span class="few-note">{text(doubt)}</span>' if doubt else ""
    return f'<td class="num few">{percent(rate, lang, 1)}{mark}{note}</td>'


def _range_cell(low: float, high: float, lang: str, grey: bool) -> str:
    shown = "" if not np.isfinite(low) else f"{percent(low, lang, 1)} – {percent(high, lang, 1)}"
    return f'<td class="num{" few" if grey else ""}">{shown}</td>'


def _policy_row(label: str, value: Rate, lang: str, reais: PolicyValue | None = None) -> str:
    doubt = _doubt(value.n, value.low, value.high, lang)
    if doubt is None and value.clipped:
        doubt = ""
    in_reais = "<td></td><td></td>"
    if reais is not None and np.isfinite(reais.value):
        grey = ' class="num few"' if doubt is not None else " class=num"
        in_reais = (
            f"<td{grey}>{money(reais.value, lang, 0)}</td>"
            f"<td{grey}>{money(reais.low, lang, 0)} – {money(reais.high, lang, 0)}</td>"
        )
    return (
        f"<tr><td>{text(label)}</td>{_rate_cell(value.value, lang, doubt, value.clipped)}"
        f"{_range_cell(value.low, value.high, lang, doubt is not None)}{in_reais}"
        f"<td class=num>{value.n}</td></tr>"
    )


def _action_row(label: str, row: pd.Series, lang: str) -> str:
    n = int(row["cases"])
    few = say("report.few", lang, n=n) if n < MIN_CASES else None
    doubt = "" if few else _doubt(n, row["low"], row["high"], lang)  # the row already says "few cases"
    if doubt is None and row["clipped"]:  # cut to 0–100 %: never read as a figure, whatever its range
        doubt = ""
    return (
        f"<tr><td>{text(label)}</td><td class=num>{n}</td>"
        f"{_rate_cell(row['followed'], lang, few)}"
        f"{_rate_cell(row['retention'], lang, '' if few else None)}"
        f"{_rate_cell(row['if_offered_to_all'], lang, doubt, bool(row['clipped']))}"
        f"{_range_cell(row['low'], row['high'], lang, doubt is not None)}</tr>"
    )


def _month_label(month: str) -> str:
    """``2024-06`` as ``06/2024``: competences as the operator writes them."""
    year, _, number = month.partition("-")
    return f"{number}/{year}" if number else month


def _month_figure(by_month: pd.DataFrame, lang: str) -> Figure:
    """Observed retention and churnlab's policy per month, on a 0–100 % axis.

    Each month sits at an integer position with the two series a little to
    either side, and the axis spans half a month beyond the first and last:
    one month is one centred pair of points, never two points at the edges.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.2), dpi=110)
    ax = fig.add_subplot()
    x = np.arange(len(by_month), dtype=float)
    value, low, high = (
        by_month[c].to_numpy(dtype=float) for c in ("churnlab_value", "churnlab_low", "churnlab_high")
    )
    ax.plot(x - 0.06, by_month["retention"].to_numpy(dtype=float), "o-", label=say("report.observed", lang))
    ax.errorbar(
        x + 0.06,
        value,
        yerr=[value - low, high - value],
        fmt="s",
        capsize=3,
        label=say("report.chart_churnlab", lang),
    )
    labels = [
        f"{_month_label(m)}\nn = {n}" for m, n in zip(by_month["month"], by_month["cases"], strict=True)
    ]
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_xlim(-0.5, len(by_month) - 0.5)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(say("report.retention", lang))
    ax.yaxis.set_major_formatter(lambda v, _: percent(v, lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    return fig


def _in_short(report: LoopReport, lang: str) -> list[str]:
    """The plain-words summary above the tables; an estimate too unsure to read is said to be so."""
    kept = int(round(report.practice.value * report.closed))
    lines = [
        say(
            "report.short_kept",
            lang,
            kept=kept,
            closed=report.closed,
            rate=percent(report.practice.value, lang, 1),
        ),
        say(
            "report.short_followed",
            lang,
            followed=percent(report.followed.value, lang, 1),
            n_followed=report.followed.n,
            not_followed=percent(report.not_followed.value, lang, 1),
            n_not=report.not_followed.n,
        ),
    ]
    best, none = report.churnlab, report.no_offer
    if _unsure(best, lang):
        lines.append(say("report.short_policy_unsure", lang))
    else:
        low, high = percent(best.low, lang, 1), percent(best.high, lang, 1)
        lines.append(say("report.short_policy", lang, value=percent(best.value, lang, 1), low=low, high=high))
    none_key = "report.short_none_unsure" if _unsure(none, lang) else "report.short_none"
    lines[-1] += " " + say(none_key, lang, value=percent(none.value, lang, 1))
    return [
        f"<h2>{text(say('report.in_short', lang))}</h2>",
        '<ul id="in-short">',
        *(f"<li>{text(line)}</li>" for line in lines),
        "</ul>",
    ]


def _unsure(value: Rate, lang: str) -> bool:
    """Whether an estimate is greyed on the page (few cases, too wide a range, or cut to 0–100 %)."""
    return value.clipped or _doubt(value.n, value.low, value.high, lang) is not None


def _clipped_note(report: LoopReport, lang: str, words: dict[str, str]) -> list[str]:
    """The † footnote naming each estimate cut to 0–100 % (its value as calculated is in report.json)."""
    items = [
        say(f"report.{name}", lang) for name in ("churnlab", "no_offer") if getattr(report, name).clipped
    ]
    items += [
        words.get(str(action), str(action)) for action, row in report.by_action.iterrows() if row["clipped"]
    ]
    if not items:
        return []
    return [f'<p class="note" id="clipped">{text(say("report.clipped", lang, items="; ".join(items)))}</p>']


def render_report(report: LoopReport, decisions: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report page as one HTML string: plain words first, the tables, the method folded away."""
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
    words = action_words(lang)
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
        *_in_short(report, lang),
        f"<h2>{text(say('report.policies', lang))}</h2>",
        f"<table id=policies><thead><tr>{header}</tr></thead><tbody>",
        _policy_row(say("report.churnlab", lang), report.churnlab, lang, report.churnlab_reais),
        _policy_row(say("report.no_offer", lang), report.no_offer, lang, report.no_offer_reais),
        _policy_row(say("report.practice", lang), report.practice, lang, report.practice_reais),
        _policy_row(say("report.followed", lang), report.followed, lang),
        _policy_row(say("report.not_followed", lang), report.not_followed, lang),
        "</tbody></table>",
    ]
    if not (decisions["explore_share"] > 0).any():
        parts.append(f'<p class="warn">{text(say("report.no_exploration", lang))}</p>')
    header = headings(
        "report.offered",
        "report.cases",
        "report.followed_share",
        "report.retention",
        "report.if_offered_to_all",
        "report.interval",
        lang=lang,
    )
    combined = report.combined_box
    parts += [
        f"<h2>{text(say('report.by_action', lang))}</h2>",
        f"<table id=by-action><thead><tr>{header}</tr></thead><tbody>",
        *(
            _action_row(
                words.get(str(a), str(a)) + ("¹" if combined and a in ("training", "refresher") else ""),
                r,
                lang,
            )
            for a, r in report.by_action.iterrows()
        ),
        "</tbody></table>",
        *_clipped_note(report, lang, words),
    ]
    if combined:
        key = "report.combined_note_one" if combined == 1 else "report.combined_note"
        parts.append(f'<p class="note" id="combined-box">{text(say(key, lang, n=combined))}</p>')
    parts += [
        f"<h2>{text(say('report.by_month', lang))}</h2>",
        f'<div class="chart"><img alt="{text(say("report.by_month", lang))}" '
        f'src="data:image/png;base64,{png_base64(_month_figure(report.by_month, lang))}"></div>',
        f'<details id="method"><summary>{text(say("report.how", lang))}</summary>',
        *(
            f"<p>{text(say(key, lang, min=MIN_CASES))}</p>"
            for key in (
                "report.method",
                "report.method_few",
                "report.method_bounds",
                "report.method_combined",
            )
        ),
        "</details>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(store: CaseStore, out: str | os.PathLike[str], lang: str = DEFAULT_LANGUAGE) -> LoopReport:
    """Write the report page of ``store`` to ``out``, ``<out>.csv`` (the months) and ``<out>.json``.

    The JSON holds every number for jobs, each estimate also as calculated
    before it was cut to 0–100 % (:meth:`LoopReport.to_dict`).
    """
    report, decisions = store_report(store)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(report, decisions, lang), encoding="utf-8")
    write_csv(report.by_month, path.with_suffix(".csv"))
    path.with_suffix(".json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return report


_CSS = (
    BASE_CSS
    + """
td.few { color: #9aa5b1; }
.few-note { font-size: .8em; font-style: italic; }
details { margin: 1rem 0; color: #52606d; }
summary { cursor: pointer; font-weight: 600; color: #1f2933; }
"""
)
