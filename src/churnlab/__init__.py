"""churnlab: dismissal risk and retention actions for a dental health-plan network.

The public API: reading forms (:func:`parse_form`, :func:`read_forms`), glosa
histories (:func:`read_glosa_csv`, :func:`glosa_kind`), features
(:func:`build_features`), the models (:class:`DismissalRiskModel`,
:class:`ActionRecommender`, :class:`ReasonTagger`), training
(:func:`train_model`), scoring (:func:`score`, :func:`load_model`), the
economics of an action (:class:`Economics`) and the network (contract 4:
:func:`read_network`, :func:`network_features`, :class:`NetworkRiskModel`,
:func:`score_network`).

The package reads as its stages: ``io`` (forms, glosa exports, data folders)
→ ``features`` → ``models`` → ``evaluation`` → ``app`` (scoring, training,
CLI, HTTP service, worklist), with ``synthetic`` (the generator) and
``privacy`` (the anonymiser) beside ``io``. Names are imported on first use,
so ``import churnlab`` and ``churnlab --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.2.0"

_EXPORTS: dict[str, str] = {
    "ACTIONS": "churnlab.io.records",
    "ACTION_LABELS": "churnlab.io.records",
    "DISMISSAL_REASONS": "churnlab.io.records",
    "RetentionCase": "churnlab.io.records",
    "ChurnlabError": "churnlab.errors",
    "DataError": "churnlab.errors",
    "FormParseError": "churnlab.errors",
    "ModelFileError": "churnlab.errors",
    "parse_form": "churnlab.io.forms",
    "FormBatch": "churnlab.io.batch",
    "read_forms": "churnlab.io.batch",
    "glosa_kind": "churnlab.io.glosas",
    "read_glosa_csv": "churnlab.io.glosas",
    "build_features": "churnlab.features.cases",
    "ReasonTagger": "churnlab.models.reasons",
    "DismissalRiskModel": "churnlab.models.risk",
    "ActionRecommender": "churnlab.models.recommender",
    "Economics": "churnlab.models.economics",
    "ChurnModel": "churnlab.models.churn_model",
    "load_model": "churnlab.models.persistence",
    "evaluate_policy": "churnlab.evaluation.off_policy",
    "train_model": "churnlab.app.training",
    "score": "churnlab.app.scoring",
    "read_network": "churnlab.io.network",
    "network_features": "churnlab.features.network",
    "NetworkRiskModel": "churnlab.models.network_risk",
    "score_network": "churnlab.app.network_scoring",
}

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "ActionRecommender",
    "ChurnModel",
    "ChurnlabError",
    "DISMISSAL_REASONS",
    "DataError",
    "DismissalRiskModel",
    "Economics",
    "FormBatch",
    "FormParseError",
    "ModelFileError",
    "NetworkRiskModel",
    "ReasonTagger",
    "RetentionCase",
    "build_features",
    "evaluate_policy",
    "glosa_kind",
    "load_model",
    "network_features",
    "parse_form",
    "read_forms",
    "read_glosa_csv",
    "read_network",
    "score",
    "score_network",
    "train_model",
]


def __getattr__(name: str):
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'churnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from churnlab.app.network_scoring import score_network
    from churnlab.app.scoring import score
    from churnlab.app.training import train_model
    from churnlab.errors import ChurnlabError, DataError, FormParseError, ModelFileError
    from churnlab.evaluation.off_policy import evaluate_policy
    from churnlab.features.cases import build_features
    from churnlab.features.network import network_features
    from churnlab.io.batch import FormBatch, read_forms
    from churnlab.io.forms import parse_form
    from churnlab.io.glosas import glosa_kind, read_glosa_csv
    from churnlab.io.network import read_network
    from churnlab.io.records import ACTION_LABELS, ACTIONS, DISMISSAL_REASONS, RetentionCase
    from churnlab.models.churn_model import ChurnModel
    from churnlab.models.economics import Economics
    from churnlab.models.network_risk import NetworkRiskModel
    from churnlab.models.persistence import load_model
    from churnlab.models.reasons import ReasonTagger
    from churnlab.models.recommender import ActionRecommender
    from churnlab.models.risk import DismissalRiskModel
