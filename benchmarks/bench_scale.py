"""Network files at scale: streamed reading, memory bounded by dentists × months, CSV against Parquet.

    python benchmarks/bench_scale.py --glosas 1000000                 # generate + measure (~1 min)
    nice -n 10 python benchmarks/bench_scale.py --glosas 10000000     # the issue's size (~5 min)
    python benchmarks/bench_scale.py --glosas 1000000 --compare       # also pyarrow vs DuckDB reading

Generates a contract-4 folder (roster, production, glosas; no forms) under
``--data`` (default ``/tmp/churnlab-scale-<rows>``, never in the repository),
then runs each stage in a fresh process so its peak resident memory is its
own: reading the glosa export (rows per second), reading the whole network,
and ``churnlab network`` end to end with the bundled model, from CSV and from
Parquet. ``--compare`` reads and sums the glosa export with pyarrow's CSV
reader (what churnlab does) and with DuckDB (``pip install duckdb``), side by side.

    nice -n 10 python benchmarks/bench_scale.py --glosas 1000000 --scheduler local:2

``--scheduler local:N`` runs each stage twice, in the single process and on
a Dask ``LocalCluster`` of N worker processes (``churnlab[dask]``), and
prints both; a cluster's peak memory is the sum of its processes' peaks
(this process, which also runs the scheduler, each worker and each nanny),
its CPU seconds their sum. The cluster's start is not in the stage's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MONTHS = 24  # production from 01/2023 to 12/2024
UFS = ["SP", "RJ", "MG", "BA", "PR", "RS", "PE", "CE", "GO", "SC", "PA", "DF", "ES", "MA", "AM"]


def _take(values: list[str], index: np.ndarray):  # noqa: ANN202 - a pyarrow array
    import pyarrow as pa

    return pa.array(values, type=pa.string()).take(pa.array(index))


def _dates(first: np.datetime64, days: int) -> list[str]:
    return [
        f"{d.day:02d}/{d.month:02d}/{d.year}"
        for d in (first + np.arange(days)).astype("datetime64[D]").astype(object)
    ]


def _write(table, path: Path) -> None:  # noqa: ANN001
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(delimiter=";", quoting_style="none", batch_size=1 << 20)
    pacsv.write_csv(table, path, write_options=options)


def generate(out: Path, dentists: int, production_rows: int, glosa_rows: int, seed: int = 0) -> None:
    """Write roster.csv, production.csv and glosas.csv (and their .parquet twins under ``out/parquet``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from churnlab.io.glosas import glosa_code_table

    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    cros = [str(n) for n in rng.choice(np.arange(1000, 999_999), size=dentists, replace=False)]
    uf = rng.integers(0, len(UFS), dentists)
    days = _dates(np.datetime64("2005-01-01"), 20 * 366)
    included = rng.integers(0, 20 * 365, dentists)
    left = np.where(rng.random(dentists) < 0.08, rng.integers(18 * 365, 20 * 365 - 5, dentists), -1)
    left = np.where(left > included, left, -1)
    roster = pa.table({
        "CRO": _take(cros, np.arange(dentists)), "UF": _take(UFS, uf),
        "Nome": _take([f"Dentista {i}" for i in range(dentists)], np.arange(dentists)),
        "Cidade": _take([f"Cidade {i}" for i in range(400)], rng.integers(0, 400, dentists)),
        "Tipo": _take(["F", "J"], (rng.random(dentists) < 0.2).astype(int)),
        "Data inclusão": _take(days, included),
        "Data desligamento": _take([*days, ""], np.where(left >= 0, left, len(days))),
        "Moeda": _take(["0,30", "0,35", "0,40"], rng.integers(0, 3, dentists)),
    })  # fmt: skip
    months = [f"{1 + m % 12:02d}/{2023 + m // 12}" for m in range(MONTHS)]
    cells = rng.choice(dentists * MONTHS, size=min(production_rows, dentists * MONTHS), replace=False)
    cells.sort()
    who, month = cells // MONTHS, cells % MONTHS
    guides = rng.poisson(12, len(cells)) + 1
    values = [f"{v // 100:,}".replace(",", ".") + f",{v % 100:02d}" for v in range(0, 2_000_000, 137)]
    production = pa.table({
        "CRO": _take(cros, who), "UF": _take(UFS, uf[who]), "Competência": _take(months, month),
        "Guias": pa.array(guides.astype(str)),
        "Valor": _take(values, rng.integers(0, len(values), len(cells))),
    })  # fmt: skip
    codes = glosa_code_table()
    competence_days = _dates(np.datetime64("2023-01-01"), 800)
    parts = []
    for start in range(0, glosa_rows, 2_000_000):
        n = min(2_000_000, glosa_rows - start)
        who = rng.integers(0, dentists, n)
        month = rng.integers(0, MONTHS, n)
        day = np.minimum(month * 30.44 + 30 + rng.integers(0, 60, n), 799).astype(int)  # known after
        dated = np.where(rng.random(n) < 0.9, day, len(competence_days))
        code = rng.integers(0, len(codes), n)
        parts.append(pa.table({
            "CRO": _take(cros, who), "UF": _take(UFS, uf[who]),
            "Guia": pa.array((rng.integers(1_000_000, 9_999_999, n)).astype(str)),
            "Competência": _take(months, month), "Data": _take([*competence_days, ""], dated),
            "Código": _take(list(codes["code"]), code), "Descrição": _take(list(codes["description"]), code),
            "Valor glosado": _take([f"{v // 100},{v % 100:02d}" for v in range(1, 50_000, 7)],
                                   rng.integers(0, 7142, n)),
        }))  # fmt: skip
    glosas = pa.concat_tables(parts)
    for name, table in (("roster", roster), ("production", production), ("glosas", glosas)):
        _write(table, out / f"{name}.csv")
        (out / "parquet").mkdir(exist_ok=True)
        pq.write_table(table, out / "parquet" / f"{name}.parquet", row_group_size=1 << 20)


def _usage() -> tuple[float, float]:
    """CPU seconds and peak resident GB of the calling process (run on each Dask worker and nanny too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1e6


def _stage(name: str, data: Path, scheduler: str | None = None) -> dict[str, float]:
    """One stage, in this process (run by :func:`main` in a fresh process each), or on a local cluster."""
    if scheduler is None:
        return _single_stage(name, data)
    from distributed import Client, LocalCluster

    from churnlab.app.distributed import cluster

    workers = int(scheduler.removeprefix("local:"))
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        with Client(local) as client:
            client.run(lambda: __import__("churnlab.app.distributed"))  # imports are not the stage's time
            before = sum(
                cpu for cpu, _ in [*client.run(_usage).values(), *client.run(_usage, nanny=True).values()]
            )
            own_cpu = _usage()[0]
            start = time.perf_counter()
            rows = 0
            if name == "score network":
                from churnlab.app.network_scoring import score_network
                from churnlab.models.persistence import load_model

                score_network(data, load_model(None), as_of="2024-12-31", scheduler=local.scheduler_address)
            else:
                with cluster(local.scheduler_address) as run:
                    if name == "read glosas":
                        from churnlab.io.sources import find_source

                        read = run.read_glosas(find_source(data, "glosas"))
                        rows = read.rows_read + len(read.rejects)
                    elif name == "read network":
                        run.read_network(data)
                    elif name == "network + features":
                        from churnlab.features.network import network_features

                        network_features(run.read_network(data), "2024-12-31")
            wall = time.perf_counter() - start
            usages = [*client.run(_usage).values(), *client.run(_usage, nanny=True).values()]
    cpu, peak = _usage()
    return {
        "wall_s": wall,
        "cpu_s": cpu - own_cpu + sum(c for c, _ in usages) - before,
        "peak_gb": peak + sum(p for _, p in usages),
        "rows": rows,
    }


def _single_stage(name: str, data: Path) -> dict[str, float]:
    start = time.perf_counter()
    rows = 0
    if name == "read glosas":
        from churnlab.io.glosa_months import read_glosa_months
        from churnlab.io.sources import find_source

        source = find_source(data, "glosas")
        assert source is not None
        read = read_glosa_months(source)
        rows = read.rows_read + len(read.rejects)
    elif name == "read network":
        from churnlab.io.network import read_network

        read_network(data)
    elif name == "network + features":
        from churnlab.features.network import network_features
        from churnlab.io.network import read_network

        network_features(read_network(data), "2024-12-31")
    elif name == "score network":
        from churnlab.app.network_scoring import score_network
        from churnlab.models.persistence import load_model

        score_network(data, load_model(None), as_of="2024-12-31")
    elif name in ("pyarrow", "duckdb"):
        rows = (_pyarrow_sum if name == "pyarrow" else _duckdb_sum)(data / "glosas.csv")
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_gb": usage.ru_maxrss / 1e6,
        "rows": rows,
    }


def _pyarrow_sum(path: Path) -> int:
    """The glosa export read with pyarrow's streaming CSV reader and summed per CRO, UF and competence."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=32 << 20),
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types={"Valor glosado": pa.string(), "CRO": pa.string()}),
    )
    rows, parts = 0, []
    for batch in reader:
        value = pc.cast(
            pc.replace_substring(pc.replace_substring(batch["Valor glosado"], ".", ""), ",", "."),
            pa.float64(),
        )
        table = pa.table({"cro": batch["CRO"], "uf": batch["UF"], "c": batch["Competência"], "v": value})
        parts.append(table.group_by(["cro", "uf", "c"]).aggregate([("v", "sum"), ("v", "count")]))
        rows += batch.num_rows
    pa.concat_tables(parts).group_by(["cro", "uf", "c"]).aggregate([("v_sum", "sum")])
    return rows


