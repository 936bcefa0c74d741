"""End-to-end batch scoring throughput: forms on disk to a ranked scores.csv.

Run: ``python benchmarks/bench_batch.py [--n 20000] [--jobs 2]``. Generates a
synthetic data folder (not timed), then times ``score_folder`` with the
bundled model: parsing, features, both models, reasons, ranking, writing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from churnlab.app.scoring import score_folder
from churnlab.models.persistence import load_model
from churnlab.synthetic.generator import generate
from churnlab.synthetic.writer import write_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    model = load_model()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(
            generate(args.n, seed=3), Path(tmp) / "data", seed=3, layouts=("plain", "markdown", "docx")
        )
        start = time.perf_counter()
        summary = score_folder(folder, model, Path(tmp) / "scores.csv", jobs=args.jobs)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(
        f"{summary}\n{args.n} forms in {seconds:.1f} s: {args.n / seconds:,.0f} forms/s end to end "
        f"(jobs={args.jobs or 'all cores'}); peak resident memory of the main process {peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
