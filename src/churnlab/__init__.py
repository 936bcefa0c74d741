"""churnlab: dismissal risk and retention actions for a dental health-plan network.

The public API, as a data scientist uses it (``import churnlab as cl``):

- reading: forms (:func:`parse_form`, :func:`read_forms`), glosa histories
  (:func:`read_glosa_csv`, :func:`glosa_kind`) and a whole data folder
  (:func:`load_data_dir`);
- features and labels: :func:`build_features`, :func:`case_table`;
- the models: :class:`DismissalRiskModel`, :class:`ActionRecommender`,
  :class:`ReasonTagger`, the economics of an action (:class:`Economics`) and
  the fitted bundle :class:`ChurnModel`;
- training and scoring: :func:`train_model`, :func:`load_model`,
  :func:`score`, :func:`rank`, the worklist (:func:`write_worklist`,
  :func:`budget_curve`);
- the network ('Network files' in the docs,
  docs/concepts/contracts/network-files.md): :func:`read_network`,
  :func:`network_features`, :class:`NetworkRiskModel`, :func:`score_network` and
  :func:`score_partition` (one partition, for Spark, Ray or Dask);
- the case store and its report: :func:`open_store`, :class:`CaseStore`,
  :func:`store_report`, :func:`render_report`, :func:`simulate_loop`;
- errors: :class:`ChurnlabError` and its kinds.

Two public subpackages hold the rest: :mod:`churnlab.evaluation` (measuring
models and policies, off-policy estimates, plots) and :mod:`churnlab.synthetic`
(the generator, whose data come with their truth). Every other module path is
internal and may change between releases.

The package reads as its stages: ``io`` (forms, glosa exports, data folders)
→ ``features`` → ``models`` → ``evaluation`` → ``app`` (scoring, training,
CLI, HTTP service, worklist), with ``synthetic`` (the generator) and
``privacy`` (the anonymiser) beside ``io``. Names are imported on first use,
so ``import churnlab`` and ``churnlab --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from churnlab._lazy import lazy_exports

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
    "load_data_dir": "churnlab.io.folder",
    "build_features": "churnlab.features.cases",
    "case_table": "churnlab.features.labels",
    "ReasonTagger": "churnlab.models.reasons",
    "DismissalRiskModel": "churnlab.models.risk",
    "ActionRecommender": "churnlab.models.recommender",
    "Economics": "churnlab.models.economics",
    "ChurnModel": "churnlab.models.churn_model",
    "load_model": "churnlab.models.persistence",
    "save_model": "churnlab.models.persistence",
    "train_model": "churnlab.app.training",
    "score": "churnlab.app.scoring",
    "rank": "churnlab.app.scoring",
    "budget_curve": "churnlab.app.worklist",
    "write_worklist": "churnlab.app.worklist",
    "read_network": "churnlab.io.network",
    "network_features": "churnlab.features.network",
    "NetworkRiskModel": "churnlab.models.network_risk",
    "score_network": "churnlab.app.network_scoring",
    "score_partition": "churnlab.app.network_partition",
    "CaseStore": "churnlab.store",
    "open_store": "churnlab.store",
    "store_report": "churnlab.app.report",
    "render_report": "churnlab.app.report",
    "simulate_loop": "churnlab.app.loop_simulation",
}

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "ActionRecommender",
    "CaseStore",
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
    "budget_curve",
    "build_features",
    "case_table",
    "glosa_kind",
    "load_data_dir",
    "load_model",
    "network_features",
    "open_store",
    "parse_form",
    "rank",
    "save_model",
    "read_forms",
    "read_glosa_csv",
    "read_network",
    "render_report",
    "score",
    "score_network",
    "score_partition",
    "simulate_loop",
    "store_report",
    "train_model",
    "write_worklist",
]


def _version() -> str:
    """The installed churnlab's version: pyproject.toml's, as installing recorded it."""
    from importlib import metadata

    try:
        return metadata.version("churnlab")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, computed={"__version__": _version})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    __version__: str

    from churnlab.app.loop_simulation import simulate_loop
    from churnlab.app.network_partition import score_partition
    from churnlab.app.network_scoring import score_network
    from churnlab.app.report import render_report, store_report
    from churnlab.app.scoring import rank, score
    from churnlab.app.training import train_model
    from churnlab.app.worklist import budget_curve, write_worklist
    from churnlab.errors import ChurnlabError, DataError, FormParseError, ModelFileError
    from churnlab.features.cases import build_features
    from churnlab.features.labels import case_table
    from churnlab.features.network import network_features
    from churnlab.io.batch import FormBatch, read_forms
    from churnlab.io.folder import load_data_dir
    from churnlab.io.forms import parse_form
    from churnlab.io.glosas import glosa_kind, read_glosa_csv
    from churnlab.io.network import read_network
    from churnlab.io.records import ACTION_LABELS, ACTIONS, DISMISSAL_REASONS, RetentionCase
    from churnlab.models.churn_model import ChurnModel
    from churnlab.models.economics import Economics
    from churnlab.models.network_risk import NetworkRiskModel
    from churnlab.models.persistence import load_model, save_model
    from churnlab.models.reasons import ReasonTagger
    from churnlab.models.recommender import ActionRecommender
    from churnlab.models.risk import DismissalRiskModel
    from churnlab.store import CaseStore, open_store
