"""False alarms and detection of the input-drift check (docs: concepts/monitoring.md).

For each seed, generated cases of one seed are profiled as "training" and
cases of another seed are checked against the profile: unshifted (every named
input is a false alarm), with the glosa export doubled (distinct glosas, not
duplicate rows), with the ``lives`` field emptied by a "new template", and with
every fee unit (``us_value``) raised 20 %.

    python benchmarks/bench_drift.py [--seeds 20] [--train 800] [--now 800]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from churnlab.features.cases import build_features
from churnlab.features.drift import drift_table, drifted_inputs, profile_frame
from churnlab.synthetic import generate


def _features(n: int, seed: int, shift: str | None) -> pd.DataFrame:
    """The form and glosa features the risk model is trained on (the tagger's outputs are not profiled)."""
    data = generate(n, seed=seed)
    glosas, cases = data.glosas, data.cases
    if shift == "glosas doubled":
        more = glosas.copy()
        more["guide"] = more["guide"].astype(str) + "-2"
        glosas = pd.concat([glosas, more], ignore_index=True)
    elif shift == "lives emptied":
        cases = [c.model_copy(update={"lives": None}) for c in cases]
    elif shift == "fee unit +20 %":
        cases = [c.model_copy(update={"us_value": c.us_value * 1.2 if c.us_value else None}) for c in cases]
    return build_features(cases, glosas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--train", type=int, default=800)
    parser.add_argument("--now", type=int, default=800)
    args = parser.parse_args()
    shifts = [None, "glosas doubled", "lives emptied", "fee unit +20 %"]
    named: dict[str | None, list[list[str]]] = {s: [] for s in shifts}
    start = time.perf_counter()
    for seed in range(args.seeds):
        profile = profile_frame(_features(args.train, 1000 + seed, None))
        for shift in shifts:
            named[shift].append(drifted_inputs(drift_table(profile, _features(args.now, 2000 + seed, shift))))
    print(
        f"{args.seeds} seeds, {args.train} training cases, {args.now} scored;"
        f" {time.perf_counter() - start:.0f} s"
    )
    for shift, runs in named.items():
        any_named = sum(bool(r) for r in runs)
        names = pd.Series([n for r in runs for n in r]).value_counts().to_dict()
        print(f"{shift or 'no shift'}: runs naming an input {any_named}/{len(runs)}; inputs named {names}")


if __name__ == "__main__":
    main()
