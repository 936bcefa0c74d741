"""The single-case NumPy path gives what the batch path gives, on every case of the sample."""

from __future__ import annotations

import math

import pytest

import churnlab as cl
from churnlab.app.scoring import score_cases
from churnlab.models.fast_scoring import SingleCaseScorer
from conftest import REPO

NUMBERS = ["dismissal_risk", "uplift", "expected_gain", "dentist_value",
           *(f"p_retained_{label}" for label in cl.ACTION_LABELS)]


def _same_reasons(got, expected) -> bool:
    def close(a, b):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

    return len(got) == len(expected) and all(
        g.feature == e.feature and g.text == e.text and close(g.value, e.value)
        and close(g.contribution, e.contribution) for g, e in zip(got, expected, strict=True))


@pytest.fixture(scope="module")
def model():
    return cl.load_model()


def test_single_case_path_equals_the_batch_path(model):
    cases = list(cl.read_forms(REPO / "data" / "sample" / "forms"))
    batch = score_cases(cases, model).to_dict("records")
    fast = SingleCaseScorer(model)
    for case, expected in zip(cases, batch, strict=True):
        got = fast.score(case)
        for name in NUMBERS:
            assert math.isclose(got[name], expected[name], rel_tol=1e-9, abs_tol=1e-9), (case.source, name)
        assert got["best_action"] == expected["best_action"], case.source
        assert _same_reasons(got["reasons"], expected["reasons"]), case.source
        for name in ("source", "status", "city", "uf", "dentist"):  # pandas turns None into NaN
            assert got[name] == (expected[name] if isinstance(expected[name], str) else None), name
        assert str(got["opened_on"])[:10] == str(expected["opened_on"])[:10]


def test_a_case_with_nothing_on_it(model):
    case = cl.RetentionCase(source="empty")
    (expected,) = score_cases([case], model).to_dict("records")
    got = SingleCaseScorer(model).score(case)
    assert math.isclose(got["dismissal_risk"], expected["dismissal_risk"], rel_tol=1e-9)
    assert _same_reasons(got["reasons"], expected["reasons"])
