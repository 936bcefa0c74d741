"""Time the synthetic generator: generating N cases in memory, then writing them as a data folder.

Usage::

    python benchmarks/bench_synth.py [--n-cases 10000] [--seed 0] [--out DIR]

Without ``--out`` the folder is written to a temporary directory and removed.
Issue 3 asks for generation of 10,000 cases in under 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from churnlab.synthetic.generator import generate
from churnlab.synthetic.writer import write_dataset


def main() -> None:
    """Run the benchmark and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    start = time.perf_counter()
    data = generate(args.n_cases, seed=args.seed)
    generated = time.perf_counter() - start
    print(f"generate {args.n_cases:,} cases: {generated:.2f} s "
          f"({len(data.glosas):,} glosa rows)")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "data"
        start = time.perf_counter()
        write_dataset(data, out, seed=args.seed)
        written = time.perf_counter() - start
        forms = list((out / "forms").iterdir())
        by_ext: dict[str, int] = {}
        for path in forms:
            by_ext[path.suffix] = by_ext.get(path.suffix, 0) + 1
        print(f"write_dataset: {written:.2f} s ({len(forms):,} forms: {by_ext})")


if __name__ == "__main__":
    main()
