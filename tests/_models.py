"""A model trained once per test session on data/sample, for the service and worklist tests.

Not a conftest: test modules import what they need (``from _models import sample_model``),
and the cache below makes the training happen once however many modules ask.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from churnlab.models.churn_model import ChurnModel

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


@lru_cache(maxsize=1)
def sample_model() -> ChurnModel:
    """Both models fitted on data/sample's closed cases (a few seconds, once per session)."""
    from churnlab.app.training import train_model

    return train_model(SAMPLE, random_state=0)
