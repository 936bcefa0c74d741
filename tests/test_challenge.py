"""Champion/challenger: the refit wins once the network changed, and not beyond chance when it did not."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from churnlab.app.challenge import challenge
from churnlab.app.cli import app
from churnlab.app.training import train_model
from churnlab.features.cases import opening_date
from churnlab.io.folder import load_data_dir
from churnlab.models.persistence import save_model
from churnlab.synthetic import generate, write_dataset
from churnlab.synthetic.generator import SyntheticData

N_CASES = 900


def _later_world(data: SyntheticData, since, seed: int) -> SyntheticData:
    """From ``since`` on, dentists in areas with many plan lives leave far more often (a fee-table
    change, say): a mechanism the champion never saw and a refit can learn."""
    rng = np.random.default_rng(seed)
    lives = np.array([np.log1p(c.lives or 0.0) for c in data.cases])
    z = (lives - lives.mean()) / lives.std()
    risk = data.truth["dismissal_risk"].clip(0.02, 0.98).to_numpy()
    shifted = 1 / (1 + np.exp(-(np.log(risk / (1 - risk)) + 2.5 * z)))
    cases = []
    for case, p in zip(data.cases, shifted, strict=True):
        opened = opening_date(case)
        if case.status in ("retained", "dismissed") and opened is not None and opened >= since:
            case = case.model_copy(update={"status": "dismissed" if rng.random() < p else "retained"})
        cases.append(case)
    return SyntheticData(cases=cases, glosas=data.glosas, truth=data.truth)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data = generate(N_CASES, seed=21, open_share=0.0)
    dates = sorted(d for d in (opening_date(c) for c in data.cases) if d is not None)
    since = dates[len(dates) // 2]
    early = [i for i, c in enumerate(data.cases) if (opening_date(c) or since) < since]
    champion_data = SyntheticData(
        cases=[data.cases[i] for i in early], glosas=data.glosas, truth=data.truth.iloc[early]
    )
    root = tmp_path_factory.mktemp("challenge")
    champion = train_model(write_dataset(champion_data, root / "early", layouts=("plain",)), random_state=0)
    save_model(champion, root / "champion")
    steady = write_dataset(data, root / "steady", layouts=("plain",))
    turned = write_dataset(_later_world(data, since, seed=5), root / "turned", layouts=("plain",))
    return champion, root, steady, turned


def test_no_change_no_win_beyond_chance(world) -> None:
    champion, _, steady, _ = world
    verdict = challenge(load_data_dir(steady), champion)
    assert verdict["challenger_wins"] is False, verdict["metrics"]
    assert verdict["champion"]["saw_holdout"] is False
    assert verdict["holdout"]["cases"] >= N_CASES // 5


def test_after_a_change_the_refit_wins(world) -> None:
    champion, _, _, turned = world
    verdict = challenge(load_data_dir(turned), champion)
    assert verdict["challenger_wins"] is True, verdict["metrics"]
    assert verdict["metrics"]["auc"]["low"] > 0
    assert "copy NEW" in verdict["verdict"]


def test_cli_records_the_verdict_in_the_new_card(world) -> None:
    _, root, _, turned = world
    out = root / "new"
    result = CliRunner().invoke(
        app, ["train", str(turned), "--out", str(out), "--challenge", str(root / "champion")]
    )
    assert result.exit_code == 0, result.output
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["challenge"]["challenger_wins"] is True
    assert "challenge: on " in result.output and "copy NEW" in result.output


def test_too_few_recent_cases_is_said_not_guessed(world, tmp_path) -> None:
    champion = world[0]
    data = generate(60, seed=3, open_share=0.0)
    verdict = challenge(load_data_dir(write_dataset(data, tmp_path / "few", layouts=("plain",))), champion)
    assert "not_measured" in verdict and "at least 40" in verdict["not_measured"]
