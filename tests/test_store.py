"""The case store: migrations, idempotent runs, corrected outcomes, concurrent writers; SQLite, PostgreSQL.

PostgreSQL runs when ``CHURNLAB_TEST_POSTGRES_URL`` names a server (``.ci/run`` installs
one from Debian's packages and sets it); SQLite always.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from churnlab.app.exploration import offers
from churnlab.errors import DataError
from churnlab.io.records import ACTION_LABELS
from churnlab.store import open_store
from churnlab.store.schema import metadata

POSTGRES = os.environ.get("CHURNLAB_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    if not POSTGRES:
        pytest.skip("CHURNLAB_TEST_POSTGRES_URL not set: no PostgreSQL server for the store tests")
    engine = sa.create_engine(POSTGRES)
    with engine.begin() as connection:  # a clean database for each test
        metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return POSTGRES


def _offers(keys: list[str], share: float = 0.0, best: str = "support") -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "case_key": keys,
            "best_action": best,
            "dismissal_risk": 0.4,
            "expected_gain": 100.0,
            "opened_on": dt.date(2025, 1, 2),
            **{f"p_retained_{a}": 0.3 + 0.05 * i for i, a in enumerate(ACTION_LABELS)},
        }
    )
    return offers(frame, share)


def test_a_new_store_is_migrated_to_the_tables_of_the_code(url):
    store = open_store(url)
    assert store.revision() == "0004"
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    open_store(url)  # opening again migrates nothing and loses nothing
    assert store.runs().empty


def test_recording_the_same_scores_twice_adds_nothing(url):
    store = open_store(url)
    first = store.record_run(_offers(["a", "b", None]), "model1", "v1", 0.0)
    again = store.record_run(_offers(["b", "a"]), "model1", "v1", 0.0)  # same cases, another order
    assert first.new and first.cases == 2 and not again.new and again.run_id == first.run_id
    other_model = store.record_run(_offers(["a", "b"]), "model2", "v2", 0.0)
    assert other_model.new and len(store.runs()) == 2


def test_decisions_keep_the_first_offer_and_the_latest_outcome(url):
    store = open_store(url)
    store.record_run(
        _offers(["a", "b"], best="support"), "m", "v", 0.0, run_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    store.record_run(
        _offers(["a", "c"], best="none"), "m", "v", 0.0, run_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    )
    closed = pd.DataFrame(
        {
            "case_key": ["a", "zz"],
            "action_taken": ["support", "none"],
            "retained": [False, True],
            "closed_on": [dt.date(2025, 3, 1), None],
        }
    )
    assert store.record_outcomes(closed) == 2
    assert store.record_outcomes(closed) == 0  # the same outcomes again: nothing changes
    assert store.record_outcomes(closed.assign(retained=[True, True])) == 1  # a corrected outcome
    decisions = store.decisions().set_index("case_key")
    assert sorted(decisions.index) == ["a", "b", "c"]
    assert decisions.loc["a", "best_action"] == "support" and bool(decisions.loc["a", "retained"])
    assert pd.isna(decisions.loc["b", "retained"]) and decisions.loc["c", "best_action"] == "none"
    assert decisions.loc["a", "offer_probability"] == 1.0


def _write(url: str, worker: int) -> int:
    store = open_store(url)
    for run in range(5):
        keys = [f"w{worker}-r{run}-{i}" for i in range(40)]
        store.record_run(_offers(keys, share=0.5), f"model{worker}", "v", 0.5)
        store.record_outcomes(
            pd.DataFrame({"case_key": keys[:10] + ["shared"], "action_taken": "none", "retained": True})
        )
    return worker


def test_concurrent_writers_lose_nothing_and_leave_a_sound_database(url):
    with ProcessPoolExecutor(4) as pool:  # the writers race from the first migration on
        assert sorted(pool.map(_write, [url] * 4, range(4))) == [0, 1, 2, 3]
    store = open_store(url)
    assert len(store.runs()) == 20 and len(store.decisions()) == 800
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM outcomes")).scalar() == 201
        if url.startswith("sqlite"):
            assert connection.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"


def test_exploration_logs_the_probability_of_what_it_offered():
    frame = _offers([f"case {i}" for i in range(4000)], share=0.2)
    explored = frame["explored"].to_numpy()
    assert abs(explored.mean() - 0.2) < 0.03
    kept = frame.loc[~explored]
    assert (kept["offered_action"] == kept["best_action"]).all()
    assert np.allclose(kept["offer_probability"], 0.8 + 0.2 / 7)
    drawn = frame.loc[explored & (frame["offered_action"] != frame["best_action"]), "offer_probability"]
    assert np.allclose(drawn, 0.2 / 7) and frame.loc[explored, "offered_action"].nunique() == 7
    assert frame.equals(_offers([f"case {i}" for i in range(4000)], share=0.2))  # the same draw when re-run


def test_a_store_that_cannot_be_opened_is_a_clear_error_without_the_password(tmp_path, monkeypatch):
    monkeypatch.delenv("CHURNLAB_STORE", raising=False)
    with pytest.raises(DataError, match="no case store"):
        open_store(None)
    with pytest.raises(DataError, match=r"case store postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/x") as error:
        open_store("postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    assert "s3cret" not in str(error.value)
    with pytest.raises(DataError, match="mysql is not supported; use SQLite"):
        open_store("mysql://u:p@h/db")
    (tmp_path / "not_a_db").write_text("hello, I am text", encoding="utf-8")
    with pytest.raises(DataError, match="cannot open it"):
        open_store(tmp_path / "not_a_db")


@pytest.fixture
def old_store(url):
    """Build, at ``url``, a store as an older churnlab left it: its schema at ``revision``, one case.

    The case ``old`` was scored once (``refresher`` offered, not explored) and,
    with ``outcome``, recorded as retained after ``training``.
    """
    from alembic import command
    from alembic.config import Config

    from churnlab.store.case_store import _MIGRATIONS

    def build(revision: str, *, outcome: bool = False) -> str:
        engine = sa.create_engine(url)
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.execute(
                sa.text(
                    "INSERT INTO scoring_runs (fingerprint, run_at, model_id, model_version, explore_share, "
                    "n_cases) VALUES ('f', '2025-01-01', 'm', 'v', 0, 1)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO recommendations (run_id, case_key, best_action, offered_action, "
                    "offer_probability, explored) VALUES (1, 'old', 'refresher', 'refresher', 1, false)"
                )
            )
            if outcome:
                connection.execute(
                    sa.text(
                        "INSERT INTO outcomes (case_key, action_taken, retained, recorded_at) "
                        "VALUES ('old', 'training', true, '2025-02-01')"
                    )
                )
        engine.dispose()
        return url

    return build


def test_a_store_of_the_first_schema_is_migrated_keeping_its_rows(old_store):
    store = open_store(old_store("0001"))  # as the first churnlab to have a store left it
    assert store.revision() == "0004"
    decisions = store.decisions()
    assert decisions["case_key"].tolist() == ["old"] and decisions["dentist_value"].isna().all()
    costs = {f"cost_{a}": 10.0 for a in ACTION_LABELS}
    store.record_run(_offers(["new"]).assign(dentist_value=5000.0, **costs), "m2", "v2")
    assert store.decisions().set_index("case_key").loc["new", "dentist_value"] == 5000.0


def test_outcomes_recorded_before_the_combined_box_flag_keep_their_action(old_store):
    store = open_store(old_store("0002", outcome=True))  # as churnlab 0.3.0 left it
    assert store.revision() == "0004"
    decisions = store.decisions()
    assert decisions["action_taken"].tolist() == ["training"]  # no flag: counted as recorded
    assert decisions["combined_training_box"].isna().all()
