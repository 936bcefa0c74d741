"""``churnlab monitor``: is the model still as good as its card says? One page, a minute to read.

From a case store (the runs ``churnlab score --store`` recorded, the cases
since closed) and the model folder, :func:`monitor_report` measures

* the risk model month by month of closing (AUC, Brier, calibration) against
  the held-out figures of its card, with intervals, flagging months behind it
  beyond chance (:func:`churnlab.evaluation.monitoring.decay_by_month`);
* the input drift each run recorded against the card's training profile
  (:mod:`churnlab.features.drift`), run by run;
* the recommender's doubly-robust value per month from the loop report
  (:func:`churnlab.evaluation.loop_report.loop_report`), beside them.

:func:`write_monitor` writes it as a page (pt-BR or English, plots inline) or,
for a file ending in ``.json``, as JSON for jobs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from churnlab.app.pages import BASE_CSS, page_head, png_base64, text
from churnlab.evaluation.loop_report import loop_report
from churnlab.evaluation.monitoring import DECAY_Z, decay_by_month
from churnlab.i18n import DEFAULT_LANGUAGE, check_language, number, percent, say
from churnlab.models.churn_model import ChurnModel
from churnlab.store import CaseStore

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class MonitorReport:
    """What :func:`monitor_report` measured."""

    decay: pd.DataFrame
    """:func:`~churnlab.evaluation.monitoring.decay_by_month` of the closed cases."""
    reference: dict[str, Any] | None
    """The card's held-out figures with intervals (None: a card from before churnlab 0.4)."""
    drift: pd.DataFrame
    """Per run: ``run_id``, ``run_at``, ``rows_now``, ``drifted`` (the inputs named, most shifted first)."""
    value_by_month: pd.DataFrame
    """The loop report's per-month retention and doubly-robust value of churnlab's policy."""
    trained_at: str | None

    @property
    def decayed(self) -> bool:
        """Whether any month fell behind the card beyond chance."""
        return bool(self.decay["decayed"].any())

    @property
    def drifted(self) -> list[str]:
        """The inputs the latest run named as drifted."""
        return list(self.drift["drifted"].iloc[-1]) if len(self.drift) else []


