"""The retention leads' worklist: open cases ranked by what a call is worth: a page, a CSV, a workbook.

:func:`write_worklist` turns a scores table (:func:`churnlab.app.scoring.score`)
into a self-contained HTML page (inline CSS and JavaScript, the budget chart
embedded as a PNG: it loads nothing from the network and opens from a file
or an e-mail attachment) and a CSV beside it. :func:`budget_curve` is the
cumulative expected gain of working down a list in a given order, the numbers
behind the chart; notebooks plot it too. :func:`make_worklist` does what
``churnlab worklist`` does: score a data folder's open cases
(:func:`worklist_scores`), record them, add the network list and write.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.app.desk import DeskRecord, record_desk
from churnlab.app.excel import write_workbook
from churnlab.app.network_scoring import score_network
from churnlab.app.pages import headings, page_head, png_base64, text
from churnlab.app.scoring import for_people, rank, score_data_folder
from churnlab.app.spreadsheet import write_people_csv
from churnlab.i18n import DEFAULT_LANGUAGE, check_language, date, money, percent, say
from churnlab.i18n.messages import MESSAGES
from churnlab.io.network import has_network
from churnlab.io.records import ACTION_LABELS
from churnlab.models.churn_model import ChurnModel
from churnlab.privacy.pseudonymizer import Pseudonymizer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from churnlab.store.case_store import CaseStore

ACTIONS = ACTION_LABELS  # "none" first, then the six actions


def action_words(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """What each action label means, in the words a retention lead uses (``pt`` or ``en``)."""
    return {action: say(f"action.{action}", lang) for action in ACTIONS}


_ORDERS = ("expected_gain", "dismissal_risk")


def worklist_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The open cases of a scores table, ranked by expected gain (then risk), numbered from 1.

    Examples
    --------
    >>> scores = pd.DataFrame({"source": ["a", "b", "c"],
    ...                        "status": ["open", "retained", "open"],
    ...                        "expected_gain": [10.0, 99.0, 50.0],
    ...                        "dismissal_risk": [0.9, 0.5, 0.2]})
    >>> worklist_table(scores)[["priority", "source"]].to_dict("list")
    {'priority': [1, 2], 'source': ['c', 'a']}
    """
    open_rows = scores[scores["status"] == "open"] if "status" in scores else scores
    return rank(open_rows, keep_other_columns=True)


def budget_curve(scores: pd.DataFrame, order_by: str = "expected_gain") -> pd.Series:
    """Cumulative expected gain (R$) after each call, calling cases in decreasing ``order_by``.

    Parameters
    ----------
    scores : DataFrame
        Score rows with ``expected_gain`` and the ``order_by`` column (pass the
        open cases only, e.g. :func:`worklist_table`, for a worklist's budget).
    order_by : str
        The column to rank by, highest first: ``expected_gain`` (the worklist's
        order) or ``dismissal_risk`` (calling the riskiest first), or any
        numeric column.

    Returns
    -------
    Series
        Indexed by the number of calls made, from 0 (value 0) to ``len(scores)``.

    Examples
    --------
    >>> scores = pd.DataFrame({"expected_gain": [10.0, 50.0, 0.0],
    ...                        "dismissal_risk": [0.9, 0.2, 0.5]})
    >>> budget_curve(scores).tolist()
    [0.0, 50.0, 60.0, 60.0]
    >>> budget_curve(scores, "dismissal_risk").tolist()
    [0.0, 10.0, 10.0, 60.0]
    """
    if order_by not in scores.columns:
        raise KeyError(
            f"cannot order by {order_by!r}: the scores have no such column; use one of {list(_ORDERS)}"
        )
    ordered = scores.sort_values(order_by, ascending=False, kind="stable")
    gains = ordered["expected_gain"].astype(float).to_numpy()
    values = np.concatenate([[0.0], np.cumsum(gains)])
    return pd.Series(
        values, index=pd.RangeIndex(len(values), name="calls"), name=f"cumulative expected gain, {order_by}"
    )


