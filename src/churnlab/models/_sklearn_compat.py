"""Every private or version-dependent scikit-learn name churnlab uses, in one place.

scikit-learn keeps parameter validation (``sklearn.utils._param_validation``,
``sklearn.base._fit_context``) private, and moved or changed ``validate_data``,
estimator tags and ``parametrize_with_checks`` between 1.4 and 1.6. Importing
them here, as skrub and imbalanced-learn do, means an upgrade breaks in this
file only; ``tests/test_seams.py`` checks that no other module imports them.

Everything here is imported by the estimators of :mod:`churnlab.models` and by
the tests; nothing else about it is public.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

F = TypeVar("F", bound=Callable[..., Any])


def fit_context(*, prefer_skip_nested_validation: bool) -> Callable[[F], F]:
    """``sklearn.base._fit_context``: checks ``_parameter_constraints`` before ``fit`` runs.

    Typed here because scikit-learn has no stubs: the decorated method keeps its signature.
    """
    decorator: Callable[[F], F] = _fit_context(prefer_skip_nested_validation=prefer_skip_nested_validation)
    return decorator


try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn: the method it replaced

    def validate_data(estimator, X="no_validation", y="no_validation", reset=True, **check_params):
        """``estimator._validate_data`` of scikit-learn < 1.6, under 1.6's name."""
        return estimator._validate_data(X, y, reset=reset, **check_params)


def hgb_trees(model) -> tuple[list[list], float]:
    """A fitted ``HistGradientBoosting*``'s trees and baseline raw prediction.

    Private attributes (``_predictors``: per iteration, one ``TreePredictor`` per
    class score, whose ``nodes`` record array is the tree; ``_baseline_prediction``):
    the single-case scorer walks the trees in NumPy
    (:class:`churnlab.models.fast_scoring.SingleCaseScorer`), and
    ``tests/test_fast_scoring.py`` checks it against ``predict_proba``.
    """
    return model._predictors, float(np.ravel(model._baseline_prediction)[0])


def parametrize_with_checks(estimators, *, expected_failed_checks=None):
    """scikit-learn's ``parametrize_with_checks``, with ``expected_failed_checks`` (a callable
    estimator -> {check name: reason}) marking those checks as expected failures (xfail).

    scikit-learn < 1.6 has no ``expected_failed_checks``; there every check runs.
    """
    from sklearn.utils import estimator_checks

    try:
        return estimator_checks.parametrize_with_checks(
            estimators, expected_failed_checks=expected_failed_checks
        )
    except TypeError:  # pragma: no cover - scikit-learn < 1.6
        return estimator_checks.parametrize_with_checks(estimators)


def check_param_validation(name: str, estimator) -> None:
    """scikit-learn's check that every invalid value of every parameter raises before ``fit``."""
    from sklearn.utils.estimator_checks import check_param_validation as check

    check(name, estimator)


__all__ = [
    "check_param_validation",
    "HasMethods",
    "Interval",
    "StrOptions",
    "check_is_fitted",
    "fit_context",
    "hgb_trees",
    "parametrize_with_checks",
    "validate_data",
]
