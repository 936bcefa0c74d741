"""Fit the models that score a case: the reason tagger, dismissal risk and the action recommender.

:func:`training_features` is the one place features for model fitting are
made: :func:`churnlab.features.cases.build_features` plus the stated-reason
probabilities, out-of-fold for the cases the tagger learnt from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from churnlab.features.cases import build_features, first_note
from churnlab.features.labels import case_table
from churnlab.io.records import RetentionCase
from churnlab.models.reasons import REASON_COLUMNS, ReasonTagger


def _first_notes(cases: Sequence[RetentionCase]) -> list[str]:
    return [first_note(case) for case in cases]


def add_reason_probabilities(
    X: pd.DataFrame, cases: Sequence[RetentionCase], tagger: ReasonTagger | None
) -> pd.DataFrame:
    """``X`` with one ``p_reason_<key>`` column per dismissal reason (zeros without a tagger)."""
    if tagger is None:
        reasons = pd.DataFrame(0.0, index=X.index, columns=REASON_COLUMNS)
    else:
        reasons = tagger.transform(_first_notes(cases)).set_axis(X.index)
    return pd.concat([X.drop(columns=REASON_COLUMNS, errors="ignore"), reasons], axis=1)


def training_features(
    cases: Sequence[RetentionCase], glosas: pd.DataFrame | None = None, random_state: int | None = 0
) -> tuple[pd.DataFrame, ReasonTagger | None]:
    """Features for fitting, and the reason tagger fitted on the closed cases' reason boxes.

    The tagger learns from closed cases with ticked dismissal reasons (one
    training row per ticked box). Those cases get out-of-fold probabilities, so
    no training row's features come from a tagger that saw its own label.
    Returns ``(X, tagger)``; the tagger is ``None`` when fewer than two distinct
    reasons were ticked (the columns are then zero).
    """
    cases = list(cases)
    X = build_features(cases, glosas)
    table = case_table(cases)
    notes = _first_notes(cases)
    rows = [
        (i, reason)
        for i, (closed, reasons) in enumerate(zip(table["closed"], table["reasons"], strict=True))
        if closed
        for reason in reasons
    ]
    if len({reason for _, reason in rows}) < 2:
        return add_reason_probabilities(X, cases, None), None
    index = np.array([i for i, _ in rows])
    labels = [reason for _, reason in rows]
    tagger = ReasonTagger()
    oof = tagger.fit_transform_oof([notes[i] for i in index], labels, random_state=random_state)
    X = add_reason_probabilities(X, cases, tagger)
    # Average the out-of-fold rows of cases with several ticked reasons.
    oof["row"] = index
    per_case = oof.groupby("row").mean()
    X.iloc[per_case.index, X.columns.get_indexer(pd.Index(REASON_COLUMNS))] = per_case.to_numpy()
    return X, tagger
