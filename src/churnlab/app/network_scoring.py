"""Score the whole network: who is likely to ask to leave, before they do.

The files read and written: 'Network files' (docs/concepts/contracts/network-files.md).

:func:`score_network` is what ``churnlab network`` runs and notebooks call:
every dentist active on the as-of date, with ``risk_30d``/``risk_90d``/
``risk_180d``, the dentist's value under the model's economics, the expected
loss (90-day risk × value) that orders the rows, the reasons in words,
months since the last guide and glosas in the last 90 days.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.app.network_partition import score_partition
from churnlab.errors import DataError
from churnlab.features.network import network_features
from churnlab.features.network_tail import export_tail
from churnlab.io.network import Network, read_network
from churnlab.models.churn_model import ChurnModel
from churnlab.models.persistence import has_network_model, load_model

if TYPE_CHECKING:
    from churnlab.app.distributed import DaskRun

MAX_DAYS_AFTER_DATA = 92
"""How long after the end of the production data an as-of date may be (a quarter)."""

REASONS_FOR = 10_000
"""Rows (from the top) whose reasons :func:`score_network` works out by default."""

NETWORK_SCORE_COLUMNS = [
    "priority", "cro", "uf", "name", "city", "risk_30d", "risk_90d", "risk_180d", "dentist_value",
    "expected_loss", "reasons", "months_since_last_guide", "guides_3m", "glosas_3m", "glosas_12m",
    "tenure_months", "earlier_cases",
]  # fmt: skip
"""Columns of ``network_scores.csv``, in order (``cro``, ``uf``, ``risk_90d`` as 'Network files' states,
and context)."""


def _as_of(value: str | pd.Timestamp | None, network: Network) -> pd.Timestamp:
    if value is None:
        return network.end
    try:
        as_of = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise DataError(f"--as-of {value!r}: not a date (expected YYYY-MM-DD)") from None
    if pd.isna(as_of):
        raise DataError(f"--as-of {value!r}: not a date (expected YYYY-MM-DD)")
    if as_of > network.end + pd.Timedelta(days=MAX_DAYS_AFTER_DATA):
        raise DataError(
            f"--as-of {as_of.date()}: the production data ends on {network.end.date()}; "
            f"a score more than {MAX_DAYS_AFTER_DATA} days later would take the months "
            "without data for months without guides"
        )
    first = network.production["month"].min()
    if as_of < first:
        raise DataError(
            f"--as-of {as_of.date()}: before the first production month "
            f"({first:%m/%Y}); nothing is known about the network then"
        )
    return as_of.normalize()


def _lag(
    network: Network, when: pd.Timestamp, model: ChurnModel, complete_through: str | None
) -> tuple[int, list[str]]:
    """Months of production to leave out before ``when``, and what to say about it.

    The model's own lag (its card's ``network.tail``; 0 for a card from before
    tails were measured) keeps scoring rows like its training rows; an
    incomplete tail reaching further back than that is left out too, and said.
    """
    trained = int((model.card.get("network") or {}).get("tail", {}).get("lag_months", 0))
    tail = export_tail(network, complete_through)
    last_complete = when + pd.offsets.MonthEnd(0)
    last_complete = last_complete if when == last_complete else when - pd.offsets.MonthEnd(1)
    month = pd.Timestamp(last_complete.year, last_complete.month, 1)
    behind = (month.year - tail.complete_through.year) * 12 + month.month - tail.complete_through.month
    needed = max(0, behind) if (tail.lag or tail.stated) else 0
    said = [tail.message()] if tail.lag or tail.stated else []
    if needed > trained:
        said.append(
            f"the model was trained reading production {trained} month(s) short of each date; "
            f"this export needs {needed}: retrain on it (`churnlab train`) for rows alike"
        )
    return max(trained, needed), said


def _no_network_model() -> DataError:
    return DataError(
        "the model has no network model: train it on a data folder with roster.csv and "
        "production.csv (`churnlab train DATA_DIR --out MODEL_DIR`)"
    )


@contextlib.contextmanager
def _loading(model: ChurnModel | str | os.PathLike[str] | None) -> Iterator[Callable[[], ChurnModel]]:
    """The model as given, or loaded from its folder in a thread while the caller reads the network.

    Loading (~1.5 s: unpickling four estimators) overlaps the reading's Arrow work on the other core.
    """
    if isinstance(model, ChurnModel):
        ready = model
        yield lambda: ready
        return
    with ThreadPoolExecutor(1, thread_name_prefix="churnlab-model") as pool:
        yield pool.submit(load_model, model).result


@contextlib.contextmanager
def _cluster_or_none(scheduler: str | None) -> Iterator[DaskRun | None]:
    """The Dask cluster ``scheduler`` names (:func:`~churnlab.app.distributed.cluster`), or None (here)."""
    if scheduler is None:
        yield None
        return
    from churnlab.app.distributed import cluster

    with cluster(scheduler) as dask:
        yield dask


def score_network(
    data: str | os.PathLike[str] | Network,
    model: ChurnModel | str | os.PathLike[str] | None = None,
    as_of: str | pd.Timestamp | None = None,
    top_reasons: int = 3,
    reasons_for: int | None = REASONS_FOR,
    complete_through: str | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Score every dentist active on ``as_of`` (default: the end of the data), ordered by expected loss.

    Parameters
    ----------
    data : path or Network
        A data folder with ``roster.csv`` and ``production.csv`` (and
        optionally ``glosas.csv`` and ``forms/``), or a :class:`Network`.
    model : ChurnModel, path or None
        A model trained with the network files (the bundled one when None).
    as_of : date, optional
        Only what is dated on or before it is used.
    reasons_for : int or None
        Reasons are worked out for this many rows from the top (each costs a
        model evaluation per reason group); the rest get an empty list. None:
        every row.
    complete_through : str, optional
        The last complete production month (``MM/YYYY``); without it the
        export's incomplete tail is measured. Production is read as far short
        of the as-of date as the model was trained with, or as the tail needs
        when that is more (:func:`_lag`).
    scheduler : str, optional
        Read the big files and score the dentists on a Dask cluster: a
        scheduler's address (``tcp://host:8786``) or ``local:N`` for a local
        cluster of N worker processes (needs ``churnlab[dask]``;
        :mod:`churnlab.app.distributed`). The features are worked out here;
        with a :class:`Network` already read, only the scoring is sent. The
        result is the single process's.
    progress : bool
        Show bars over the blocks and partitions on a terminal (nothing on a pipe).

    Returns
    -------
    pandas.DataFrame
        :data:`NETWORK_SCORE_COLUMNS`; ``reasons`` holds lists of
        :class:`~churnlab.models.risk.Reason` (``for_people`` writes their words).
        ``df.attrs["problems"]`` lists the network's rejected rows and warnings,
        and what was found of an incomplete tail; ``df.attrs["drift"]`` the
        input-drift rows against the training profile
        (:func:`~churnlab.features.drift.drift_table`, as records; None when the card has none).

    Raises
    ------
    DataError
        Missing network files, a bad date, or a model without a network model.
    """
    if not (model.network is not None if isinstance(model, ChurnModel) else has_network_model(model)):
        raise _no_network_model()
    with _loading(model) as loaded, _cluster_or_none(scheduler) as dask:
        if isinstance(data, Network):
            network = data
        else:
            network = (read_network if dask is None else dask.read_network)(data, progress=progress)
        model = loaded()
        if model.network is None:  # a card listing one loads one: this only narrows the type
            raise _no_network_model()
        when = _as_of(as_of, network)
        lag, said = _lag(network, when, model, complete_through)
        X = network_features(network, when, lag=lag)  # here: cheaper than shipping the network to a worker
        scored = (
            score_partition(X, model) if dask is None else dask.score_partitions(X, model, progress=progress)
        )
    drift = model.drift_counter(network=True)
    if drift is not None:
        drift.add(X)
    roster = network.roster.loc[X.index]
    out = pd.DataFrame(
        {"cro": roster["cro"], "uf": roster["uf"], "name": roster["name"], "city": roster["city"]},
        index=X.index,
    )
    risks = [c for c in scored.columns if str(c).startswith("risk_")]
    out = out.join(scored[[*risks, "dentist_value", "expected_loss"]])
    for column in (
        "months_since_last_guide",
        "guides_3m",
        "glosas_3m",
        "glosas_12m",
        "tenure_months",
        "earlier_cases",
    ):
        out[column] = X[column].astype(float).round(1).to_numpy()
    out = out.sort_values(["expected_loss", "risk_90d"], ascending=False, kind="stable")
    explained = out.index[:reasons_for] if reasons_for is not None else out.index
    found = model.network.explain(X.loc[explained], top=top_reasons) if len(explained) else []
    reasons = dict(zip(explained, found, strict=True))
    out["reasons"] = [reasons.get(key, []) for key in out.index]
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    out = out.reset_index(drop=True)[NETWORK_SCORE_COLUMNS]
    out.attrs["as_of"] = str(when.date())
    out.attrs["problems"] = [*said, *network.problems()]
    out.attrs["lag_months"] = lag
    out.attrs["rejected_rows"] = len(network.rejects)
    out.attrs["drift"] = drift.table().to_dict(orient="records") if drift is not None and drift.rows else None
    return out
