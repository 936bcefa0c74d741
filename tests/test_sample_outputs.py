"""The bundled sample scores as it did when the outputs were recorded (behaviour unchanged by refactors).

``tests/golden/`` holds the rows ``churnlab score``, ``churnlab worklist`` and
``churnlab network`` wrote for ``data/sample`` with the bundled model, reduced
to what the contracts promise (order, file, action, probabilities rounded to
1e-9). A refactor that changes any of them fails here; a deliberate change
re-records them with ``python tests/test_sample_outputs.py --record``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.app.worklist import column_title

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE = REPO / "data" / "sample"
AS_OF = "2024-06-30"


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def sample_outputs(out: Path) -> dict[str, pd.DataFrame]:
    """The three commands' outputs on data/sample, reduced to their contract columns."""
    _run(["score", str(SAMPLE), "--out", str(out / "scores.csv")])
    _run(["worklist", str(SAMPLE), "--out", str(out / "worklist.csv"), "--csv", "plain"])
    _run(["network", str(SAMPLE), "--as-of", AS_OF, "--out", str(out / "network_scores.csv")])
    scores = pd.read_csv(out / "scores.csv")
    worklist = pd.read_csv(out / "worklist.csv")
    network = pd.read_csv(out / "network_scores.csv", dtype={"cro": str})
    p_columns = [c for c in scores.columns if c.startswith("p_retained_")]
    return {
        "scores": scores[
            ["priority", "source", "best_action", "dismissal_risk", *p_columns, "expected_gain"]
        ].round(9),
        "worklist": worklist[
            [
                column_title(c)
                for c in ("priority", "source", "best_action_words", "dismissal_risk", "expected_gain")
            ]
        ].round(9),
        "network": network[["priority", "cro", "uf", "risk_30d", "risk_90d", "risk_180d"]].round(9),
    }


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return sample_outputs(tmp_path_factory.mktemp("sample_outputs"))


@pytest.mark.parametrize("name", ["scores", "worklist", "network"])
def test_sample_outputs_are_unchanged(outputs, name):
    golden = pd.read_csv(GOLDEN / f"sample_{name}.csv", dtype={"cro": str})
    pd.testing.assert_frame_equal(
        outputs[name].reset_index(drop=True),
        golden,
        check_exact=False,
        rtol=0,
        atol=2e-9,
    )


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for name, frame in sample_outputs(Path(folder)).items():
            frame.to_csv(GOLDEN / f"sample_{name}.csv", index=False)
