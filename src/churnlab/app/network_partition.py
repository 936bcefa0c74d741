"""One partition of the network's feature rows scored: what Spark, Ray or Dask call on each.

:func:`score_partition` is the network model's scoring alone, on rows a
caller cut as it liked ('Read big exports' in the docs:
docs/how-to/big-exports.md): ``churnlab network`` calls it on the whole
network, or on partitions sent to Dask workers (:mod:`churnlab.app.distributed`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.features.network import FEATURES
from churnlab.models.churn_model import ChurnModel


def score_partition(frame: pd.DataFrame, model: ChurnModel) -> pd.DataFrame:
    """Score one partition of the network's feature rows, for Spark, Ray or Dask to call on each.

    The network model scores each dentist from that dentist's row alone, so a
    table of feature rows (:func:`~churnlab.features.network.network_features`,
    written out once) can be cut anywhere and scored where it lies: Spark's
    ``mapInPandas``, Ray's ``map_batches``, Dask's ``map_partitions``. The
    risks and values equal ``churnlab network``'s for the same dentists.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per dentist: every column of
        :data:`~churnlab.features.network.FEATURES` (numbers; NaN where
        unknown), and any other columns (``key``, ``cro``, ``uf``...), which
        are passed through.
    model : ChurnModel
        A model with a network model (:func:`~churnlab.models.persistence.load_model`).

    Returns
    -------
    pandas.DataFrame
        The frame's columns that are not features, then
        ``risk_30d``, ``risk_90d``, ``risk_180d`` (the model's horizons),
        ``dentist_value`` (R$, rounded to cents) and ``expected_loss``
        (``risk_90d`` × value, rounded to cents); same index and row order.

    Raises
    ------
    DataError
        A model without a network model, or feature columns missing (named).
    """
    if model.network is None:
        raise DataError(
            "the model has no network model: train it on a data folder with roster.csv and production.csv"
        )
    missing = [name for name in FEATURES if name not in frame]
    if missing:
        raise DataError(f"the partition lacks the network feature column(s) {', '.join(missing)}")
    risks = model.network.predict_risk(frame)
    value = model.economics.value_of(
        frame["lives"].to_numpy(dtype=np.float32),
        frame["listed_cros"].to_numpy(dtype=np.float32),
        frame["value_3m"].to_numpy(dtype=np.float32),
    )
    out = frame[[c for c in frame.columns if c not in set(FEATURES)]].join(risks)
    out["dentist_value"] = np.round(value, 2)
    out["expected_loss"] = np.round(out["risk_90d"].to_numpy() * value, 2)
    return out
