"""Open, write and read the case store (see :mod:`churnlab.store`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sqlite3
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from churnlab.errors import DataError
from churnlab.store import schema

_MIGRATIONS = Path(__file__).with_name("migrations")
_UPSERTS: dict[str, Callable[[sa.Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite_insert,
    "postgresql": postgresql_insert,
}
"""Databases the store runs on: those with ``INSERT ... ON CONFLICT`` in SQLAlchemy."""


@dataclass(frozen=True)
class RunRecord:
    """What :meth:`CaseStore.record_run` did: the run's id, whether it was new, rows written."""

    run_id: int
    new: bool
    cases: int


def _url(target: str | os.PathLike[str]) -> str:
    text = os.fspath(target)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
"""Query parameters whose value is masked: password, PassWord, pass, pwd, sslpassword, api_key, ..."""


def _secrets(url: str) -> list[str]:
    """Every secret a URL holds: the password of its user info, the value of each secret-named parameter."""
    parts = urllib.parse.urlsplit(url)
    found = []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        found.append(userinfo.split(":", 1)[1])
    for query in (parts.query, parts.fragment):
        found += [
            value
            for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
            if _SECRET_KEY.search(key) and value
        ]
    found += [urllib.parse.quote(value, safe="") for value in found]  # as written in the URL, too
    return sorted({value for value in found if value}, key=len, reverse=True)


def masked(text: str, url: str) -> str:
    """``text`` (a message, a driver's error) with every secret of ``url`` replaced by ``***``."""
    try:
        secrets = _secrets(url)
    except ValueError:
        return "(a message about an unreadable URL)"
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def safe_url(url: str) -> str:
    """The URL without its passwords, for messages: user info and secret-named query parameters masked.

    >>> safe_url("postgresql+psycopg://ana:s3cr3t@db/churn?sslmode=require&PassWord=s3cr3t")
    'postgresql+psycopg://ana:***@db/churn?sslmode=require&PassWord=***'
    """
    return masked(url, url)


