"""The network read and scored on a Dask cluster equals the single process; the partition scorer.

One real ``LocalCluster`` of two worker processes serves the module (its
start is most of the time); the commands reach it by its address, as they
would reach an operator's cluster.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import churnlab as cl
from churnlab.app.cli import app
from churnlab.io import blocks
from churnlab.io.blocks import Block, plan_blocks, read_block
from churnlab.io.glosa_months import read_glosa_months
from churnlab.io.glosas import HEADER_OF_COLUMN
from churnlab.io.table import iter_tables

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AS_OF = "2024-06-30"
DAMAGED = [
    "2835;SE;1;13/2023;01/01/2024;3040;GLOSA;10,00\n",  # a competence that is no month
    "2835;SE;2;01/2024\n",  # a cut row
    '2835;SE;3;01/2024;05/02/2024;3040;"GLOSA; COM PONTO E VÍRGULA";1.085,50\n',  # a quoted ;
    "2835;SE;4;01/2024;06/02/2024;3040;GLOSA;dez reais\n",  # a value that is no number
]


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The sample with damaged glosa rows spread through the export (blocks cut beside them)."""
    out = tmp_path_factory.mktemp("network")
    for name in ("roster.csv", "production.csv"):
        shutil.copy(SAMPLE / name, out / name)
    shutil.copytree(SAMPLE / "forms", out / "forms")
    lines = (SAMPLE / "glosas.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for at, row in zip((40, 1500, 3001, 6000), DAMAGED, strict=True):
        lines.insert(at, row)
    (out / "glosas.csv").write_text("".join(lines), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def model():
    return cl.load_model(None)


def test_planned_blocks_read_as_the_single_process_reads_them(folder):
    """Blocks planned once and read one by one give the tables of the streamed reader."""
    path, header = folder / "glosas.csv", dict(HEADER_OF_COLUMN)
    planned = plan_blocks(path, header, {}, "glosa file", block_bytes=8192)
    assert len(planned) > 50
    alone = [table for block in planned for table in read_block(block, header, {}, "glosa file")]
    streamed = list(iter_tables(path, header, {}, "glosa file", block_bytes=8192))
    assert [t.lines.tolist() for t in alone] == [t.lines.tolist() for t in streamed]
    assert [t.rejects for t in alone] == [t.rejects for t in streamed]
    for a, b in zip(alone, streamed, strict=True):
        pd.testing.assert_frame_equal(a.text, b.text)


def test_blocks_are_read_from_an_fsspec_url(folder):
    """What a worker does with ``s3://...``: the same blocks and rows through fsspec (here ``file://``)."""
    pytest.importorskip("fsspec")
    path, header = folder / "glosas.csv", dict(HEADER_OF_COLUMN)
    url = path.resolve().as_uri()
    local = plan_blocks(path, header, {}, "glosa file", block_bytes=100_000)
    remote = plan_blocks(url, header, {}, "glosa file", block_bytes=100_000)
    assert [(b.start, b.size, b.first_line) for b in remote] == [
        (b.start, b.size, b.first_line) for b in local
    ]
    rows = [t.rejects for b in remote for t in read_block(b, header, {}, "glosa file")]
    assert rows == [t.rejects for b in local for t in read_block(b, header, {}, "glosa file")]
    with pytest.raises(cl.DataError, match="glosa file not found"):
        plan_blocks(url + ".missing", header, {}, "glosa file")


def test_network_on_a_cluster_equals_the_single_process(folder, scheduler, model, monkeypatch):
    """Same rows, same risks (to the bit), same rejects and warnings, with blocks of 16 kB on the cluster."""
    single = cl.score_network(folder, model, as_of=AS_OF)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 16_384)  # the driver plans ~40 glosa blocks
    spread = cl.score_network(folder, model, as_of=AS_OF, scheduler=scheduler)
    assert len(single) > 200 and single.attrs["rejected_rows"] == len(DAMAGED) - 1  # the quoted ; is good
    pd.testing.assert_frame_equal(
        spread.drop(columns="reasons"), single.drop(columns="reasons"), check_exact=True
    )
    assert spread["reasons"].astype(str).tolist() == single["reasons"].astype(str).tolist()
    assert spread.attrs["problems"] == single.attrs["problems"]


def test_glosas_for_score_on_a_cluster_keep_every_row(folder, scheduler, monkeypatch, tmp_path):
    """``churnlab score --scheduler``'s glosa read: sums, kept rows and rejects, from CSV and Parquet."""
    from churnlab.app.distributed import cluster

    parts = tmp_path / "glosas"
    parts.mkdir()
    text = pd.read_csv(SAMPLE / "glosas.csv", sep=";", dtype=str, keep_default_na=False)
    text.iloc[:2500].to_parquet(parts / "part-0.parquet")
    text.iloc[2500:].to_parquet(parts / "part-1.parquet")
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 50_000)
    with cluster(scheduler) as dask:
        for path in (folder / "glosas.csv", parts):
            single = read_glosa_months(path, keep_rows_of=True)
            spread = dask.read_glosas(path, keep_rows_of=True)
            pd.testing.assert_frame_equal(spread.months, single.months, check_exact=True)
            pd.testing.assert_frame_equal(spread.rows.frame(), single.rows.frame())
            assert spread.rejects == single.rejects
            assert (spread.rows_read, spread.name) == (single.rows_read, single.name)
        some = set(single.rows.keys[::7])  # ``churnlab score`` keeps its forms' dentists' rows only
        mine, theirs = read_glosa_months(parts, keep_rows_of=some), dask.read_glosas(parts, keep_rows_of=some)
        pd.testing.assert_frame_equal(theirs.rows.frame(), mine.rows.frame())
        assert 0 < len(mine.rows) < len(single.rows)


