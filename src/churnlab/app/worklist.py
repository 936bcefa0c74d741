"""The retention leads' worklist: open cases ranked by what a call is worth: a page, a CSV, a workbook.

:func:`write_worklist` turns a scores table (:func:`churnlab.app.scoring.score`)
into a self-contained HTML page (inline CSS and JavaScript, the budget chart
embedded as a PNG: it loads nothing from the network and opens from a file
or an e-mail attachment) and a CSV beside it. :func:`budget_curve` is the
cumulative expected gain of working down a list in a given order, the numbers
behind the chart; notebooks plot it too. ``churnlab worklist`` runs
:func:`worklist_scores` and :func:`write_worklist`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from churnlab.app.excel import write_workbook
from churnlab.app.scoring import for_people, rank, score_cases
from churnlab.app.spreadsheet import write_people_csv
from churnlab.errors import FormParseError
from churnlab.io.batch import iter_forms
from churnlab.io.brazil import format_int_br
from churnlab.io.folder import form_files, glosa_rejects, read_folder_glosas
from churnlab.io.records import RetentionCase
from churnlab.models.churn_model import ChurnModel

ACTION_WORDS: dict[str, str] = {
    "none": "No special offer",
    "new_prices": "Offer new prices",
    "support": "Offer support",
    "publicity": "Offer publicity in the network directory",
    "training": "Offer training",
    "refresher": "Offer a refresher course",
    "other": "Other offer",
}
"""What each action label means, in the words a retention lead uses."""

_ORDER_NAMES = {
    "expected_gain": "by expected gain (this list)",
    "dismissal_risk": "by dismissal risk",
}


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
        raise KeyError(f"cannot order by {order_by!r}: the scores have no such column; "
                       f"use one of {sorted(_ORDER_NAMES)}")
    ordered = scores.sort_values(order_by, ascending=False, kind="stable")
    gains = ordered["expected_gain"].astype(float).to_numpy()
    values = np.concatenate([[0.0], np.cumsum(gains)])
    return pd.Series(values, index=pd.RangeIndex(len(values), name="calls"),
                     name=f"cumulative expected gain, {order_by}")


def budget_figure(scores: pd.DataFrame):
    """The budget chart: cumulative expected gain vs calls, ranked by gain, by risk, at random.

    Built on a bare :class:`matplotlib.figure.Figure` (no pyplot state, no display needed).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.6), dpi=110)
    ax = fig.add_subplot()
    for order_by, style in (("expected_gain", "-"), ("dismissal_risk", "--")):
        curve = budget_curve(scores, order_by)
        ax.plot(curve.index, curve.to_numpy(), style, label=_ORDER_NAMES[order_by])
    total = float(scores["expected_gain"].sum())
    ax.plot([0, len(scores)], [0, total], ":", color="gray", label="in random order")
    ax.set_xlabel("number of calls")
    ax.set_ylabel("cumulative expected gain (R$)")
    ax.set_title("What each additional call is worth")
    ax.yaxis.set_major_formatter(lambda v, _: format_int_br(int(round(v))))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def _png_base64(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _money(value: float) -> str:
    return "R$ " + format_int_br(int(round(float(value))))


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


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

_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'")


def _options(values: list[str], words: dict[str, str] | None = None) -> str:
    return "".join(f'<option value="{_text(v)}">{_text((words or {}).get(v, v))}</option>'
                   for v in values)


def _row(row: pd.Series) -> str:
    reasons = row.get("reasons") if isinstance(row.get("reasons"), list) else []
    items = "".join(f"<li>{_text(r.text)}</li>" for r in reasons) or "<li>no strong signal</li>"
    place = ", ".join(p for p in (_text(row.get("city")), _text(row.get("uf"))) if p)
    action = str(row["best_action"])
    return (
        f'<tr data-uf="{_text(row.get("uf"))}" data-action="{_text(action)}">'
        f'<td class="num">{int(row["priority"])}</td>'
        f'<td>{_text(row.get("dentist")) or "(no name)"}'
        f'<div class="source">{_text(row.get("source"))}</div></td>'
        f"<td>{place}</td>"
        f'<td class="num">{float(row["dismissal_risk"]):.0%}</td>'
        f"<td>{_text(ACTION_WORDS.get(action, action))}</td>"
        f'<td class="num">{_money(row["expected_gain"])}</td>'
        f'<td><ul class="reasons">{items}</ul></td>'
        "</tr>"
    )


NETWORK_ROWS = 50
"""Dentists of the network list on the page (the CSV beside it has them all)."""


def _reason_words(reasons: object) -> str:
    return "; ".join(r.text for r in reasons) if isinstance(reasons, list) else str(reasons)


def _network_section(network: pd.DataFrame) -> list[str]:
    """The second list: active dentists with no case yet, by expected loss over 90 days."""
    top = network.head(NETWORK_ROWS)
    rows = [
        f"<tr><td>{int(r['priority'])}</td><td>{_text(r['name'])}</td>"
        f"<td>{_text(r['city'])}/{_text(r['uf'])}</td><td>{r['risk_90d']:.0%}</td>"
        f"<td>{_money(r['expected_loss'])}</td><td>{_text(r['months_since_last_guide'])}</td>"
        f"<td>{_text(_reason_words(r['reasons']))}</td></tr>"
        for _, r in top.iterrows()
    ]
    return [
        "<h2>Not yet asked to leave: at risk in the next 90 days</h2>",
        f'<p class="meta">{len(network)} active dentists without a case, as of '
        f"{_text(network.attrs.get('as_of'))}, ranked by expected loss (90-day risk × the dentist's "
        "value); the "
        f"{len(top)} first here, all of them in the CSV beside this page.</p>",
        '<table id="network"><thead><tr><th>#</th><th>Dentist</th><th>City/UF</th><th>Risk (90 days)</th>'
        "<th>Expected loss</th><th>Months without a guide</th><th>Top reasons</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
    ]


def render_worklist(scores: pd.DataFrame, title: str = "Retention worklist",
                    note: str | None = None, network: pd.DataFrame | None = None) -> str:
    """The worklist page as one HTML string (see :func:`write_worklist`)."""
    table = worklist_table(scores)
    tail = [*_network_section(network), "</body></html>"] if network is not None else ["</body></html>"]
    made = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="meta">{len(table)} open cases, ranked by the expected gain of a call '
        f"(value of trying the best offer over doing nothing special); total "
        f"{_money(table['expected_gain'].sum() if len(table) else 0.0)}. Made {made}."
        + (f" {_text(note)}" if note else "") + "</p>",
    ]
    if not len(table):
        parts += ["<p>No open cases: nobody to call.</p>", *tail]
        return "\n".join(parts)
    chart = _png_base64(budget_figure(table))
    parts += [
        '<div class="chart"><img alt="Cumulative expected gain against number of calls, ranking '
        f'by expected gain compared with ranking by risk" src="data:image/png;base64,{chart}">'
        "</div>",
        '<div class="filters">',
        '<span><label for="filter-uf">UF</label> <select id="filter-uf">'
        f'<option value="">all</option>{_options(sorted(table["uf"].dropna().unique()))}'
        "</select></span>",
        '<span><label for="filter-action">Best action</label> <select id="filter-action">'
        '<option value="">all</option>'
        f'{_options([a for a in ACTION_WORDS if a in set(table["best_action"])], ACTION_WORDS)}'
        "</select></span>",
        f'<span>showing <b id="shown">{len(table)}</b> of {len(table)}</span>',
        "</div>",
        '<table id="worklist"><thead><tr><th>#</th><th>Dentist</th><th>City/UF</th>'
        "<th>Risk</th><th>Best action</th><th>Expected gain</th><th>Top reasons</th>"
        "</tr></thead><tbody>",
        *(_row(row) for _, row in table.iterrows()),
        "</tbody></table>",
        f"<script>{_JS}</script>",
        *tail,
    ]
    return "\n".join(parts)


