"""Reading and scoring of the network on a Dask cluster (``--scheduler``).

Why Dask: it is the engine Python data teams already run (a laptop's
``LocalCluster`` up to a cluster on Kubernetes, YARN or a cloud service),
it speaks pandas, and it reads the same fsspec URLs; churnlab brings no
scheduler of its own. Dask is an extra (``pip install 'churnlab[dask]'``).

The seam is the block (:mod:`churnlab.io.blocks`): the driver plans each big
file's blocks once; each worker reads and checks its blocks with the
functions the single process uses and returns small arrays (the glosas'
dentist, month, kind and value per row, or the production rows); the
driver adds them up in block order, with the same functions, so the
monthly sums, the rejects and their lines are the single process's, to
the bit. The features are worked out here, from the network's dentist ×
month tables (they compare the dentists of a city; shipping those tables to
a worker cost ten times the work itself), and scored in partitions on the
workers by :func:`~churnlab.app.network_scoring.score_partition`.

The workers must read the files at the paths the driver names: a folder
they share (the block reader also opens fsspec URLs, ``s3://...``, but a
data folder is a path).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar

import pandas as pd

from churnlab.app.network_partition import score_partition
from churnlab.errors import DataError
from churnlab.io.blocks import (
    Block,
    GlosaPiece,
    add_glosa_piece,
    glosa_pieces,
    plan_blocks,
    production_pieces,
)
from churnlab.io.glosa_months import GlosaMonths, GlosaRead, GlosaRows, KeptDentists
from churnlab.io.glosas import HEADER_OF_COLUMN
from churnlab.io.network import PRODUCTION_HEADER, Network, production_of, read_network
from churnlab.io.progress import progress_bar
from churnlab.io.sources import find_source
from churnlab.io.table import Reject
from churnlab.models.churn_model import ChurnModel

INSTALL = "pip install 'churnlab[dask]'"

PARTITION_ROWS = 20_000
"""Dentists per scoring partition."""

_R = TypeVar("_R")


def _on_worker(task: Callable[..., _R], block: Block, *args: Any) -> _R:
    """Run a block's task; a file this worker cannot read is said with the worker's host."""
    try:
        return task(block, *args)
    except DataError as exc:
        raise DataError(f"{exc} (read by a Dask worker on {socket.gethostname()})") from None


class DaskRun:
    """A connected Dask client and what churnlab runs on it."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _results(
        self, futures: list[Any], path: str | os.PathLike[str], progress: bool, doing: str = "reading"
    ) -> Iterator[Any]:
        """Each future's result in submission order (block order), released once taken."""
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        unit = "block" if doing == "reading" else "partition"
        for future in progress_bar(futures, path, progress, total=len(futures), doing=doing, unit=unit):
            try:
                yield future.result()
            except (KilledWorker, CancelledError) as exc:
                raise DataError(f"{path}: a Dask worker was lost while {doing} it ({exc})") from None
            future.release()

    def read_glosas(
        self,
        path: str | os.PathLike[str],
        keep_rows_of: Collection[str] | bool = False,
        progress: bool = False,
    ) -> GlosaRead:
        """The glosa export read on the cluster: as :func:`~churnlab.io.glosa_months.read_glosa_months`.

        Workers send back every good row when rows are kept; those of the dentists
        ``keep_rows_of`` names are kept here.
        """
        keep = keep_rows_of is not False
        futures = self._submit(glosa_pieces, path, HEADER_OF_COLUMN, "glosa file", keep)
        return self._glosas(path, futures, keep_rows_of, progress)

    def _submit(
        self,
        task: Callable[..., Any],
        path: str | os.PathLike[str],
        header: dict[str, str],
        what: str,
        *args: Any,
    ) -> list[Any]:
        """Plan the blocks of ``path`` (columns named by ``header``) here; each goes to a ``task``."""
        blocks = plan_blocks(path, header, {}, what)
        n = len(blocks)
        return list(self.client.map(_on_worker, [task] * n, blocks, *([a] * n for a in args), pure=False))

    def _glosas(
        self,
        path: str | os.PathLike[str],
        futures: list[Any],
        keep_rows_of: Collection[str] | bool,
        progress: bool,
    ) -> GlosaRead:
        of = None if isinstance(keep_rows_of, bool) else KeptDentists(keep_rows_of)
        sums, kept = GlosaMonths(), GlosaRows() if keep_rows_of is not False else None
        rejects: list[Reject] = []
        read = 0
        for pieces in self._results(futures, path, progress):
            piece: GlosaPiece
            for piece in pieces:
                read += add_glosa_piece(sums, kept, piece, of)
                rejects += piece.rejects
        if kept is not None:
            kept.keys, kept.rejects = sums.keys, rejects
        return GlosaRead(sums.frame(), kept, rejects, read, os.path.basename(path))

    def _production(
        self, path: str | os.PathLike[str], futures: list[Any], progress: bool
    ) -> tuple[pd.DataFrame, list[Reject], list[str]]:
        parts, rejects = [], []
        for pieces in self._results(futures, path, progress):
            for rows, found in pieces:
                parts.append(rows)
                rejects += found
        return production_of(path, parts, rejects)

    def read_network(self, folder: str | os.PathLike[str], progress: bool = False) -> Network:
        """:func:`~churnlab.io.network.read_network` with production and glosas read on the cluster.

        Both files' blocks are handed out at once, so the workers read glosas
        while production's rows are put together here.
        """
        production_path, glosa_path = find_source(folder, "production"), find_source(folder, "glosas")
        on_production = (
            None
            if production_path is None
            else self._submit(production_pieces, production_path, PRODUCTION_HEADER, "production file")
        )
        on_glosas = (
            None
            if glosa_path is None
            else self._submit(glosa_pieces, glosa_path, HEADER_OF_COLUMN, "glosa file", False)
        )
        production = None
        if production_path is not None and on_production is not None:
            production = self._production(production_path, on_production, progress)
        glosas = None
        if glosa_path is not None and on_glosas is not None:
            glosas = self._glosas(glosa_path, on_glosas, False, progress)
        return read_network(folder, glosas=glosas, production_read=production)

    def score_partitions(self, X: pd.DataFrame, model: ChurnModel, progress: bool = False) -> pd.DataFrame:
        """:func:`~churnlab.app.network_scoring.score_partition` on partitions of ``X``, in order."""
        shared = self.client.scatter(model, broadcast=True, direct=True)
        cuts = range(0, max(len(X), 1), PARTITION_ROWS)
        futures = [
            self.client.submit(score_partition, X.iloc[start : start + PARTITION_ROWS], shared, pure=False)
            for start in cuts
        ]
        parts = list(self._results(futures, "the network", progress, doing="scoring"))
        return pd.concat(parts) if len(parts) > 1 else parts[0]


@contextlib.contextmanager
def cluster(scheduler: str) -> Iterator[DaskRun]:
    """Connect to ``scheduler`` (an address, or ``local:N`` for a local cluster of N worker processes).

    Raises
    ------
    DataError
        Dask is not installed (saying how to install it), ``local:N`` is
        malformed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DataError(f"--scheduler {scheduler}: Dask is not installed; {INSTALL}") from None
    if scheduler.startswith("local:"):
        count = scheduler.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise DataError(
                f"--scheduler {scheduler}: expected local:N with N worker processes, e.g. local:2"
            )
        with (
            LocalCluster(
                n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as local,
            Client(local) as client,
        ):  # fmt: skip
            yield DaskRun(client)
        return
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise DataError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None
    with client:
        yield DaskRun(client)
