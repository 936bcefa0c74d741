"""The input-drift check: names exactly the shifted input, nothing on unshifted data, no rows kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from churnlab.features.cases import build_features
from churnlab.features.drift import (
    MIN_ROWS_PER_BIN,
    PSI_FLOOR,
    DriftCounter,
    drift_lines,
    drift_table,
    drifted_inputs,
    profile_frame,
    psi,
)
from churnlab.synthetic import generate


def _features(n: int, seed: int, shift: str | None = None) -> pd.DataFrame:
    data = generate(n, seed=seed)
    glosas, cases = data.glosas, data.cases
    if shift == "glosas doubled":  # twice the distinct glosas (duplicate rows would be deduplicated)
        more = glosas.copy()
        more["guide"] = more["guide"].astype(str) + "-2"
        glosas = pd.concat([glosas, more], ignore_index=True)
    elif shift == "lives emptied":  # a new template without the field
        cases = [c.model_copy(update={"lives": None}) for c in cases]
    return build_features(cases, glosas)


@pytest.fixture(scope="module")
def profile() -> dict:
    return profile_frame(_features(600, seed=101))


@pytest.mark.parametrize("seed", [202, 203, 204])
def test_unshifted_data_names_no_input(profile: dict, seed: int) -> None:
    table = drift_table(profile, _features(600, seed=seed))
    assert drifted_inputs(table) == [], drift_lines(table)
    assert len(table) == len(profile["features"])


@pytest.mark.parametrize(("shift", "source"), [("glosas doubled", "glosas"), ("lives emptied", "lives")])
def test_a_shifted_input_is_named_alone(profile: dict, shift: str, source: str) -> None:
    table = drift_table(profile, _features(600, seed=205, shift=shift))
    assert drifted_inputs(table) == [source]
    (line,) = drift_lines(table)
    assert line.startswith(f"input drift: {source}: PSI ")
    if source == "lives":
        assert "missing 0% in training, 100% now" in line


def test_a_small_batch_needs_a_bigger_shift(profile: dict) -> None:
    """Forty cases cannot show a 0.1 PSI shift apart from noise: the bar rises with 1/n."""
    table = drift_table(profile, _features(40, seed=206))
    assert (table["threshold"] > 3 * PSI_FLOOR).all()
    assert drifted_inputs(table) == []


def test_the_profile_holds_aggregates_only() -> None:
    """Every value bin stands for at least MIN_ROWS_PER_BIN training rows; no row is kept."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "rare": [1.0] * 3 + [0.0] * 197})
    profile = profile_frame(frame)
    json.dumps(profile)  # JSON-safe, for the model card
    for spec in profile["features"].values():
        assert all(share * 200 >= MIN_ROWS_PER_BIN for share in spec["shares"][:-1])
    assert profile["features"]["rare"]["edges"] == []  # three rows are not a bin of their own
    assert set(frame["x"].round(6)).isdisjoint({round(e, 6) for e in profile["features"]["x"]["edges"]})


def test_psi_is_zero_for_the_same_shares_and_grows_with_the_shift() -> None:
    same = psi(np.array([0.5, 0.5]), np.array([0.5, 0.5]), 1000, 1000)
    small = psi(np.array([0.5, 0.5]), np.array([0.6, 0.4]), 1000, 1000)
    large = psi(np.array([0.5, 0.5]), np.array([0.9, 0.1]), 1000, 1000)
    assert same == pytest.approx(0.0, abs=1e-12)
    assert 0 < small < large


def test_counting_row_by_row_equals_counting_a_frame(profile: dict) -> None:
    """The service counts one case at a time; the batch a frame at a time: same counts."""
    frame = _features(60, seed=207)
    by_frame, by_row = DriftCounter(profile), DriftCounter(profile)
    by_frame.add(frame)
    for row in frame.to_dict(orient="records"):
        by_row.add_row(row)
    assert by_row.rows == by_frame.rows == 60
    for name in profile["features"]:
        assert by_row.counts[name].tolist() == by_frame.counts[name].tolist(), name
