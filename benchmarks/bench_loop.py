"""A year of the retention desk, many times: does the report's 95 % interval hold the truth?

Usage::

    python benchmarks/bench_loop.py [--runs 40] [--months 12] [--cases 100] [--explore 0.1] [--follow 0.8]

Each run simulates ``months`` of the loop (:func:`churnlab.app.loop_simulation.simulate_loop`:
score a fresh month of open cases with the bundled model, offer with
exploration, leads follow with probability ``follow``, outcomes from the
generator's truth, all recorded in a SQLite case store) and compares the
report's doubly-robust estimates with the true policy values. Prints, per
policy, the share of runs whose interval held the truth, the mean error and
the mean interval width.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from churnlab.app.loop_simulation import coverage_table, simulate_loop
from churnlab.models.persistence import load_model
from churnlab.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--cases", type=int, default=100, help="open cases a month")
    parser.add_argument("--explore", type=float, default=0.1)
    parser.add_argument("--follow", type=float, default=0.8)
    args = parser.parse_args()
    model = load_model()
    start = time.perf_counter()
    simulations = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            store = open_store(Path(folder) / f"run{run}.db")
            simulations.append(
                simulate_loop(
                    model,
                    store,
                    months=args.months,
                    cases_per_month=args.cases,
                    explore=args.explore,
                    follow=args.follow,
                    seed=1000 + run,
                )
            )
    seconds = time.perf_counter() - start
    print(
        f"{args.runs} runs of {args.months} months × {args.cases} cases, exploration {args.explore:g}, "
        f"leads follow {args.follow:.0%}: {seconds:.0f} s ({seconds / args.runs:.1f} s a run)"
    )

    def mean(name: str) -> float:
        return sum(getattr(s, name) for s in simulations) / len(simulations)

    print(
        f"true retention: offering churnlab's best {mean('true_churnlab'):.4f}, offering nothing special "
        f"{mean('true_no_offer'):.4f}, what was done {mean('true_practice'):.4f}, the analysts' own "
        f"choices alone {mean('true_analysts'):.4f}"
    )
    print(
        f"true R$ per case: offering churnlab's best {mean('true_churnlab_reais'):,.0f}, offering nothing "
        f"special {mean('true_no_offer_reais'):,.0f}, what was done {mean('true_practice_reais'):,.0f}"
    )
    print(coverage_table(simulations).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