def budget_figure(scores: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The budget chart: cumulative expected gain vs calls, ranked by gain, by risk, at random.

    Built on a bare :class:`matplotlib.figure.Figure` (no pyplot state, no display needed).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.6), dpi=110)
    ax = fig.add_subplot()
    for order_by, style in zip(_ORDERS, ("-", "--"), strict=True):
        curve = budget_curve(scores, order_by)
        ax.plot(curve.index, curve.to_numpy(), style, label=say(f"chart.by_{order_by}", lang))
    total = float(scores["expected_gain"].sum())
    ax.plot([0, len(scores)], [0, total], ":", color="gray", label=say("chart.random", lang))
    ax.set_xlabel(say("chart.calls", lang))
    ax.set_ylabel(say("chart.gain", lang))
    ax.set_title(say("chart.title", lang))
    ax.yaxis.set_major_formatter(lambda v, _: money(v, lang, decimals=0).removeprefix("R$ "))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem;
       color: #1f2933; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.meta { color: #52606d; margin-top: 0; }
.chart img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
.filters { margin: 1rem 0; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
.filters label { font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: .4rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f5f7fa; position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; }
tr[hidden] { display: none; }
ul.reasons { margin: 0; padding-left: 1.1rem; }
.source { color: #7b8794; font-size: .8rem; }
.explored { color: #8d2b0b; font-size: .8rem; }
"""

_JS = """
(function () {
  var uf = document.getElementById("filter-uf");
  var action = document.getElementById("filter-action");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#worklist tbody tr"));
  function apply() {
    var n = 0;
    rows.forEach(function (row) {
      var keep = (!uf.value || row.getAttribute("data-uf") === uf.value) &&
                 (!action.value || row.getAttribute("data-action") === action.value);
      row.hidden = !keep;
      if (keep) { n += 1; }
    });
    shown.textContent = String(n);
  }
  uf.addEventListener("change", apply);
  action.addEventListener("change", apply);
  apply();
})();
"""


def _options(values: list[str], words: dict[str, str] | None = None) -> str:
    return "".join(f'<option value="{text(v)}">{text((words or {}).get(v, v))}</option>' for v in values)


def _row(row: pd.Series, lang: str) -> str:
    reasons = row.get("reasons")
    if not isinstance(reasons, list):
        reasons = []
    items = (
        "".join(f"<li>{text(r.say(lang))}</li>" for r in reasons)
        or f"<li>{text(say('page.no_strong_signal', lang))}</li>"
    )
    place = ", ".join(p for p in (text(row.get("city")), text(row.get("uf"))) if p)
    action = str(row.get("offered_action") or row["best_action"])
    words = say(f"action.{action}", lang) if action in ACTIONS else action
    badge = (
        f' <span class="explored">({text(say("page.explored", lang))})</span>'
        if row.get("explored") is True
        else ""
    )
    return (
        f'<tr data-uf="{text(row.get("uf"))}" data-action="{text(action)}">'
        f'<td class="num">{int(row["priority"])}</td>'
        f"<td>{text(row.get('dentist')) or text(say('page.no_name', lang))}"
        f'<div class="source">{text(row.get("source"))}</div></td>'
        f"<td>{place}</td>"
        f'<td class="num">{percent(float(row["dismissal_risk"]), lang)}</td>'
        f"<td>{text(words)}{badge}</td>"
        f'<td class="num">{money(row["expected_gain"], lang)}</td>'
        f'<td><ul class="reasons">{items}</ul></td>'
        "</tr>"
    )


NETWORK_ROWS = 50
"""Dentists of the network list on the page (the CSV beside it has them all)."""


def _reason_words(reasons: object, lang: str) -> str:
    return "; ".join(r.say(lang) for r in reasons) if isinstance(reasons, list) else str(reasons)


def _network_section(network: pd.DataFrame, lang: str) -> list[str]:
    """The second list: active dentists with no case yet, by expected loss over 90 days."""
    top = network.head(NETWORK_ROWS)
    rows = [
        f"<tr><td>{int(r['priority'])}</td><td>{text(r['name'])}</td>"
        f"<td>{text(r['city'])}/{text(r['uf'])}</td><td>{percent(r['risk_90d'], lang)}</td>"
        f"<td>{money(r['expected_loss'], lang)}</td><td>{text(r['months_since_last_guide'])}</td>"
        f"<td>{text(_reason_words(r['reasons'], lang))}</td></tr>"
        for _, r in top.iterrows()
    ]
    as_of = network.attrs.get("as_of")
    summary = say(
        "page.network_summary",
        lang,
        n=len(network),
        shown=len(top),
        as_of=date(as_of, lang) if as_of is not None else "",
    )
    return [
        f"<h2>{text(say('page.network_heading', lang))}</h2>",
        f'<p class="meta">{text(summary)}</p>',
        '<table id="network"><thead><tr><th>#</th>'
        + headings(
            "column.dentist",
            "page.city_uf",
            "page.risk_90d",
            "page.expected_loss",
            "page.months_without_guide",
            "column.reasons",
            lang=lang,
        )
        + "</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def render_worklist(
    scores: pd.DataFrame,
    title: str | None = None,
    note: str | None = None,
    network: pd.DataFrame | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """The worklist page as one HTML string (see :func:`write_worklist`)."""
    check_language(lang)
    title = title or say("page.title", lang)
    table = worklist_table(scores)
    tail = [*_network_section(network, lang), "</body></html>"] if network is not None else ["</body></html>"]
    made = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    total = money(table["expected_gain"].sum() if len(table) else 0.0, lang)
    parts = [
        *page_head(title, _CSS, lang),
        f'<p class="meta">{text(say("page.summary", lang, n=len(table), total=total, made=made))}'
        + (f" {text(note)}" if note else "")
        + "</p>",
    ]
    if not len(table):
        parts += [f"<p>{text(say('page.no_open_cases', lang))}</p>", *tail]
        return "\n".join(parts)
    chart = png_base64(budget_figure(table, lang))
    words = action_words(lang)
    offered = table["offered_action"] if "offered_action" in table else table["best_action"]
    everyone = text(say("page.all", lang))
    showing = text(say("page.showing", lang, shown="\0", total=len(table))).replace(
        "\0", f'<b id="shown">{len(table)}</b>'
    )
    parts += [
        f'<div class="chart"><img alt="{text(say("page.chart_alt", lang))}" '
        f'src="data:image/png;base64,{chart}"></div>',
        '<div class="filters">',
        '<span><label for="filter-uf">UF</label> <select id="filter-uf">'
        f'<option value="">{everyone}</option>{_options(sorted(table["uf"].dropna().unique()))}'
        "</select></span>",
        f'<span><label for="filter-action">{text(say("column.best_action_words", lang))}</label> '
        f'<select id="filter-action"><option value="">{everyone}</option>'
        f"{_options([a for a in ACTIONS if a in set(offered)], words)}"
        "</select></span>",
        f"<span>{showing}</span>",
        "</div>",
        '<table id="worklist"><thead><tr><th>#</th>'
        + headings(
            "column.dentist",
            "page.city_uf",
            "page.risk",
            "column.best_action_words",
            "page.expected_gain",
            "column.reasons",
            lang=lang,
        )
        + "</tr></thead><tbody>",
        *(_row(row, lang) for _, row in table.iterrows()),
        "</tbody></table>",
        f"<script>{_JS}</script>",
        *tail,
    ]
    return "\n".join(parts)


_MONEY = ("expected_gain", "dentist_value", "expected_loss")
_PERCENT = (
    "dismissal_risk",
    "uplift",
    "uplift_low",
    "uplift_high",
    "risk_30d",
    "risk_90d",
    "risk_180d",
    *(f"p_retained_{action}" for action in ACTIONS),
)
_PEOPLE_FIRST = (
    "priority",
    "dentist",
    "name",
    "cro",
    "city",
    "uf",
    "opened_on",
    "dismissal_risk",
    "risk_90d",
    "best_action_words",
    "explored",
    "expected_gain",
    "expected_loss",
    "uplift",
    "uplift_low",
    "uplift_high",
    "reasons",
    "best_action_note",
)


_MACHINE_ONLY = ("case_key", "offer_probability", "offered_action", *(f"cost_{a}" for a in ACTIONS))
"""Columns people do not need (the case store keeps them); ``case_key`` also names the CRO."""


def column_title(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A column's header in files for people (machine files keep ``column``).

    Examples
    --------
    >>> column_title("expected_gain", "pt"), column_title("p_retained_support", "en")
    ('Ganho esperado (R$)', 'Chance of retention: Offer support')
    """
    action = column.removeprefix("p_retained_")
    if action != column and action in ACTIONS:
        return say("column.p_retained", lang, action=say(f"action.{action}", lang))
    return say(f"column.{column}", lang) if f"column.{column}" in MESSAGES else column


def people_table(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Rows for people: what a lead reads first, headers and reasons in ``lang``, formula-safe cells."""
    out = for_people(frame.drop(columns=[c for c in _MACHINE_ONLY if c in frame]), lang)
    if "opened_on" in out:
        out["opened_on"] = pd.to_datetime(out["opened_on"], errors="coerce")  # dd/mm/aaaa in CSV and Excel
    if "status" in out:
        out["status"] = [say(f"status.{v}", lang) if f"status.{v}" in MESSAGES else v for v in out["status"]]
    order = [c for c in _PEOPLE_FIRST if c in out] + [c for c in out if c not in _PEOPLE_FIRST]
    return out[order].rename(columns=lambda c: column_title(c, lang))


def write_worklist(
    scores: pd.DataFrame,
    out_html: str | os.PathLike[str],
    title: str | None = None,
    note: str | None = None,
    network: pd.DataFrame | None = None,
    csv_style: str = "plain",
    lang: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write the worklist page and, beside it, the same rows as CSV and as a workbook.

    Parameters
    ----------
    scores : DataFrame
        A scores table (:data:`~churnlab.app.scoring.SCORE_COLUMNS`); only its open
        cases are listed, ranked by expected gain.
    out_html : path
        The page to write; the CSV goes next to it with the suffix ``.csv`` and
        the workbook (a sheet per list, :func:`churnlab.app.excel.write_workbook`)
        with ``.xlsx``. Given a ``.csv`` path, only the CSV is written.
    title, note : str
        The page's title (by default "Lista de retenção"/"Retention worklist"),
        and an optional line under it (e.g. the model used).
    network : DataFrame, optional
        :func:`~churnlab.app.network_scoring.score_network`'s table: the page
        gains a second list (dentists who have not asked to leave, by expected
        loss) and ``<name>_network.csv`` is written beside it.
    csv_style : {"plain", "excel-br"}
        How the CSVs are written (:func:`churnlab.app.spreadsheet.write_people_csv`).
    lang : {"pt", "en"}
        Language of everything written for people: page, headers, actions, reasons
        (:mod:`churnlab.i18n`); numbers are written the language's way.

    Returns
    -------
    Path
        ``out_html``.
    """
    check_language(lang)
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = worklist_table(scores)
    offered = table["offered_action"] if "offered_action" in table else table["best_action"]
    cases = people_table(table.assign(best_action_words=offered.map(action_words(lang))), lang)
    write_people_csv(cases, out.with_suffix(".csv"), csv_style)  # people open it in Excel
    sheets = {say("sheet.open_cases", lang): cases}
    if network is not None:
        people = people_table(network, lang)
        sheets[say("sheet.network", lang)] = people
        write_people_csv(people, out.with_name(out.stem + "_network.csv"), csv_style)
    if out.suffix.lower() != ".csv":
        write_workbook(
            sheets,
            out.with_suffix(".xlsx"),
            money=tuple(column_title(c, lang) for c in _MONEY),
            percent=tuple(column_title(c, lang) for c in _PERCENT),
        )
        out.write_text(
            render_worklist(scores, title=title, note=note, network=network, lang=lang), encoding="utf-8"
        )
    return out


def worklist_scores(
    data_dir: str | os.PathLike[str], model: ChurnModel, explore: float = 0.0, jobs: int | None = None
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Scores of the open cases of a data folder, with their offers, and the files that could not be read.

    The folder is scored by :func:`churnlab.app.scoring.score_data_folder`, the
    scorer of ``churnlab score`` too, so both offer the same actions (exploring
    a share ``explore``). Bad files do not stop the run: they come back as
    ``(file name, reason)``.

    Raises
    ------
    DataError
        No ``forms/`` folder, or no form in it.
    """
    scored = score_data_folder(data_dir, model, explore=explore, jobs=jobs)
    return scored.open_cases(), scored.rejected


@dataclass
class WorklistRun:
    """What :func:`make_worklist` did: the files written and what they list."""

    out: Path
    """The page (or the CSV alone), as :func:`write_worklist` returns it."""
    scores: pd.DataFrame
    """The open cases listed, with their offers (``explored`` for the drawn ones)."""
    network: pd.DataFrame | None
    """The active dentists not yet asked (:func:`~churnlab.app.network_scoring.score_network`), if any."""
    failures: list[tuple[str, str]]
    """``(file name, reason)`` for each form or glosa row that could not be read."""
    recorded: DeskRecord | None
    """What went into the case store, when one was given."""


def model_note(model: ChurnModel, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The page's line under the title: when the model was trained (None when its card does not say)."""
    trained = model.card.get("trained_at")
    if not trained:
        return None
    return say("page.model_trained", lang, when=dt.datetime.fromisoformat(trained).strftime("%d/%m/%Y %H:%M"))


def make_worklist(
    data_dir: str | os.PathLike[str],
    model: ChurnModel,
    out: str | os.PathLike[str],
    *,
    explore: float = 0.0,
    store: CaseStore | None = None,
    pseudonymize: bool = False,
    title: str | None = None,
    csv_style: str = "plain",
    lang: str = DEFAULT_LANGUAGE,
    jobs: int | None = None,
) -> WorklistRun:
    """Score a data folder's open cases and write their worklist: what ``churnlab worklist`` does.

    The steps: score the folder (:func:`worklist_scores`, offers included);
    record the offers and the closed cases in ``store`` when given
    (:func:`~churnlab.app.desk.record_desk`); score the network when the
    folder has its files and the model a network model; name dentists by keyed
    pseudonyms when ``pseudonymize`` (key from ``CHURNLAB_ANON_KEY``: the store
    keeps the real names, only the files written are pseudonymised); write the
    page, CSV and workbook (:func:`write_worklist`).

    Raises
    ------
    DataError
        No ``forms/`` folder or no form in it, or unreadable network files.
    AnonymizationKeyError
        ``pseudonymize`` without a key in the environment.
    """
    check_language(lang)
    scored = score_data_folder(data_dir, model, explore=explore, jobs=jobs)
    scores = scored.open_cases()
    recorded = record_desk(store, scores, scored.outcomes, model, explore) if store is not None else None
    network = score_network(data_dir, model) if has_network(data_dir) and model.network else None
    if pseudonymize:
        pseudonymizer = Pseudonymizer.from_env()
        scores = scores.assign(dentist=pseudonymizer.names(scores["dentist"]))
        if network is not None:
            network = network.assign(name=pseudonymizer.names(network["name"]))
    written = write_worklist(
        scores,
        out,
        title=title,
        note=model_note(model, lang),
        network=network,
        csv_style=csv_style,
        lang=lang,
    )
    return WorklistRun(written, scores, network, scored.rejected, recorded)
