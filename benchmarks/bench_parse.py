"""Forms parsed per second on one core, on forms like the markdown export case record and the plain-text one.

Run: ``python benchmarks/bench_parse.py [--n 2000]``. Prints one line per layout.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from churnlab.io.forms import parse_text

RECORDS = Path(__file__).resolve().parents[1] / "data" / "case_records"


def bench(text: str, n: int) -> float:
    """Forms per second parsing ``text`` ``n`` times (after one warm-up parse)."""
    parse_text(text)
    start = time.perf_counter()
    for _ in range(n):
        parse_text(text)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    for path in sorted(RECORDS.glob("00[01]_*")):
        rate = bench(path.read_text(encoding="utf-8"), args.n)
        print(f"{path.name}: {rate:,.0f} forms/s ({path.stat().st_size:,} bytes per form)")


if __name__ == "__main__":
    main()