class CaseStore:
    """A case store at a SQLAlchemy URL; the schema is migrated to the latest version on opening.

    Writers may run at the same time: each run or batch of outcomes is one
    transaction, SQLite waits for the lock (30 s) and re-recording the same
    scores (same model, same cases, same offers) adds nothing.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        is_sqlite = url.startswith("sqlite")
        if is_sqlite:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        backend = sa.engine.make_url(url).get_backend_name()
        if backend not in _UPSERTS:
            raise DataError(
                f"case store {safe_url(url)}: {backend} is not supported; "
                "use SQLite (a file path) or PostgreSQL (postgresql+psycopg://...)"
            )
        self.engine = sa.create_engine(url, connect_args={"timeout": 30} if is_sqlite else {})
        if is_sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the latest migration (Alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        try:  # on SQLite the migration holds the write lock from its start: writers opening alongside wait
            with (
                self.engine.connect().execution_options(sqlite_immediate=True) as connection,
                connection.begin(),
            ):
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError:  # another writer opening the new store at the same moment migrated it
            if self.revision() != ScriptDirectory.from_config(config).get_current_head():
                raise

    def revision(self) -> str | None:
        """The schema's Alembic revision (None before the first migration)."""
        with self.engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    # --- writing -------------------------------------------------------------------------------

    def record_run(
        self,
        offers: pd.DataFrame,
        model_id: str,
        model_version: str,
        explore_share: float = 0.0,
        run_at: dt.datetime | None = None,
        drift: pd.DataFrame | None = None,
    ) -> RunRecord:
        """Record one scoring run of open cases (rows without a ``case_key`` are left out).

        ``drift`` is the run's input drift (:func:`churnlab.features.drift.drift_table`), kept per
        feature for ``churnlab monitor``.

        ``offers`` has ``case_key``, ``best_action``, ``offered_action``,
        ``offer_probability``, ``explored`` and the ``p_retained_<action>``
        effects (:func:`churnlab.app.exploration.offers`), optionally
        ``opened_on``, ``dismissal_risk``, ``expected_gain``, ``dentist_value``
        and the ``cost_<action>`` columns (for the report in R$).
        """
        rows = offers[offers["case_key"].notna()].drop_duplicates("case_key")
        fingerprint = _fingerprint(rows, model_id)
        run = {
            "fingerprint": fingerprint,
            "run_at": run_at or dt.datetime.now(dt.UTC),
            "model_id": model_id,
            "model_version": model_version[:100],
            "explore_share": float(explore_share),
            "n_cases": len(rows),
        }
        try:
            with self.engine.begin() as connection:
                # an INSERT without RETURNING on a table with a primary key: the key is always there
                run_id = connection.execute(sa.insert(schema.runs).values(**run)).inserted_primary_key[0]  # type: ignore[index]
                if len(rows):
                    connection.execute(sa.insert(schema.recommendations), _recommendation_rows(rows, run_id))
                if drift is not None and len(drift):
                    connection.execute(sa.insert(schema.run_drift), _drift_rows(drift, run_id))
        except IntegrityError:  # the same scores were recorded before (or by a writer alongside)
            with self.engine.connect() as connection:
                run_id = connection.execute(
                    sa.select(schema.runs.c.id).where(schema.runs.c.fingerprint == fingerprint)
                ).scalar_one()
            return RunRecord(run_id=int(run_id), new=False, cases=0)
        return RunRecord(run_id=int(run_id), new=True, cases=len(rows))

    def record_outcomes(self, closed: pd.DataFrame) -> int:
        """Record closed cases; returns how many were new or changed.

        ``closed`` has ``case_key``, ``action_taken``, ``retained`` and
        optionally ``closed_on`` and ``combined_training_box`` (the action was
        ticked on the older template's combined training/refresher box). A case
        recorded again with the same outcome is left as it is; a corrected
        outcome replaces the earlier one.
        """
        rows = closed[closed["case_key"].notna()].drop_duplicates("case_key", keep="last")
        now = dt.datetime.now(dt.UTC)
        table = schema.outcomes
        insert = _UPSERTS[self.engine.dialect.name](table)
        fields = ("action_taken", "retained", "closed_on", "combined_training_box")
        # one atomic statement per case: concurrent writers never both insert the same key
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.case_key],
            set_={**{f: insert.excluded[f] for f in fields}, "recorded_at": insert.excluded.recorded_at},
            where=sa.or_(*(table.c[f].is_distinct_from(insert.excluded[f]) for f in fields)),
        ).returning(table.c.case_key)  # a row back per insert or change (rowcount differs by driver)
        changed = 0
        with self.engine.begin() as connection:
            for row in rows.itertuples(index=False):
                values = {
                    "case_key": str(row.case_key),
                    "action_taken": str(row.action_taken),
                    "retained": bool(row.retained),
                    "closed_on": _date(getattr(row, "closed_on", None)),
                    "combined_training_box": _flag(getattr(row, "combined_training_box", None)),
                }
                changed += len(connection.execute(statement.values(**values, recorded_at=now)).all())
        return changed

    # --- reading -------------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """Every scoring run, oldest first."""
        with self.engine.connect() as connection:
            return pd.read_sql(sa.select(schema.runs).order_by(schema.runs.c.id), connection)

    def drift(self) -> pd.DataFrame:
        """Every run's input drift per feature, with the run's date, oldest run first."""
        drift, run = schema.run_drift, schema.runs
        query = (
            sa.select(drift, run.c.run_at, run.c.model_id)
            .join(run, run.c.id == drift.c.run_id)
            .order_by(drift.c.run_id, drift.c.feature)
        )
        with self.engine.connect() as connection:
            return pd.read_sql(query, connection)

    def decisions(self) -> pd.DataFrame:
        """Per recommended case: its first recommendation (the one the lead acted on) and its outcome.

        Columns: the recommendation's (``case_key``, ``run_id``, ``run_at``,
        ``model_id``, ``explore_share``, effects, ``best_action``, ``offered_action``,
        ``offer_probability``, ``explored``, ...), then ``action_taken``,
        ``retained``, ``closed_on`` (missing while the case is open) and
        ``combined_training_box``.

        The older template's combined box "Ofertado treinamento/ ou reciclagem"
        means a training *or* a refresher and is recorded as ``training``: where
        the offer was a refresher, ``action_taken`` is ``refresher`` (the offer was
        followed, and its cost is the refresher's).
        """
        rec, run, out = schema.recommendations, schema.runs, schema.outcomes
        first = (
            sa.select(rec.c.case_key, sa.func.min(rec.c.run_id).label("run_id"))
            .group_by(rec.c.case_key)
            .subquery()
        )
        query = (
            sa.select(
                rec,
                run.c.run_at,
                run.c.model_id,
                run.c.explore_share,
                out.c.action_taken,
                out.c.retained,
                out.c.closed_on,
                out.c.combined_training_box,
            )
            .join(first, sa.and_(rec.c.case_key == first.c.case_key, rec.c.run_id == first.c.run_id))
            .join(run, run.c.id == rec.c.run_id)
            .outerjoin(out, out.c.case_key == rec.c.case_key)
            .order_by(rec.c.run_id, rec.c.case_key)
        )
        with self.engine.connect() as connection:
            decisions = pd.read_sql(query, connection)
        combined = decisions["combined_training_box"].astype("boolean").fillna(False).astype(bool)
        as_offered = (
            combined
            & (decisions["action_taken"] == "training")
            & (decisions["offered_action"] == "refresher")
        )
        decisions.loc[as_offered, "action_taken"] = "refresher"
        return decisions


