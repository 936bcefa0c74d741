"""An export's incomplete tail: measured, stated, and the same lag in training and scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from churnlab.errors import DataError
from churnlab.features.network import network_features, network_snapshots
from churnlab.features.network_tail import incomplete_tail, stated_tail
from churnlab.io.network import Network, read_network
from churnlab.synthetic.network import generate_network, write_network
from churnlab.synthetic.network_hazard import generate_hazard_network


def _read(net, out) -> Network:
    write_network(net, out, layouts=("plain",))
    return read_network(out)


@pytest.fixture(scope="module")
def late(tmp_path_factory) -> Network:
    """The second generator's export with its last month at 60 % of its volume."""
    net = generate_hazard_network(400, seed=3, months=30, tail_share=0.6)
    return _read(net, tmp_path_factory.mktemp("late"))


@pytest.mark.parametrize("generate", [generate_network, generate_hazard_network])
def test_a_complete_export_has_no_incomplete_tail(generate, tmp_path):
    network = _read(generate(400, seed=3, months=30), tmp_path)
    tail = incomplete_tail(network)
    assert tail.lag == 0 and min(tail.ratios.values()) > 0.8
    assert "no incomplete tail" in tail.message()


def test_a_last_month_at_60_percent_is_an_incomplete_tail(late):
    tail = incomplete_tail(late)
    assert tail.lag == 1
    assert f"{tail.complete_through:%m/%Y}" == "05/2024"
    assert "06/2024 at 6" in tail.message() and "--complete-through" in tail.message()


def test_the_user_can_state_the_tail(late):
    assert stated_tail(late, "04/2024").lag == 2
    assert stated_tail(late, "2024-06").lag == 0
    with pytest.raises(DataError, match="--complete-through .13/2024.: not a month"):
        stated_tail(late, "13/2024")
    with pytest.raises(DataError, match="last month is 06/2024"):
        stated_tail(late, "07/2024")


def test_a_lag_reads_nothing_of_the_left_out_months(late):
    """With lag 1 a row is the same whatever the last month's production holds."""
    as_of = late.end
    before = network_features(late, as_of, lag=1)
    changed = Network(**{**vars(late)})
    last = changed.production["month"] == changed.production["month"].max()
    changed.production = changed.production.assign(guides=np.where(last, 0.0, changed.production["guides"]))
    pd.testing.assert_frame_equal(before, network_features(changed, as_of, lag=1))
    assert not network_features(changed, as_of).equals(network_features(late, as_of))


def test_training_snapshots_use_the_same_lag_as_scoring(late):
    """A snapshot at T with lag 1 is the features as of T read a month short, as scoring reads them."""
    as_of = pd.Timestamp("2024-03-31")
    X, _ = network_snapshots(late, [as_of], lag=1)
    scoring = network_features(late, as_of, lag=1)
    np.testing.assert_array_equal(X.drop(columns=["as_of", "key"]).to_numpy(), scoring.to_numpy())


def test_train_and_network_commands_read_the_same_lag(tmp_path):
    """`train` measures the tail and records it; `network` reads as far short, and says so."""
    from churnlab.app.network_scoring import score_network
    from churnlab.app.training import train_model

    folder = tmp_path / "late"
    write_network(generate_hazard_network(600, seed=1, months=24, tail_share=0.6), folder, layouts=("plain",))
    model = train_model(folder, random_state=0)
    section = model.card["network"]
    assert section["tail"]["lag_months"] == 1 and section["tail"]["complete_through"] == "11/2023"
    assert section["model"] in {"churnlab", "plain (raw months)"}
    assert "churnlab network model" in section["backtest"]["metrics"]
    scores = score_network(folder, model, reasons_for=5)
    assert scores.attrs["lag_months"] == 1
    assert any("incomplete tail" in line for line in scores.attrs["problems"])
    stated = score_network(folder, model, reasons_for=5, complete_through="10/2023")
    assert stated.attrs["lag_months"] == 2
    assert any("this export needs 2" in line for line in stated.attrs["problems"])
