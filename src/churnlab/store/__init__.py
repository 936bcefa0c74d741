"""The case store: what churnlab recommended, what the lead did, and what happened.

Every scoring run of open cases recorded with :meth:`CaseStore.record_run`
(model, case key, effects, the action offered and the probability with which
it was offered), and every closed case with :meth:`CaseStore.record_outcomes`
(the action actually taken and whether the dentist stayed). Joined by case key
(:func:`churnlab.io.keys.case_key`), they are what ``churnlab report`` judges the policy on.

SQLite through SQLAlchemy by default (a file, nothing to install); any
SQLAlchemy URL (``postgresql+psycopg://...``) for a team. The schema is
versioned by Alembic migrations (``churnlab/store/migrations``), applied when
a store is opened.

Users reach it as :func:`churnlab.open_store` and :class:`churnlab.CaseStore`.
"""

from churnlab.store.case_store import CaseStore, RunRecord, open_store

__all__ = ["CaseStore", "RunRecord", "open_store"]
