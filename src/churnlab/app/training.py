"""Train churnlab's models on a data folder's closed cases and write what was measured.

:func:`train_model` is what ``churnlab train`` runs: read the forms and the
glosa export, build features as of each case's opening, measure the risk model
on a held-out quarter of the closed cases against baselines, then fit the
reason tagger, the risk model and the action recommender on all closed cases.
Open and ``not_retention`` cases are not used for fitting. When the folder
also has the network files (docs/concepts/contracts/network-files.md), the network model is backtested and
fitted too.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split

import churnlab
from churnlab.errors import DataError
from churnlab.evaluation.metrics import compare_scores
from churnlab.evaluation.network_backtest import backtest
from churnlab.features.cases import NUMERIC_FEATURES
from churnlab.features.labels import case_table
from churnlab.features.network import network_snapshots
from churnlab.io.folder import DataFolder, glosa_rejects, load_data_dir
from churnlab.io.network import has_network, read_network
from churnlab.io.records import RetentionCase
from churnlab.models.churn_model import ChurnModel
from churnlab.models.economics import Economics
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.persistence import now_iso
from churnlab.models.reason_features import training_features
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel, model_columns
from churnlab.privacy.redact import redact, redacted_error

MIN_CLOSED_CASES = 20
MIN_PER_OUTCOME = 5


def holdout_report(
    X: pd.DataFrame, y: np.ndarray, random_state: int | None = 0, test_size: float = 0.25
) -> pd.DataFrame:
    """Risk-model metrics on a stratified held-out split, against two baselines.

    Baselines: the base rate (every case gets the training dismissal rate) and a
    logistic regression on the form's header and glosa numbers only (no text).
    """
    train, test = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=y, random_state=random_state
    )
    header_only = [c for c in model_columns(X) if c in NUMERIC_FEATURES and c != "note_length"]
    scores = {
        "base rate": DummyClassifier(strategy="prior").fit(X.iloc[train], y[train]),
        "logistic, header only": DismissalRiskModel().fit(X.iloc[train][header_only], y[train]),
        "churnlab risk model": DismissalRiskModel().fit(X.iloc[train], y[train]),
    }
    return compare_scores(
        y[test], {name: model.predict_proba(X.iloc[test])[:, 1] for name, model in scores.items()}
    )


def train_model(
    data_dir: str | os.PathLike[str],
    *,
    economics: Economics | None = None,
    random_state: int | None = 0,
    progress: bool = False,
    n_bootstrap: int = 0,
    min_confidence: float | None = None,
) -> ChurnModel:
    """Fit every model on the closed cases of a data folder (docs/concepts/contracts/batch-cli.md).

    ``n_bootstrap`` and ``min_confidence`` go to the :class:`ActionRecommender`:
    uplift intervals from that many refits, and recommending an action only
    when the lower end of its interval (at that level) is above zero.

    Raises
    ------
    DataError
        Fewer than ``MIN_CLOSED_CASES`` closed cases, or only one outcome among them.
    """
    economics = economics or Economics()
    folder = load_data_dir(data_dir, progress=progress)
    cases = list(folder.forms)
    table = case_table(cases)
    closed = table["closed"].to_numpy()
    y = table.loc[closed, "dismissed"].astype(int).to_numpy()
    _check_trainable(folder, table, y)
    train_cases = [case for case, keep in zip(cases, closed, strict=True) if keep]
    X, tagger = training_features(train_cases, folder.glosas, random_state=random_state)
    actions = table.loc[closed, "action"].to_numpy()
    report = holdout_report(X, y, random_state=random_state)
    risk = DismissalRiskModel().fit(X, y)
    recommender = ActionRecommender(
        economics=economics, random_state=random_state, n_bootstrap=n_bootstrap, min_confidence=min_confidence
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            recommender.fit(X, actions, 1 - y)
        except ValueError as exc:
            raise DataError(f"{folder.path}: cannot fit the action recommender: {exc}") from None
    network_model, network_card = _network(folder, cases, random_state)
    card = {
        "churnlab_version": churnlab.__version__,
        "trained_at": now_iso(),
        "data": {
            "folder": folder.path.name,
            "forms_read": len(cases),
            # Value-free: a parser's message quotes what it read, and the card is shared.
            "forms_failed": [redacted_error(e.source, e.reason, e.field) for e in folder.forms.failures],
            "closed_cases": int(closed.sum()),
            "closed_cases_unreadable": int(table["unreadable"].sum()),
            "dismissal_rate": float(y.mean()),
            "actions": {k: int(v) for k, v in pd.Series(actions).value_counts().items()},
            "glosa_rows": 0 if folder.glosa_read is None else folder.glosa_read.rows_read,
            "glosa_rows_rejected": [
                f"{where}: {redact(why)}" for where, why in glosa_rejects(folder.glosa_read)
            ],
        },
        "risk_holdout_metrics": report.round(4).to_dict(orient="index"),
        "recommender": _recommender_summary(recommender),
        "features": list(risk.feature_names_in_),
        "random_state": random_state,
        "warnings": [str(w.message) for w in caught],
    }
    if network_card:
        card["network"] = network_card
    return ChurnModel(tagger, risk, recommender, card, network=network_model)


def _network(
    folder: DataFolder, cases: list[RetentionCase], random_state: int | None
) -> tuple[NetworkRiskModel | None, dict[str, Any] | None]:
    """The network model and its card section, when the folder has roster.csv and production.csv.

    Measured first by a backtest (fit on what was known 90 days before the
    end of the data, judged on those 90 days), then fitted on everything.
    Network files the model cannot learn from do not stop the case models:
    the section then says why no network model was trained.
    """
    if not has_network(folder.path):
        return None, None
    try:
        network = read_network(folder.path, cases=cases, glosas=folder.glosa_read)
        X, y = network_snapshots(network, horizon_days=0)
    except (DataError, ValueError) as exc:
        return None, {"not_trained": redact(str(exc))}
    events = int(X.loc[y["event"].to_numpy() == 1, "key"].nunique())
    if events < MIN_PER_OUTCOME:
        return None, {
            "not_trained": f"the network has {events} dentist(s) who asked to leave or left; the "
            f"network model needs at least {MIN_PER_OUTCOME}",
            "problems": [redact(line) for line in network.problems()],
        }
    section: dict[str, Any] = {
        "dentists": len(network.roster),
        "production_rows": len(network.production),
        "snapshots": len(X),
        "dentists_with_event": events,
        "data_end": str(network.end.date()),
    }
    try:
        metrics, _ = backtest(network, model=NetworkRiskModel(random_state=random_state))
        section["backtest"] = {
            "cutoff": metrics.attrs["cutoff"],
            "dentists": metrics.attrs["dentists"],
            "events": metrics.attrs["events"],
            "metrics": metrics.round(4).replace({np.nan: None}).to_dict(orient="index"),
        }
    except ValueError as exc:  # too short a history to hold 90 days back, or one outcome only
        section["backtest"] = f"not measured: {exc}"
    model = NetworkRiskModel(random_state=random_state).fit(X, y)
    section["problems"] = [redact(line) for line in network.problems()]
    return model, section


def _check_trainable(folder: DataFolder, table: pd.DataFrame, y: np.ndarray) -> None:
    """Refuse, with counts and the commonest reasons, a folder the models cannot learn from."""
    failures = folder.forms.failures
    if not len(table):
        reasons = Counter(error.reason for error in failures).most_common(3)
        common = "; ".join(f"{n} × {reason}" for reason, n in reasons)
        raise DataError(
            f"{folder.path}: no form could be read ({len(failures)} refused"
            + (f"; most common: {common}" if common else "")
            + ")"
        )
    dismissed, retained = int(y.sum()), int(len(y) - y.sum())
    unreadable = int(table["unreadable"].sum())
    found = (
        f"{len(table)} forms read, {len(y)} closed cases usable ({dismissed} dismissed, "
        f"{retained} retained), {unreadable} closed-looking with unreadable status or action boxes, "
        f"{len(failures)} refused"
    )
    if len(y) < MIN_CLOSED_CASES:
        raise DataError(f"{folder.path}: {found}; training needs at least {MIN_CLOSED_CASES} closed cases")
    if min(dismissed, retained) < MIN_PER_OUTCOME:
        raise DataError(
            f"{folder.path}: {found}; training needs at least {MIN_PER_OUTCOME} cases of each "
            "outcome (retained and dismissed) to measure the risk model on held-out cases"
        )


def _recommender_summary(recommender: ActionRecommender) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "learner": recommender.learner_,
        "n_bootstrap": recommender.n_bootstrap,
        "min_confidence": recommender.min_confidence,
    }
    if recommender.cv_results_ is not None:
        table = pd.DataFrame(recommender.cv_results_)
        summary["cv_results"] = table.round(4).to_dict(orient="records")
    return summary