def test_a_file_a_worker_cannot_read_is_named(scheduler):
    from churnlab.app.distributed import _on_worker, cluster
    from churnlab.io.blocks import glosa_pieces

    with cluster(scheduler) as dask:
        future = dask.client.submit(_on_worker, glosa_pieces, Block("/nowhere/glosas.csv", 60, 100, 2))
        said = r"/nowhere/glosas.csv: glosa file not found \(read by a Dask worker"
        with pytest.raises(cl.DataError, match=said):
            future.result()


def test_the_cli_reads_the_scheduler_from_the_environment(folder, tmp_path):
    """``CHURNLAB_DASK_SCHEDULER`` stands for ``--scheduler``: a malformed one is exit 2, said."""
    out = tmp_path / "scores.csv"
    for args, env in (([], {"CHURNLAB_DASK_SCHEDULER": "local:two"}), (["--scheduler", "local:0"], {})):
        result = CliRunner().invoke(app, ["network", str(folder), "--out", str(out), *args], env=env)
        assert result.exit_code == 2 and "expected local:N" in result.output, result.output
    assert not out.exists()


def test_without_dask_the_scheduler_says_how_to_install_it(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = CliRunner().invoke(
        app, ["network", str(folder), "--out", str(tmp_path / "s.csv"), "--scheduler", "local:2"]
    )
    assert result.exit_code == 2
    assert "pip install 'churnlab[dask]'" in result.output and "Traceback" not in result.output


def test_score_partition_as_spark_calls_it_equals_churnlab_network(model):
    """Feature rows cut into partitions and scored one by one, as ``mapInPandas`` feeds them."""
    network = cl.read_network(SAMPLE)
    whole = cl.score_network(network, model, as_of=AS_OF)
    X = cl.network_features(network, AS_OF, lag=whole.attrs["lag_months"])
    table = X.assign(cro=network.roster.loc[X.index, "cro"], uf=network.roster.loc[X.index, "uf"])
    table = table.reset_index(drop=True)

    def map_in_pandas(batches):  # what Spark runs on each executor
        for batch in batches:
            yield cl.score_partition(batch, model)

    parts = list(map_in_pandas(table.iloc[i : i + 37] for i in range(0, len(table), 37)))
    scored = pd.concat(parts).merge(whole, on=["cro", "uf"], suffixes=("", "_cli"))
    assert len(scored) == len(whole) == len(table)
    assert list(parts[0].columns) == ["cro", "uf", "risk_30d", "risk_90d", "risk_180d", "dentist_value",
                                      "expected_loss"]  # fmt: skip
    for column in ("risk_30d", "risk_90d", "risk_180d", "dentist_value", "expected_loss"):
        np.testing.assert_allclose(scored[column], scored[f"{column}_cli"], rtol=0, atol=1e-9)
    with pytest.raises(cl.DataError, match="lacks the network feature column.*guides_3m"):
        cl.score_partition(table.drop(columns="guides_3m"), model)


def test_bars_show_on_a_terminal_only(monkeypatch):
    """The one bar helper: over a cluster's blocks or partitions on a terminal, nothing on a pipe."""
    import io

    from churnlab.io.progress import progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        items = progress_bar(range(3), "/data/network", True, total=3, doing="scoring", unit="partition")
        assert list(items) == [0, 1, 2]
        assert ("scoring network" in stream.getvalue() and "/3 " in stream.getvalue()) == shown


def test_score_shows_no_bar_on_a_pipe(tmp_path, model, capsys):
    """The forms' bar is the same helper: nothing when stderr is not a terminal (it was always drawn)."""
    from churnlab.app.scoring import score_folder

    (tmp_path / "forms").mkdir()
    for form in sorted((SAMPLE / "forms").iterdir())[:3]:
        shutil.copy(form, tmp_path / "forms" / form.name)
    score_folder(tmp_path, model, tmp_path / "scores.csv", progress=True, jobs=1)
    assert "reading forms" not in capsys.readouterr().err


def test_reading_forms_shows_no_bar_on_a_pipe(tmp_path, capsys):
    """``read_forms(progress=True)`` (train, parse) uses the same helper: nothing on a pipe (it drew)."""
    from churnlab.io.batch import read_forms

    (tmp_path / "forms").mkdir()
    for form in sorted((SAMPLE / "forms").iterdir())[:3]:
        shutil.copy(form, tmp_path / "forms" / form.name)
    assert len(read_forms(tmp_path / "forms", progress=True)) == 3
    assert "reading forms" not in capsys.readouterr().err