_MONEY = ("expected_gain", "dentist_value", "expected_loss")
_PERCENT = ("dismissal_risk", "uplift", "uplift_low", "uplift_high", "risk_30d", "risk_90d", "risk_180d",
            *(f"p_retained_{label}" for label in ACTION_WORDS))


def write_worklist(scores: pd.DataFrame, out_html: str | os.PathLike[str],
                   title: str = "Retention worklist", note: str | None = None,
                   network: pd.DataFrame | None = None, csv_style: str = "plain") -> Path:
    """Write the worklist page and, beside it, the same rows as CSV.

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
        The page's title, and an optional line under it (e.g. the model used).
    network : DataFrame, optional
        :func:`~churnlab.app.network_scoring.score_network`'s table: the page
        gains a second list (dentists who have not asked to leave, by expected
        loss) and ``<name>_network.csv`` is written beside it.
    csv_style : {"plain", "excel-br"}
        How the CSVs are written (:func:`churnlab.app.spreadsheet.write_people_csv`).

    Returns
    -------
    Path
        ``out_html``.
    """
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = worklist_table(scores)
    csv = for_people(table.assign(best_action_words=table["best_action"].map(ACTION_WORDS)))
    write_people_csv(csv, out.with_suffix(".csv"), csv_style)  # people open it in Excel
    sheets = {"Open cases": csv}
    if network is not None:
        sheets["Not yet asked"] = for_people(network)
        write_people_csv(sheets["Not yet asked"], out.with_name(out.stem + "_network.csv"), csv_style)
    if out.suffix.lower() != ".csv":
        write_workbook(sheets, out.with_suffix(".xlsx"), money=_MONEY, percent=_PERCENT)
        out.write_text(render_worklist(scores, title=title, note=note, network=network), encoding="utf-8")
    return out


def worklist_scores(data_dir: str | os.PathLike[str],
                    model: ChurnModel) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Scores of the open cases of a data folder, and the forms that could not be read.

    Only open cases (no status yet) are scored; closed ones are skipped. Bad
    files do not stop the run: they come back as ``(file name, reason)``.

    Raises
    ------
    DataError
        No ``forms/`` folder, or no form in it.
    """
    paths = form_files(data_dir)
    glosas = read_folder_glosas(data_dir)
    cases: list[RetentionCase] = []
    failures: list[tuple[str, str]] = glosa_rejects(glosas)
    for path, result in iter_forms(paths):
        if isinstance(result, FormParseError):
            failures.append((path.name, result.reason))
        elif result.is_open:
            cases.append(result)
    return rank(score_cases(cases, model, glosas)), failures