def _duckdb_sum(path: Path) -> int:
    """The same with DuckDB's CSV reader (``decimal_separator=','``)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    columns = 'CRO, UF, "Competência" AS c, sum("Valor glosado") AS v, count(*) AS n'
    options = (
        "delim=';', header=true, decimal_separator=',', types={'Valor glosado': 'DOUBLE', 'CRO': 'VARCHAR'}"
    )
    result = con.execute(f"SELECT {columns} FROM read_csv('{path}', {options}) GROUP BY ALL").fetchall()
    return sum(int(row[-1]) for row in result)


def _run(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident GB of a child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: some rows rejected, scores written
        raise SystemExit(f"{' '.join(args)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--glosas", type=int, default=1_000_000, help="glosa rows")
    parser.add_argument("--production", type=int, default=1_600_000, help="production rows")
    parser.add_argument("--dentists", type=int, default=74_000)
    parser.add_argument("--data", type=Path, default=None, help="folder (generated when empty)")
    parser.add_argument("--compare", action="store_true", help="also pyarrow against DuckDB")
    parser.add_argument("--scheduler", metavar="local:N", help="also each stage on a Dask LocalCluster")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--on", help=argparse.SUPPRESS)  # the stage's scheduler
    args = parser.parse_args()
    data = args.data or Path(f"/tmp/churnlab-scale-{args.glosas}")
    if args.stage:
        print(json.dumps(_stage(args.stage, data, args.on)))
        return
    if args.scheduler:
        _compare_scheduler(data, args)
        return
    if not (data / "glosas.csv").is_file():
        start = time.perf_counter()
        generate(data, args.dentists, args.production, args.glosas)
        print(f"generated {data} in {time.perf_counter() - start:.0f} s")
    size = (data / "glosas.csv").stat().st_size / 1e6
    sizes = f"{args.production:,} production rows, {args.dentists:,} dentists"
    print(f"{args.glosas:,} glosa rows ({size:.0f} MB), {sizes}")
    stages = ["read glosas", "read network", "network + features"] + (
        ["pyarrow", "duckdb"] if args.compare else []
    )
    for stage in stages:
        for folder in [data, data / "parquet"] if stage not in ("pyarrow", "duckdb") else [data]:
            result = subprocess.run(
                [sys.executable, __file__, "--stage", stage, "--data", str(folder)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            rate = (
                f", {figures['rows'] / figures['cpu_s'] / 1e6:.2f} M rows per CPU second"
                if figures["rows"]
                else ""
            )
            kind = "parquet" if folder.name == "parquet" else "csv"
            print(
                f"{stage} ({kind}): {figures['wall_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU, "
                f"{figures['peak_gb']:.2f} GB peak{rate}"
            )
    for folder in (data, data / "parquet"):
        out = Path("/tmp") / f"churnlab-scale-scores-{os.getpid()}.csv"
        command = ["network", str(folder), "--as-of", "2024-12-31", "--out", str(out)]
        wall, cpu, peak = _run([sys.executable, "-m", "churnlab", *command])
        kind = "parquet" if folder.name == "parquet" else "csv"
        print(f"churnlab network ({kind}): {wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.2f} GB peak")
        out.unlink(missing_ok=True)


def _compare_scheduler(data: Path, args: argparse.Namespace) -> None:
    """Each stage from CSV in the single process and on the cluster, side by side."""
    if not (data / "glosas.csv").is_file():
        generate(data, args.dentists, args.production, args.glosas)
    size = (data / "glosas.csv").stat().st_size / 1e6
    sizes = f"{args.production:,} production rows, {args.dentists:,} dentists"
    print(f"{args.glosas:,} glosa rows ({size:.0f} MB), {sizes}")
    for stage in ("read glosas", "read network", "network + features", "score network"):
        for on in (None, args.scheduler):
            command = [sys.executable, __file__, "--stage", stage, "--data", str(data)]
            result = subprocess.run(
                command + (["--on", on] if on else []), capture_output=True, text=True, check=True
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{stage} ({on or 'single process'}): {figures['wall_s']:.1f} s wall, "
                f"{figures['cpu_s']:.1f} s CPU, {figures['peak_gb']:.2f} GB peak"
            )


if __name__ == "__main__":
    main()
