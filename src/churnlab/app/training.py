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
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split

import churnlab
from churnlab.app.challenge import opened_through
from churnlab.errors import DataError
from churnlab.evaluation.metrics import compare_scores
from churnlab.evaluation.monitoring import metrics_with_intervals
from churnlab.evaluation.network_backtest import PLAIN, backtest
from churnlab.features.cases import NUMERIC_FEATURES
from churnlab.features.drift import profile_frame
from churnlab.features.labels import case_table
from churnlab.features.network import PLAIN_FEATURES, network_features, network_snapshots
from churnlab.features.network_tail import export_tail
from churnlab.io.folder import DataFolder, glosa_rejects, load_data_dir
from churnlab.io.network import has_network, read_network
from churnlab.io.records import RetentionCase
from churnlab.models.churn_model import ChurnModel
from churnlab.models.economics import Economics
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.persistence import now_iso
from churnlab.models.reason_features import training_features
from churnlab.models.reasons import REASON_COLUMNS
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel, model_columns
from churnlab.privacy.redact import redact, redacted_error

MIN_CLOSED_CASES = 20
MIN_PER_OUTCOME = 5


def holdout_predictions(
    X: pd.DataFrame, y: np.ndarray, random_state: int | None = 0, test_size: float = 0.25
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The outcomes of a stratified held-out split and each model's risks on them.

    Models: the base rate (every case gets the training dismissal rate), a
    logistic regression on the form's header and glosa numbers only (no text),
    and churnlab's risk model, each fitted on the rest.
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
    return y[test], {name: model.predict_proba(X.iloc[test])[:, 1] for name, model in scores.items()}


def holdout_report(
    X: pd.DataFrame, y: np.ndarray, random_state: int | None = 0, test_size: float = 0.25
) -> pd.DataFrame:
    """Risk-model metrics on a stratified held-out split, against two baselines.

    The split and the models are :func:`holdout_predictions`'.
    """
    y_test, held_out = holdout_predictions(X, y, random_state, test_size)
    return compare_scores(y_test, held_out)


def train_model(
    data_dir: str | os.PathLike[str],
    *,
    economics: Economics | None = None,
    random_state: int | None = 0,
    progress: bool = False,
    n_bootstrap: int = 0,
    min_confidence: float | None = None,
    complete_through: str | None = None,
) -> ChurnModel:
    """Fit every model on the closed cases of a data folder (docs/concepts/contracts/batch-cli.md).

    ``n_bootstrap`` and ``min_confidence`` go to the :class:`ActionRecommender`:
    uplift intervals from that many refits, and recommending an action only
    when the lower end of its interval (at that level) is above zero.
    ``complete_through`` (``MM/YYYY``) states the last complete production month
    of the network files; without it the incomplete tail is measured
    (:func:`~churnlab.features.network_tail.incomplete_tail`).

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
    y_test, held_out = holdout_predictions(X, y, random_state=random_state)
    report = compare_scores(y_test, held_out)
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
    network_model, network_card = _network(folder, cases, random_state, complete_through)
    card = {
        "churnlab_version": churnlab.__version__,
        "trained_at": now_iso(),
        "data": {
            "folder": folder.path.name,
            "forms_read": len(cases),
            # Value-free: a parser's message quotes what it read, and the card is shared.
            "forms_failed": [redacted_error(e.source, e.reason, e.field) for e in folder.forms.failures],
            "closed_cases": int(closed.sum()),
            "cases_opened_through": opened_through(train_cases),
            "closed_cases_unreadable": int(table["unreadable"].sum()),
            "dismissal_rate": float(y.mean()),
            "actions": {k: int(v) for k, v in pd.Series(actions).value_counts().items()},
            "glosa_rows": 0 if folder.glosa_read is None else folder.glosa_read.rows_read,
            "glosa_rows_rejected": [
                f"{where}: {redact(why)}" for where, why in glosa_rejects(folder.glosa_read)
            ],
        },
        "risk_holdout_metrics": report.round(4).to_dict(orient="index"),
        # What `churnlab monitor` compares closed cases with, and `score` the scored inputs with.
        "risk_holdout_intervals": _rounded(metrics_with_intervals(y_test, held_out["churnlab risk model"])),
        "input_profile": profile_frame(X[_profiled(risk.feature_names_in_)]),
        "recommender": _recommender_summary(recommender),
        "features": list(risk.feature_names_in_),
        "random_state": random_state,
        "warnings": [str(w.message) for w in caught],
    }
    if network_card:
        card["network"] = network_card
    return ChurnModel(tagger, risk, recommender, card, network=network_model)


def _network(
    folder: DataFolder, cases: list[RetentionCase], random_state: int | None, complete_through: str | None
) -> tuple[NetworkRiskModel | None, dict[str, Any] | None]:
    """The network model and its card section, when the folder has roster.csv and production.csv.

    The export's incomplete tail is measured (or taken from ``complete_through``)
    and every snapshot reads production as far short of its date as scoring
    will. Measured on its own hold-out, the latest complete months (fit on
    what was known 90 days before the end of the data, judged on those 90
    days) against the rules and a plain model on raw months; fitted on
    everything, falling back to the plain model when that did better.
    Network files the model cannot learn from do not stop the case models:
    the section then says why no network model was trained.
    """
    if not has_network(folder.path):
        return None, None
    try:
        network = read_network(folder.path, cases=cases, glosas=folder.glosa_read)
        tail = export_tail(network, complete_through)
        X, y = network_snapshots(network, horizon_days=0, lag=tail.lag)
    except (DataError, ValueError) as exc:
        if complete_through and isinstance(exc, DataError):
            raise
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
        "tail": tail.as_card(),
    }
    features: tuple[str, ...] | None = None
    try:
        metrics, _ = backtest(
            network,
            model=NetworkRiskModel(random_state=random_state),
            plain=NetworkRiskModel(features=PLAIN_FEATURES, random_state=random_state),
            lag=tail.lag,
        )
        section["backtest"] = {
            "cutoff": metrics.attrs["cutoff"],
            "dentists": metrics.attrs["dentists"],
            "events": metrics.attrs["events"],
            "metrics": metrics.round(4).replace({np.nan: None}).to_dict(orient="index"),
        }
        auc = metrics["AUC"].astype(float)
        ours, plain = float(auc["churnlab network model"]), float(auc[PLAIN])
        if plain > ours:  # beat the simple thing or fall back to it, saying so
            features = PLAIN_FEATURES
            section["fallback"] = (
                f"the plain model on raw months did better on the hold-out (AUC {plain:.3f} against "
                f"{ours:.3f}): the network model is that plain model"
            )
    except ValueError as exc:  # too short a history to hold 90 days back, or one outcome only
        section["backtest"] = f"not measured: {exc}"
    section["model"] = "plain (raw months)" if features else "churnlab"
    model = NetworkRiskModel(features=features, random_state=random_state).fit(X, y)
    # what scoring at the end of the data would see, with the same lag
    active = network_features(network, network.end, lag=tail.lag)
    section["input_profile"] = profile_frame(active[list(model.feature_names_in_)])
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


def _profiled(features: Iterable[str]) -> list[str]:
    """The features the input-drift check watches: all but the tagger's outputs.

    The stated-reason probabilities are another model's output, out-of-fold in
    training and in-sample when scoring the training folder, so their tiny
    values differ by construction (measured: PSI 0.3–0.6 on the sample with no
    change at all); the note they come from is watched through its lexicon
    flags (``says_*``) and length.
    """
    return [name for name in features if name not in REASON_COLUMNS]


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Metric figures for the card: four decimals, NaN as null (JSON has no NaN)."""
    return {
        name: {k: None if np.isnan(v) else round(float(v), 4) for k, v in parts.items()}
        if isinstance(parts, dict)
        else parts
        for name, parts in figures.items()
    }


def _recommender_summary(recommender: ActionRecommender) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "learner": recommender.learner_,
        "n_bootstrap": recommender.n_bootstrap,
        "min_confidence": recommender.min_confidence,
        # What the choices maximise, whether churnlab personalises, why; each policy's CV value.
        "objective": recommender.objective_,
        "personalises": recommender.personalises,
        "policy": recommender.policy_,
        "policy_reason": recommender.policy_reason,
    }
    if recommender.cv_results_ is not None:
        table = pd.DataFrame(recommender.cv_results_)
        summary["cv_results"] = table.round(4).to_dict(orient="records")
    if recommender.policy_results_ is not None:
        policies = pd.DataFrame(recommender.policy_results_)
        summary["policy_values"] = policies.round(4).to_dict(orient="records")
    return summary
