"""The retention leads' worklist: open cases ranked by what a call is worth: a page, a CSV, a workbook.

:func:`write_worklist` turns a scores table (:func:`churnlab.app.scoring.score`)
into a self-contained HTML page (inline CSS and JavaScript, the budget chart
embedded as a PNG: it loads nothing from the network and opens from a file
or an e-mail attachment) and, beside it, a CSV and a workbook
(:mod:`churnlab.app.worklist_files`). Each row carries what a lead needs to
call: CRO/UF, the phones and e-mails found on the form (and in the roster),
the reason the form states beside the model's reasons. Cases whose stated
reason puts the dentist out of reach (:mod:`churnlab.app.reach`) are listed
apart, with no offer. :func:`budget_curve` is the
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

from churnlab.app.contacts import add_roster_contacts, mask_contacts, roster_contacts
from churnlab.app.desk import DeskRecord, record_desk
from churnlab.app.network_scoring import score_network
from churnlab.app.pages import headings, page_head, png_base64, text
from churnlab.app.scoring import rank, score_data_folder
from churnlab.app.spreadsheet import DEFAULT_CSV_STYLE
from churnlab.app.worklist_files import (
    ACTIONS,
    action_words,
    column_title,
    offer_words,
    stated_reason_words,
    write_people_files,
)
from churnlab.i18n import DEFAULT_LANGUAGE, check_language, date, money, person_name, place, probability, say
from churnlab.io.network import has_network
from churnlab.models.churn_model import ChurnModel
from churnlab.privacy.pseudonymizer import Pseudonymizer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from churnlab.store.case_store import CaseStore

__all__ = [
    "NETWORK_ROWS",
    "WorklistRun",
    "action_words",
    "budget_curve",
    "budget_figure",
    "column_title",
    "make_worklist",
    "model_note",
    "render_worklist",
    "worklist_scores",
    "worklist_table",
    "write_worklist",
]

_ORDERS = ("expected_gain", "dismissal_risk")


def worklist_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The open cases of a scores table, ranked by expected gain (then risk), numbered from 1.

    Cases out of reach (``out_of_reach``: no offer, :mod:`churnlab.app.reach`) come last.

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
    ranked = rank(open_rows, keep_other_columns=True)
    if "out_of_reach" not in ranked or not ranked["out_of_reach"].astype(bool).any():
        return ranked
    apart = ranked["out_of_reach"].astype(bool).to_numpy()
    ranked = pd.concat([ranked[~apart], ranked[apart]], ignore_index=True)
    ranked["priority"] = range(1, len(ranked) + 1)
    return ranked


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
.source, .cro { color: #7b8794; font-size: .8rem; }
.cro { color: #3e4c59; }
.contact { white-space: nowrap; }
.none { color: #9aa5b1; font-size: .8rem; }
.explored { color: #8d2b0b; font-size: .8rem; }
.box { color: #52606d; font-size: .8rem; }
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

_BOXES = {"training": "Ofertado treinamento", "refresher": "Ofertado reciclagem"}
"""The box of the markdown form for each action the older plain-text form ticks on one combined box."""


def _options(values: list[str], words: dict[str, str] | None = None) -> str:
    return "".join(f'<option value="{text(v)}">{text((words or {}).get(v, v))}</option>' for v in values)


def _items(values: object) -> list[str]:
    return [v.strip() for v in values.split(";") if v.strip()] if isinstance(values, str) else []


def _contact(row: pd.Series, lang: str) -> str:
    """The phones and e-mails a lead can call or write to, one per line (or a note that there are none)."""
    found = _items(row.get("phones")) + _items(row.get("emails"))
    if not found:
        return f'<span class="none" title="{text(say("page.no_contact", lang))}">—</span>'
    return "<br>".join(f'<span class="contact">{text(item)}</span>' for item in found)


def _who(row: pd.Series, lang: str) -> str:
    name = text(person_name(row.get("dentist"))) or text(say("page.no_name", lang))
    cro = f'<div class="cro">CRO {text(row.get("cro"))}</div>' if isinstance(row.get("cro"), str) else ""
    return f'{name}{cro}<div class="source">{text(row.get("source"))}</div>'


def _row(row: pd.Series, lang: str) -> str:
    reasons = row.get("reasons")
    if not isinstance(reasons, list):
        reasons = []
    items = (
        "".join(f"<li>{text(r.say(lang))}</li>" for r in reasons)
        or f"<li>{text(say('page.no_strong_signal', lang))}</li>"
    )
    offered = row.get("offered_action")
    action = str(offered if isinstance(offered, str) else row["best_action"])
    badge = (
        f' <span class="explored">({text(say("page.explored", lang))})</span>'
        if row.get("explored") is True
        else ""
    )
    box = (
        f'<div class="box">{text(say("page.which_box", lang, box=_BOXES[action]))}</div>'
        if action in _BOXES
        else ""
    )
    return (
        f'<tr data-uf="{text(row.get("uf"))}" data-action="{text(action)}">'
        f'<td class="num">{int(row["priority"])}</td>'
        f"<td>{_who(row, lang)}</td>"
        f"<td>{_contact(row, lang)}</td>"
        f"<td>{text(place(row.get('city'), row.get('uf')))}</td>"
        f'<td class="num">{probability(float(row["dismissal_risk"]), lang)}</td>'
        f"<td>{text(offer_words(row, lang))}{badge}{box}</td>"
        f'<td class="num">{money(row["expected_gain"], lang)}</td>'
        f"<td>{text(stated_reason_words(row.get('stated_reason'), lang))}</td>"
        f'<td><ul class="reasons">{items}</ul></td>'
        "</tr>"
    )


def _apart_section(apart: pd.DataFrame, lang: str) -> list[str]:
    """Open cases with no offer: the stated reason puts the dentist out of reach (shown, not hidden)."""
    if not len(apart):
        return []
    rows = [
        f'<tr><td class="num">{int(r["priority"])}</td><td>{_who(r, lang)}</td><td>{_contact(r, lang)}</td>'
        f"<td>{text(place(r.get('city'), r.get('uf')))}</td>"
        f'<td class="num">{probability(float(r["dismissal_risk"]), lang)}</td>'
        f"<td>{text(stated_reason_words(r.get('stated_reason'), lang))}</td></tr>"
        for _, r in apart.iterrows()
    ]
    summary = say(_plural("page.out_of_reach_summary", len(apart)), lang, n=len(apart))
    return [
        f"<h2>{text(say('page.out_of_reach_heading', lang))}</h2>",
        f'<p class="meta">{text(summary)}</p>',
        '<table id="apart"><thead><tr><th>#</th>'
        + headings(
            "column.dentist", "page.contact", "page.city_uf", "page.risk", "page.stated_reason", lang=lang
        )
        + "</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def _plural(key: str, n: int) -> str:
    return key + ".one" if n == 1 else key


NETWORK_ROWS = 50
"""Dentists of the network list on the page (the CSV beside it has them all)."""


def _reason_words(reasons: object, lang: str) -> str:
    return "; ".join(r.say(lang) for r in reasons) if isinstance(reasons, list) else str(reasons)


def _months(value: object) -> str:
    return str(int(round(float(value)))) if isinstance(value, (int, float)) and np.isfinite(value) else ""


def _network_section(network: pd.DataFrame, lang: str) -> list[str]:
    """The second list: active dentists with no case yet, by expected loss over 90 days."""
    top = network.head(NETWORK_ROWS)
    contacts = "phones" in network or "emails" in network
    rows = [
        f'<tr><td class="num">{int(r["priority"])}</td><td>{text(person_name(r["name"]))}'
        f'<div class="cro">CRO {text(r["cro"])}/{text(r["uf"])}</div></td>'
        + (f"<td>{_contact(r, lang)}</td>" if contacts else "")
        + f"<td>{text(place(r['city'], r['uf']))}</td>"
        f'<td class="num">{probability(r["risk_90d"], lang)}</td>'
        f'<td class="num">{money(r["expected_loss"], lang)}</td>'
        f'<td class="num">{_months(r["months_since_last_guide"])}</td>'
        f"<td>{text(_reason_words(r['reasons'], lang))}</td><td>—</td></tr>"
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
    keys = ["column.dentist", *(["page.contact"] if contacts else []), "page.city_uf", "page.risk_90d"]
    keys += ["page.expected_loss", "page.months_without_guide", "column.reasons", "page.network_action"]
    return [
        f"<h2>{text(say('page.network_heading', lang))}</h2>",
        f'<p class="meta">{text(summary)}</p>',
        '<table id="network"><thead><tr><th>#</th>' + headings(*keys, lang=lang) + "</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        f'<p class="meta">{text(say("page.network_no_action", lang))}</p>',
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
    listed = worklist_table(scores)
    apart_rows = (
        listed["out_of_reach"].astype(bool) if "out_of_reach" in listed else pd.Series(False, listed.index)
    )
    table, apart = listed[~apart_rows.to_numpy()], listed[apart_rows.to_numpy()]
    tail = [*_apart_section(apart, lang)]
    tail += (
        [*_network_section(network, lang), "</body></html>"] if network is not None else ["</body></html>"]
    )
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
            "page.contact",
            "page.city_uf",
            "page.risk",
            "column.best_action_words",
            "page.expected_gain",
            "page.stated_reason",
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


def write_worklist(
    scores: pd.DataFrame,
    out_html: str | os.PathLike[str],
    title: str | None = None,
    note: str | None = None,
    network: pd.DataFrame | None = None,
    csv_style: str = DEFAULT_CSV_STYLE,
    lang: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write the worklist page and, beside it, the same rows as CSV and as a workbook.

    Parameters
    ----------
    scores : DataFrame
        A scores table (:data:`~churnlab.app.scoring.SCORE_COLUMNS`); only its open
        cases are listed, ranked by expected gain, those out of reach last.
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
    csv_style : {"excel-br", "plain"}
        How the CSVs are written (:func:`churnlab.app.spreadsheet.write_people_csv`):
        Brazilian by default, ``plain`` for the machine dialect.
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
    sheets = {say("sheet.open_cases", lang): (worklist_table(scores), out.with_suffix(".csv"))}
    if network is not None:
        sheets[say("sheet.network", lang)] = (network, out.with_name(out.stem + "_network.csv"))
    page = out.suffix.lower() != ".csv"
    write_people_files(sheets, out.with_suffix(".xlsx") if page else None, csv_style, lang)
    if page:
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
    csv_style: str = DEFAULT_CSV_STYLE,
    lang: str = DEFAULT_LANGUAGE,
    jobs: int | None = None,
) -> WorklistRun:
    """Score a data folder's open cases and write their worklist: what ``churnlab worklist`` does.

    The steps: score the folder (:func:`worklist_scores`, offers included);
    record the offers and the closed cases in ``store`` when given
    (:func:`~churnlab.app.desk.record_desk`); score the network when the
    folder has its files and the model a network model; add the roster's phones
    and e-mails when it has them (:mod:`churnlab.app.contacts`); name dentists by keyed
    pseudonyms and mask their phones and e-mails when ``pseudonymize`` (key from
    ``CHURNLAB_ANON_KEY``: the store keeps the real names, only the files written are
    pseudonymised); write the page, CSV and workbook (:func:`write_worklist`).

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
    recorded = (
        record_desk(store, scores, scored.outcomes, model, explore, drift=scored.drift)
        if store is not None
        else None
    )
    network = score_network(data_dir, model) if has_network(data_dir) and model.network else None
    roster = roster_contacts(data_dir)
    if roster is not None:
        scores = add_roster_contacts(scores, roster)
        if network is not None:
            network = add_roster_contacts(network, roster)
    if pseudonymize:
        pseudonymizer = Pseudonymizer.from_env()
        scores = mask_contacts(scores.assign(dentist=pseudonymizer.names(scores["dentist"])), pseudonymizer)
        if network is not None:
            network = mask_contacts(network.assign(name=pseudonymizer.names(network["name"])), pseudonymizer)
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