def _runs_drift(detail: pd.DataFrame) -> pd.DataFrame:
    columns = ["run_id", "run_at", "rows_now", "drifted"]
    if not len(detail):
        return pd.DataFrame(columns=columns)
    rows = []
    for run_id, group in detail.groupby("run_id", sort=True):
        named = group[group["drifted"].astype(bool)].sort_values("psi", ascending=False)
        rows.append(
            {
                "run_id": run_id,
                "run_at": pd.Timestamp(group["run_at"].iloc[0]),
                "rows_now": int(group["rows_now"].max()),
                "drifted": list(dict.fromkeys(named["input"])),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def monitor_report(store: CaseStore, model: ChurnModel, random_state: int | None = 0) -> MonitorReport:
    """Measure decay, drift and the loop's value from ``store`` for ``model`` (see the module docstring)."""
    decisions = store.decisions()
    reference = model.card.get("risk_holdout_intervals")
    decay = decay_by_month(decisions, reference, random_state=random_state)
    loop = loop_report(decisions)
    return MonitorReport(
        decay=decay,
        reference=reference,
        drift=_runs_drift(store.drift()),
        value_by_month=loop.by_month,
        trained_at=model.card.get("trained_at"),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts: NaN as null, timestamps as ISO text."""
    out = json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
    return list(out)


def monitor_json(report: MonitorReport) -> dict[str, Any]:
    """The report for jobs: every table, and the two verdicts."""
    return {
        "model_trained_at": report.trained_at,
        "decayed": report.decayed,
        "drifted_inputs": report.drifted,
        "holdout_reference": report.reference,
        "decay_z": DECAY_Z,
        "risk_by_month": _records(report.decay),
        "drift_by_run": _records(report.drift),
        "value_by_month": _records(report.value_by_month),
    }


def _decay_figure(report: MonitorReport, lang: str) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5.2), dpi=110)
    auc_ax, calibration_ax = fig.subplots(2, 1, sharex=True)
    decay = report.decay
    x = np.arange(len(decay))
    if report.reference:
        card = report.reference["auc"]
        band = say("monitor.card", lang)
        auc_ax.axhspan(card["low"], card["high"], color="#9fb3c8", alpha=0.35, label=band)
        auc_ax.axhline(card["value"], color="#486581", lw=1)
    auc_ax.errorbar(
        x,
        decay["auc"],
        yerr=[decay["auc"] - decay["auc_low"], decay["auc_high"] - decay["auc"]],
        fmt="o",
        capsize=3,
        label=say("monitor.auc_month", lang),
    )
    flagged = decay["decayed"].to_numpy(bool)
    auc_ax.plot(x[flagged], decay["auc"][flagged], "rx", ms=12, label=say("monitor.flagged", lang))
    auc_ax.set_ylabel("AUC")
    auc_ax.legend(fontsize="small")
    calibration_ax.plot(x, decay["mean_risk"], "s-", label=say("monitor.mean_risk", lang))
    calibration_ax.plot(x, decay["dismissal_rate"], "o--", label=say("monitor.observed", lang))
    calibration_ax.yaxis.set_major_formatter(lambda v, _: percent(v, lang))
    calibration_ax.set_xticks(x, decay["month"], rotation=45, fontsize="small")
    calibration_ax.set_xlim(-0.5, max(len(decay) - 0.5, 0.5))  # one month sits in the middle
    calibration_ax.legend(fontsize="small")
    for ax in (auc_ax, calibration_ax):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _num(value: float, spec: str, lang: str) -> str:
    """``value`` the reader's way; empty when unknown (one class in a month: no AUC)."""
    return number(value, spec, lang) if value is not None and np.isfinite(value) else ""


def _month_rows(report: MonitorReport, lang: str) -> list[str]:
    value = report.value_by_month.set_index("month") if len(report.value_by_month) else None
    rows = []
    for r in report.decay.to_dict(orient="records"):
        dr = value.loc[r["month"]] if value is not None and r["month"] in value.index else None
        flag = say("monitor.behind", lang) if r["decayed"] else ""
        rows.append(
            f"<tr{' class=flag' if r['decayed'] else ''}><td>{text(r['month'])}</td>"
            f"<td class=num>{r['n']}</td>"
            f"<td class=num>{_num(r['auc'], '.2f', lang)} ({_num(r['auc_low'], '.2f', lang)} – "
            f"{_num(r['auc_high'], '.2f', lang)})</td>"
            f"<td class=num>{_num(r['brier'], '.3f', lang)}</td>"
            f"<td class=num>{percent(r['mean_risk'], lang, 1)}</td>"
            f"<td class=num>{percent(r['dismissal_rate'], lang, 1)}</td>"
            f"<td class=num>{'' if dr is None else percent(dr['churnlab_value'], lang, 1)}</td>"
            f"<td>{text(flag)}</td></tr>"
        )
    return rows


def _drift_rows(report: MonitorReport, lang: str) -> list[str]:
    none = say("monitor.no_drift", lang)
    return [
        f"<tr{' class=flag' if r['drifted'] else ''}><td>{r['run_id']}</td>"
        f"<td>{text(pd.Timestamp(r['run_at']).strftime('%d/%m/%Y'))}</td><td class=num>{r['rows_now']}</td>"
        f"<td>{text(', '.join(r['drifted']) if r['drifted'] else none)}</td></tr>"
        for r in report.drift.to_dict(orient="records")
    ]


def render_monitor(report: MonitorReport, lang: str = DEFAULT_LANGUAGE) -> str:
    """The monitor page as one HTML string (plots inline, nothing loaded from the network)."""
    check_language(lang)
    title = say("monitor.title", lang)
    verdict = "monitor.verdict_decayed" if report.decayed else "monitor.verdict_fine"
    parts = [
        *page_head(title, _CSS, lang),
        f'<p class="meta">{text(say("monitor.summary", lang, trained=report.trained_at or "?"))}</p>',
        f'<p class="{"warn" if report.decayed else "ok"}">{text(say(verdict, lang))}</p>',
    ]
    if report.drifted:
        drifted = say("monitor.verdict_drift", lang, inputs=", ".join(report.drifted))
        parts.append(f'<p class="warn">{text(drifted)}</p>')
    if report.reference is None:
        parts.append(f'<p class="warn">{text(say("monitor.no_reference", lang))}</p>')
    parts.append(f"<h2>{text(say('monitor.risk', lang))}</h2>")
    if len(report.decay):
        header = "".join(
            f"<th>{text(say(f'monitor.{key}', lang))}</th>"
            for key in ("month", "cases", "auc", "brier", "mean_risk", "observed", "dr_value", "flag")
        )
        parts += [
            f'<div class="chart"><img alt="{text(say("monitor.risk", lang))}" '
            f'src="data:image/png;base64,{png_base64(_decay_figure(report, lang))}"></div>',
            f"<table id=months><thead><tr>{header}</tr></thead><tbody>",
            *_month_rows(report, lang),
            "</tbody></table>",
        ]
    else:
        parts.append(f"<p>{text(say('monitor.no_closed', lang))}</p>")
    parts.append(f"<h2>{text(say('monitor.drift', lang))}</h2>")
    if len(report.drift):
        header = "".join(
            f"<th>{text(say(f'monitor.{key}', lang))}</th>"
            for key in ("run", "run_at", "open_cases", "inputs")
        )
        parts += [f"<table id=drift><thead><tr>{header}</tr></thead><tbody>", *_drift_rows(report, lang)]
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>{text(say('monitor.no_drift_runs', lang))}</p>")
    parts += [
        f"<details><summary>{text(say('monitor.how', lang))}</summary>",
        f'<p class="note">{text(say("monitor.method", lang, z=f"{DECAY_Z:g}"))}</p></details>',
        "</body></html>",
    ]
    return "\n".join(parts)


def write_monitor(
    store: CaseStore, model: ChurnModel, out: str | os.PathLike[str], lang: str = DEFAULT_LANGUAGE
) -> MonitorReport:
    """Write the monitor of ``model`` on ``store`` to ``out``: JSON for a ``.json`` file, else the page."""
    report = monitor_report(store, model)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        made = {"made_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **monitor_json(report)}
        path.write_text(json.dumps(made, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(render_monitor(report, lang), encoding="utf-8")
    return report


_CSS = (
    BASE_CSS
    + """
.warn { font-weight: 600; }
.ok { color: #1f6f43; font-weight: 600; }
tr.flag td { background: #fff3e8; }
"""
)
