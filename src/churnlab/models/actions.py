"""Retention actions as the models read them: input checks, integer codes, per-label frames, the best action.

Every model and evaluation reads the action labels of
:data:`~churnlab.io.records.ACTION_LABELS` in that order (``none`` first), as
integer codes into it or as frames with one column per label. The choice of
the action to try first is made in one place, :func:`best_action`, so the
recommender, the batch and single-case scoring and the off-policy evaluation
cannot disagree on a tie or a missing estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold

from churnlab.io.records import ACTION_LABELS, NO_ACTION

N_ACTIONS = len(ACTION_LABELS)
"""Number of labels, ``none`` included."""

_LABELS = np.array(ACTION_LABELS, dtype=object)


def best_action(values, allowed=None) -> np.ndarray:
    """Per row, the label with the largest value: the action to try first.

    Parameters
    ----------
    values : array-like or pandas.DataFrame of shape (n_rows, len(ACTION_LABELS))
        A value per row and label (expected R$, or P(retained)), columns in the
        order of :data:`~churnlab.io.records.ACTION_LABELS`; a frame is read by
        those column names.
    allowed : array-like of bool, same shape, or None
        False where a label may not be chosen. Under ``min_confidence`` it is
        :meth:`ActionRecommender.confident_actions
        <churnlab.models.recommender.ActionRecommender.confident_actions>`: an
        action only when the lower end of its uplift interval is above 0,
        ``none`` always; the uplift calibration rules ``none`` out to compare
        actions only. ``-inf`` values (ruled-out labels in
        :meth:`~churnlab.models.recommender.ActionRecommender.expected_values`)
        are never chosen either.

    Returns
    -------
    numpy.ndarray of str (object)
        One label per row.

    Notes
    -----
    * Ties go to the label listed first in ``ACTION_LABELS``, so ``none`` wins
      a tie with any action: nothing is offered unless it is worth more.
    * NaN (an action without an estimate) never wins.
    * A row where no allowed label has a value (all NaN, ``-inf`` or ruled out) gets ``none``.

    Examples
    --------
    >>> best_action([[10.0, 12.0, 12.0, float("nan"), 0, 0, 0],
    ...              [10.0, 10.0, 9.0, 9.0, 9, 9, 9],
    ...              [10.0, 12.0, 11.0, 0, 0, 0, 0]],
    ...             allowed=[[True] * 7, [True] * 7, [True, False, True, True, True, True, True]]).tolist()
    ['new_prices', 'none', 'support']
    """
    if isinstance(values, pd.DataFrame):
        values = values[list(ACTION_LABELS)]
    matrix = np.array(values, dtype=float, ndmin=2)
    if matrix.shape[1] != N_ACTIONS:
        raise ValueError(
            f"values must have one column per action label ({N_ACTIONS}); got shape {matrix.shape}"
        )
    usable = ~np.isnan(matrix) & (matrix > -np.inf)
    if allowed is not None:
        usable &= np.asarray(allowed, dtype=bool)
    scores = np.where(usable, matrix, -np.inf)
    best = scores.argmax(axis=1)  # the first of equal maxima: none before any action
    return _LABELS[np.where(usable.any(axis=1), best, ACTION_LABELS.index(NO_ACTION))]


def action_codes(labels) -> np.ndarray:
    """Integer codes (positions in ``ACTION_LABELS``) of valid labels (:func:`check_actions`)."""
    index = {label: i for i, label in enumerate(ACTION_LABELS)}
    return np.array([index[label] for label in labels], dtype=int)


def action_frame(values: np.ndarray, index) -> pd.DataFrame:
    """A rows × labels matrix as a frame with one column per label of ``ACTION_LABELS``."""
    return pd.DataFrame(values, index=index, columns=list(ACTION_LABELS))


def action_folds(codes: np.ndarray, cv: int, random_state) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-fitting folds, stratified by action when every action present has ``cv`` cases, else plain."""
    counts = np.bincount(codes, minlength=N_ACTIONS)
    if counts[counts > 0].min() >= cv:
        splitter = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    else:
        splitter = KFold(cv, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(codes)), codes))


# --- input checks ------------------------------------------------------------------------


def as_frame(X) -> pd.DataFrame:
    """``X`` as a frame: a frame unchanged, a 2-D array with columns ``x0``, ``x1``..."""
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"X must be 2-dimensional (one row per case); got shape {array.shape}")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def check_actions(actions, n: int | None = None) -> np.ndarray:
    """Action labels as an object array; unknown labels raise a ``ValueError`` naming them.

    Examples
    --------
    >>> check_actions(["none", "support"]).tolist()
    ['none', 'support']
    >>> check_actions(["discount"])
    Traceback (most recent call last):
    ...
    ValueError: unknown action labels ['discount']; allowed labels: none, new_prices, support, publicity, training, refresher, other
    """  # noqa: E501
    values = np.asarray(actions, dtype=object).ravel()
    if n is not None and len(values) != n:
        raise ValueError(f"actions has {len(values)} entries but X has {n} rows")
    unknown = sorted({str(v) for v in values} - set(ACTION_LABELS))
    if unknown:
        raise ValueError(f"unknown action labels {unknown}; allowed labels: {', '.join(ACTION_LABELS)}")
    return values.astype(str).astype(object)


def check_retained(retained, n: int) -> np.ndarray:
    """Outcomes as 0 (lost) / 1 (retained) ints, one per row of X; anything else raises ``ValueError``."""
    values = np.asarray(retained).ravel()
    if len(values) != n:
        raise ValueError(f"retained has {len(values)} entries but X has {n} rows")
    try:
        numeric = values.astype(float)
    except (TypeError, ValueError):
        raise ValueError("retained must be 0 (lost) / 1 (retained)") from None
    if np.isnan(numeric).any() or not set(np.unique(numeric)) <= {0.0, 1.0}:
        raise ValueError("retained must be 0 (lost) / 1 (retained), without missing values")
    return numeric.astype(int)