def _sqlite_connect(connection: sqlite3.Connection, _record: object) -> None:
    connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below): DDL becomes transactional
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    for _ in range(100):  # switching to WAL (once per file) does not wait for a lock: retry a moment
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            break
        except sqlite3.OperationalError:
            time.sleep(0.05)
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _date(value: dt.date | str | float | None) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _flag(value: bool | float | None) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _number(value: float | str | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _recommendation_rows(rows: pd.DataFrame, run_id: int) -> list[dict[str, Any]]:
    out = []
    for row in rows.to_dict("records"):
        record = {
            "run_id": run_id, "case_key": str(row["case_key"]), "opened_on": _date(row.get("opened_on")),
            "best_action": str(row["best_action"]), "offered_action": str(row["offered_action"]),
            "offer_probability": float(row["offer_probability"]), "explored": bool(row["explored"]),
            "dismissal_risk": _number(row.get("dismissal_risk")),
            "expected_gain": _number(row.get("expected_gain")),
        }  # fmt: skip
        record.update(
            {
                name: _number(row.get(name))
                for name in (*schema.EFFECT_COLUMNS, "dentist_value", *schema.COST_COLUMNS)
            }
        )
        out.append(record)
    return out


def _drift_rows(drift: pd.DataFrame, run_id: int) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "feature": str(row["feature"]),
            "input": str(row["input"]),
            "psi": float(row["psi"]),
            "threshold": float(row["threshold"]),
            "drifted": bool(row["drifted"]),
            "missing_now": float(row["missing_now"]),
            "rows_now": int(row["rows_now"]),
        }
        for row in drift.to_dict("records")
    ]


def _fingerprint(rows: pd.DataFrame, model_id: str) -> str:
    """Same model, same cases, same offers (and effects to 6 decimals): same fingerprint."""
    columns = [
        "case_key",
        "best_action",
        "offered_action",
        "offer_probability",
        *[c for c in schema.EFFECT_COLUMNS if c in rows],
    ]
    text = rows[columns].sort_values("case_key").round(6).to_csv(index=False)
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def open_store(target: str | os.PathLike[str] | None = None, create: bool = True) -> CaseStore:
    """The case store at ``target`` (a file path for SQLite or a SQLAlchemy URL), else ``$CHURNLAB_STORE``.

    With ``create=False`` a SQLite file that does not exist is an error rather
    than a new, empty store (a reader's typo must not look like "nothing yet").

    Raises
    ------
    DataError
        No target given and ``CHURNLAB_STORE`` unset, no such file (with
        ``create=False``), or the store cannot be opened or migrated (the
        message names the URL without its password).
    """
    target = target or os.environ.get("CHURNLAB_STORE")
    if not target:
        raise DataError("no case store: give --store PATH_OR_URL or set CHURNLAB_STORE")
    url = _url(target)
    if not create and url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        where = safe_url(url).removeprefix("sqlite:///")
        raise DataError(
            f"no case store at {where}: record one first with churnlab worklist (or score) --store"
        )
    try:
        return CaseStore(url)
    except (SQLAlchemyError, OSError, ImportError) as exc:
        reason = masked(str(exc).splitlines()[0][:200], url)
        raise DataError(
            f"case store {safe_url(url)}: cannot open it ({type(exc).__name__}: {reason})"
        ) from None
