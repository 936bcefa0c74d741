"""churnlab: dismissal risk and retention actions for a dental health-plan network.

The public API: reading forms (:func:`parse_form`, :func:`read_forms`), glosa
histories (:func:`read_glosa_csv`, :func:`glosa_kind`), features
(:func:`build_features`), the models (:class:`DismissalRiskModel`,
:class:`ActionRecommender`, :class:`ReasonTagger`), training
(:func:`train_model`), scoring (:func:`score`, :func:`load_model`) and the
economics of an action (:class:`Economics`).
"""

from churnlab.bundle import ChurnModel, load_model
from churnlab.economics import Economics
from churnlab.errors import ChurnlabError, DataError, FormParseError, ModelFileError
from churnlab.features import build_features
from churnlab.forms import FormBatch, parse_form, read_forms
from churnlab.glosas import glosa_kind, read_glosa_csv
from churnlab.reasons import ReasonTagger
from churnlab.recommend import ActionRecommender, evaluate_policy
from churnlab.records import ACTION_LABELS, ACTIONS, DISMISSAL_REASONS, RetentionCase
from churnlab.risk import DismissalRiskModel
from churnlab.scoring import score
from churnlab.training import train_model

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "DISMISSAL_REASONS",
    "ActionRecommender",
    "ChurnModel",
    "ChurnlabError",
    "DataError",
    "DismissalRiskModel",
    "Economics",
    "FormBatch",
    "FormParseError",
    "ModelFileError",
    "ReasonTagger",
    "RetentionCase",
    "build_features",
    "evaluate_policy",
    "glosa_kind",
    "load_model",
    "parse_form",
    "read_forms",
    "read_glosa_csv",
    "score",
    "train_model",
]
