"""Shared fixtures: where the seeds and the bundled case records live; seeds printed per test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASE_RECORDS = REPO / "data" / "case_records"
SEEDS = REPO.parent / "shared" / "seeds"


def seed_form(prefix: str) -> Path:
    """The raw seed form whose name starts with ``prefix``; skip the test when seeds are absent."""
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not matches:
        pytest.skip(f"raw seed {prefix} not available at {SEEDS}")
    return matches[0]


def case_record(prefix: str) -> Path:
    """The pseudonymised copy of a seed form shipped in data/case_records/."""
    matches = sorted(CASE_RECORDS.glob(f"{prefix}_*"))
    assert matches, f"data/case_records/ has no file for seed {prefix}"
    return matches[0]
