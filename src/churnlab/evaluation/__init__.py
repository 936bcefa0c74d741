"""Measuring models and policies: scores against outcomes, policies off-policy, models against truth.

Public (``from churnlab.evaluation import ...``):

- on the operator's own closed cases: :func:`evaluate_policy` (IPW and
  doubly-robust value of the recommender's policy, the analysts' and fixed
  actions) and :func:`uplift_calibration` (is a bigger predicted uplift a
  bigger real one?);
- risk scores against outcomes: :func:`compare_scores`;
- the network model against the field's days-without-a-guide rules:
  :func:`backtest`;
- against the truth a synthetic data set knows (``truth.csv``):
  :func:`true_effects`, :func:`policy_values`, :func:`uplift_curve`;
- plots: :func:`roc_plot`, :func:`calibration_plot`, :func:`uplift_plot`,
  :func:`policy_plot`, :func:`uplift_calibration_plot`, :func:`survival_plot`,
  :func:`capture_plot`.

Names are imported on first use, so importing one estimator's module does not
load matplotlib. The modules inside this package are internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from churnlab._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "evaluate_policy": "churnlab.evaluation.off_policy",
    "uplift_calibration": "churnlab.evaluation.off_policy",
    "compare_scores": "churnlab.evaluation.metrics",
    "backtest": "churnlab.evaluation.network_backtest",
    "true_effects": "churnlab.evaluation.truth",
    "policy_values": "churnlab.evaluation.truth",
    "uplift_curve": "churnlab.evaluation.truth",
    "roc_plot": "churnlab.evaluation.plots",
    "calibration_plot": "churnlab.evaluation.plots",
    "uplift_plot": "churnlab.evaluation.plots",
    "policy_plot": "churnlab.evaluation.plots",
    "uplift_calibration_plot": "churnlab.evaluation.plots",
    "survival_plot": "churnlab.evaluation.plots",
    "capture_plot": "churnlab.evaluation.plots",
}

__all__ = [
    "backtest",
    "calibration_plot",
    "capture_plot",
    "compare_scores",
    "evaluate_policy",
    "policy_plot",
    "policy_values",
    "roc_plot",
    "survival_plot",
    "true_effects",
    "uplift_calibration",
    "uplift_calibration_plot",
    "uplift_curve",
    "uplift_plot",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from churnlab.evaluation.metrics import compare_scores
    from churnlab.evaluation.network_backtest import backtest
    from churnlab.evaluation.off_policy import evaluate_policy, uplift_calibration
    from churnlab.evaluation.plots import (
        calibration_plot,
        capture_plot,
        policy_plot,
        roc_plot,
        survival_plot,
        uplift_calibration_plot,
        uplift_plot,
    )
    from churnlab.evaluation.truth import policy_values, true_effects, uplift_curve
