"""Score retention cases: dismissal risk, the action to try first and its expected gain.

:func:`score` is the one scoring function; the CLI (``churnlab score``), the
HTTP service and the notebooks call it. Rows come out ordered by priority for
the retention team: highest expected gain of trying the best action first
(what a call is worth), then highest risk. :func:`score_data_folder` runs it
over a data folder in chunks, so 100,000 forms never sit in memory as parsed
records: only their score rows do; ``churnlab score`` (:func:`score_folder`)
and ``churnlab worklist`` both go through it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np
import pandas as pd

from churnlab.app.desk import outcome_rows
from churnlab.app.exploration import offers
from churnlab.app.reach import out_of_reach, stated_reasons, withheld_reasons
from churnlab.errors import DataError, FormParseError
from churnlab.features.cases import GlosaHistory
from churnlab.features.drift import DriftCounter
from churnlab.io.batch import form_paths, iter_forms
from churnlab.io.csv_writer import safe_frame, write_csv
from churnlab.io.folder import form_files, glosa_rejects, read_folder_glosas
from churnlab.io.forms import parse_form
from churnlab.io.glosa_months import GlosaRead
from churnlab.io.glosas import read_glosa_csv
from churnlab.io.keys import case_key, dentist_key
from churnlab.io.progress import progress_bar
from churnlab.io.records import ACTION_LABELS, NO_ACTION, RetentionCase
from churnlab.io.sources import find_source
from churnlab.io.text import names_a_path
from churnlab.models.churn_model import ChurnModel
from churnlab.models.persistence import load_model
from churnlab.privacy.finders import email_addresses, phone_numbers

SCORE_COLUMNS = [
    "priority", "source", "dismissal_risk", "best_action",
    *[f"p_retained_{label}" for label in ACTION_LABELS],
    "uplift", "uplift_low", "uplift_high", "expected_gain", "dentist_value", "reasons",
    "best_action_note", "status", "dentist", "city", "uf", "opened_on", "case_key",
    *[f"cost_{label}" for label in ACTION_LABELS],
]  # fmt: skip
"""Columns of a scores table, in order (those of 'Batch CLI', docs/concepts/contracts/batch-cli.md,
and context for a reader).

``case_key`` (:func:`churnlab.io.keys.case_key`: the protocol number, else CRO/UF/opening
date) names the case across runs, for the case store; ``cost_<action>`` is what each action
would cost for this dentist under the model's economics (R$), for judging the loop in R$."""

PEOPLE_CONTEXT = ("cro", "phones", "emails", "stated_reason", "out_of_reach")
"""Columns a scores table carries for the people's lists only (never written to ``scores.csv``):
the CRO/UF, the phones and e-mails of the form's notes (``; ``-joined), the reason the first note
states (:func:`churnlab.app.reach.stated_reasons`) and whether it puts the dentist out of an
offer's reach (:mod:`churnlab.app.reach`)."""

_T = TypeVar("_T")

CaseInput = RetentionCase | dict[str, Any] | str | os.PathLike[str]


def _as_cases(items: CaseInput | Iterable[CaseInput]) -> list[RetentionCase]:
    """Cases from records, parsed-record dicts, form texts, files or folders."""
    if isinstance(items, (RetentionCase, dict, str, os.PathLike)):
        items = [items]
    cases: list[RetentionCase] = []
    for item in items:
        if isinstance(item, RetentionCase):
            cases.append(item)
        elif isinstance(item, dict):
            cases.append(RetentionCase.model_validate(item))
        elif names_a_path(item):
            for _, result in iter_forms(form_paths([item])):
                if isinstance(result, FormParseError):
                    raise result
                cases.append(result)
        elif isinstance(item, str):
            cases.append(parse_form(item))
        else:
            raise TypeError(f"cannot score a {type(item).__name__}; give forms, paths or records")
    return cases


def _notes(case: RetentionCase) -> str:
    """Every note of a form joined: where analysts write the numbers they reached the dentist at."""
    return "\n".join(n for n in (*(c.note for c in case.contacts), case.action_note, case.general_note) if n)


def _cro(case: RetentionCase) -> str | None:
    uf = case.cro_uf or case.uf
    return f"{case.cro}/{uf}" if case.cro and uf else case.cro


def _case_context(cases: Sequence[RetentionCase], X: pd.DataFrame, model: ChurnModel) -> pd.DataFrame:
    costs = model.economics.action_costs_for(X)[list(ACTION_LABELS)].add_prefix("cost_")
    notes = [_notes(c) for c in cases]
    return pd.DataFrame(
        {
            "status": [c.status or ("open" if c.is_open else "unknown") for c in cases],
            "dentist": [c.dentist_name for c in cases],
            "city": [c.city for c in cases],
            "uf": [c.uf or c.cro_uf for c in cases],
            "opened_on": X["opened_on"].to_numpy(),
            "case_key": [case_key(c) for c in cases],
            "cro": [_cro(c) for c in cases],
            "phones": ["; ".join(phone_numbers(n)) for n in notes],
            "emails": ["; ".join(email_addresses(n)) for n in notes],
            "stated_reason": stated_reasons(X),
        },
        index=X.index,
    ).join(costs.set_axis(X.index))


def for_people(scores: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Scores as a CSV a person opens: reasons in words of ``lang`` (``; ``-separated), formula-safe cells."""
    out = scores.copy()
    if "reasons" in out:
        out["reasons"] = [
            "; ".join(r.say(lang) for r in reasons) if isinstance(reasons, list) else reasons
            for reasons in out["reasons"]
        ]
    return safe_frame(out)


def rank(scores: pd.DataFrame, keep_other_columns: bool = False) -> pd.DataFrame:
    """Order score rows by priority and number them from 1: open cases first, then the closed ones,
    each by expected gain, then risk (a closed case has nobody left to call).

    The columns are :data:`SCORE_COLUMNS` (those present), then, with
    ``keep_other_columns``, the frame's other columns.

    Examples
    --------
    >>> scores = pd.DataFrame({"source": ["a", "b", "c"], "status": ["retained", "open", "open"],
    ...                        "expected_gain": [99.0, 10.0, 50.0], "dismissal_risk": [0.5, 0.9, 0.2]})
    >>> rank(scores)["source"].tolist()
    ['c', 'b', 'a']
    """
    closed = (scores["status"] != "open").to_numpy() if "status" in scores else np.zeros(len(scores), bool)
    ordered = (
        scores.assign(_closed=closed)
        .sort_values(
            ["_closed", "expected_gain", "dismissal_risk"], ascending=[True, False, False], kind="stable"
        )
        .drop(columns="_closed")
        .reset_index(drop=True)
    )
    ordered["priority"] = range(1, len(ordered) + 1)
    columns = [c for c in SCORE_COLUMNS if c in ordered.columns]
    if keep_other_columns:
        columns += [c for c in ordered.columns if c not in columns]
    return ordered[columns]


def score_cases(
    cases: Sequence[RetentionCase],
    model: ChurnModel,
    glosas: pd.DataFrame | GlosaHistory | None = None,
    drift: DriftCounter | None = None,
) -> pd.DataFrame:
    """Unranked score rows for parsed cases (one per case, in their order).

    Rows are matched to cases by position, never by the user's file names: two
    forms with the same ``source`` (two pasted texts, two folders' ``form.md``)
    are two rows. ``drift`` (:meth:`ChurnModel.drift_counter`) counts the open
    cases' features, for the input-drift check: closed cases are what the model
    was most likely trained on (scored in-sample, the stated-reason
    probabilities are sharper than the out-of-fold ones training profiled),
    and open cases are what the decisions are made on.
    """
    if not cases:
        return pd.DataFrame(columns=SCORE_COLUMNS[1:])
    by_position = [case.model_copy(update={"source": f"#{i}"}) for i, case in enumerate(cases)]
    X = model.features(by_position, glosas)
    out = model.score_features(X).join(_case_context(cases, X, model))
    if drift is not None:  # counted once scored: the service retries a failed batch case by case
        drift.add(X[[case.is_open for case in cases]])
    out.insert(0, "source", [case.source for case in cases])
    return out.reset_index(drop=True)


def score(
    forms_or_records: CaseInput | Iterable[CaseInput],
    model: ChurnModel | str | os.PathLike[str] | None = None,
    glosas: pd.DataFrame | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Score forms (texts, files, folders) or parsed records; rows ordered by priority.

    Parameters
    ----------
    forms_or_records
        A form's text, a file or folder of forms, a :class:`RetentionCase`, a
        parsed-record dict ('Parsed record', docs/concepts/contracts/parsed-record.md),
        or a list of any of these.
    model : ChurnModel or path, optional
        A loaded model or a model folder; the bundled ``models/default`` when None.
    glosas : DataFrame or path, optional
        The operator's glosa export (``glosas.csv``), joined by CRO + UF.

    Returns
    -------
    DataFrame
        The columns of :data:`SCORE_COLUMNS`.
    """
    if not isinstance(model, ChurnModel):
        model = load_model(model)
    if glosas is not None and not isinstance(glosas, pd.DataFrame):
        glosas = read_glosa_csv(glosas)
    return rank(score_cases(_as_cases(forms_or_records), model, glosas))


@dataclass
class BatchSummary:
    """What a batch scoring run did; ``scores`` and ``outcomes`` (closed cases) for the case store."""

    scored: int
    rejected: int
    open_cases: int
    out: Path
    rejects: Path | None
    scores: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    outcomes: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    drift: pd.DataFrame | None = field(repr=False, default=None)

    def __str__(self) -> str:
        text = f"scored {self.scored} forms ({self.open_cases} open) into {self.out}"
        if self.rejected:
            text += f"; {self.rejected} rejected, listed in {self.rejects}"
        return text


def _chunks(results: Iterable[_T], size: int) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for item in results:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class FolderScores:
    """A data folder scored (:func:`score_data_folder`), for ``churnlab score`` and ``churnlab worklist``."""

    scores: pd.DataFrame
    """Every readable form's row, ranked (:data:`SCORE_COLUMNS`), the open cases with their offer."""
    outcomes: pd.DataFrame
    """The closed cases (:func:`churnlab.app.desk.outcome_rows`), for the case store."""
    rejected: list[tuple[str, str]]
    """``(file name, reason)`` for each form or glosa row that could not be read."""
    drift: pd.DataFrame | None = None
    """Input drift of everything scored against the training profile (columns of
    :func:`~churnlab.features.drift.drift_table`); None for a model whose card has no profile."""

    def open_cases(self) -> pd.DataFrame:
        """The open cases' rows, ranked among themselves (the worklist's rows)."""
        return rank(self.scores[self.scores["status"] == "open"], keep_other_columns=True)


def _offer_open_cases(scores: pd.DataFrame, outcomes: pd.DataFrame, explore: float) -> pd.DataFrame:
    """``scores`` with an offer (:func:`~churnlab.app.exploration.offers`) per open case; none when closed.

    An open case whose stated reason puts the dentist out of reach
    (:func:`churnlab.app.reach.withheld_reasons`, judged on the folder's closed
    cases ``outcomes``) is offered ``none``, surely (probability 1, never explored).
    """
    scores = offers(scores, explore)
    closed_rows = scores["status"] != "open"
    scores.loc[closed_rows, "offered_action"] = None
    scores.loc[closed_rows, "offer_probability"] = float("nan")
    if "stated_reason" in scores:
        closed = scores.loc[closed_rows, ["case_key", "stated_reason"]].merge(
            outcomes.astype({"case_key": object}), on="case_key", how="inner"
        )
        unreachable = (
            out_of_reach(scores["stated_reason"], withheld_reasons(closed)) & ~closed_rows.to_numpy()
        )
        scores["out_of_reach"] = unreachable
        scores.loc[unreachable, "offered_action"] = NO_ACTION
        scores.loc[unreachable, "explored"] = False
        scores.loc[unreachable, "offer_probability"] = 1.0
    return scores


def _folder_glosas(
    data_dir: str | os.PathLike[str], dentists: Collection[str], scheduler: str | None, progress: bool
) -> GlosaRead | None:
    """The folder's glosa export, the rows of ``dentists`` kept, read here or on a Dask cluster."""
    if scheduler is None:
        return read_folder_glosas(data_dir, keep_rows_of=dentists, progress=progress)
    from churnlab.app.distributed import cluster

    source = find_source(data_dir, "glosas")
    if source is None:
        return None
    with cluster(scheduler) as dask:
        return dask.read_glosas(source, keep_rows_of=dentists, progress=progress)


@contextlib.contextmanager
def _parsed_forms(
    paths: list[Path], jobs: int, window: int, progress: bool
) -> Iterator[tuple[Iterator[tuple[Path, RetentionCase | FormParseError]], set[str]]]:
    """Parse every form once, in order, and say which dentists they name before they are scored.

    The parsed records wait in an unnamed temporary file (gone when closed, even on a
    crash), so 100,000 forms never sit in memory while the glosa export is read; what
    is yielded replays them, and the set holds their dentists' keys.
    """
    results = iter_forms(paths, jobs=jobs, window=window)
    results = progress_bar(results, "forms", progress, total=len(paths), doing="reading", unit="form")
    dentists: set[str] = set()
    try:
        spill = tempfile.TemporaryFile(prefix="churnlab-forms-")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _no_room(exc) from None
    with spill:
        try:
            for path, result in results:
                if isinstance(result, RetentionCase):
                    dentists.add(dentist_key(result.cro, result.cro_uf or result.uf))
                pickle.dump((path, result), spill, protocol=pickle.HIGHEST_PROTOCOL)
            spill.seek(0)
        except OSError as exc:
            raise _no_room(exc) from None
        yield _replayed(spill, len(paths)), dentists


def _no_room(exc: OSError) -> DataError:
    return DataError(
        f"{tempfile.gettempdir()}: cannot keep the parsed forms in a temporary file there "
        f"({exc.strerror or exc}); point TMPDIR at a folder with room"
    )


def _replayed(spill: BinaryIO, count: int) -> Iterator[tuple[Path, RetentionCase | FormParseError]]:
    for _ in range(count):
        yield pickle.load(spill)  # noqa: S301 - written by this process a moment ago


def score_data_folder(
    data_dir: str | os.PathLike[str],
    model: ChurnModel,
    *,
    explore: float = 0.0,
    jobs: int | None = None,
    chunk_size: int = 2000,
    progress: bool = False,
    scheduler: str | None = None,
) -> FolderScores:
    """Score every form of ``DATA_DIR/forms`` (and ``DATA_DIR/glosas.csv``): the one folder scorer.

    Forms are parsed first (by ``jobs`` processes; all cores when None; the
    records wait in an unnamed temporary file), so the glosa export keeps only
    the rows of the dentists they name; then they are scored ``chunk_size`` at
    a time, so 100,000 forms never sit in memory as parsed records. Bad files
    are listed, not fatal. Open cases get an offer
    (:func:`churnlab.app.exploration.offers`, exploring a share ``explore``):
    here and only here, so ``churnlab score`` and ``churnlab worklist`` offer
    the same actions on the same folder. With ``scheduler`` (a Dask
    scheduler's address or ``local:N``) the glosa export is read on that
    cluster (:mod:`churnlab.app.distributed`); the forms are parsed here.

    Raises
    ------
    DataError
        No ``forms/`` folder, or no form in it; an unreadable ``glosas.csv``.
    """
    paths = form_files(data_dir)
    with _parsed_forms(paths, jobs or os.cpu_count() or 1, chunk_size, progress) as (results, dentists):
        glosa_read = _folder_glosas(data_dir, dentists, scheduler, progress)
        return _scored_folder(results, glosa_read, model, chunk_size, explore)


def _scored_folder(
    results: Iterable[tuple[Path, RetentionCase | FormParseError]],
    glosa_read: GlosaRead | None,
    model: ChurnModel,
    chunk_size: int,
    explore: float,
) -> FolderScores:
    """:func:`score_data_folder` once the forms are parsed and their dentists' glosas read."""
    kept = None if glosa_read is None else glosa_read.rows  # Arrow columns, indexed per chunk below
    parts, closed, rejected = [], [], glosa_rejects(glosa_read)
    drift = model.drift_counter()
    for chunk in _chunks(results, chunk_size):
        cases = [r for _, r in chunk if isinstance(r, RetentionCase)]
        rejected += [(p.name, r.reason) for p, r in chunk if isinstance(r, FormParseError)]
        dentists = {dentist_key(case.cro, case.cro_uf or case.uf) for case in cases}
        glosas = GlosaHistory.from_frame(None if kept is None else kept.frame(dentists))
        parts.append(score_cases(cases, model, glosas, drift))
        closed.append(outcome_rows(cases))
    scores = (
        rank(pd.concat(parts, ignore_index=True), keep_other_columns=True)
        if parts
        else pd.DataFrame(columns=SCORE_COLUMNS)
    )
    outcomes = pd.concat(closed, ignore_index=True) if closed else outcome_rows([])
    drifted = drift.table() if drift is not None and drift.rows else None
    return FolderScores(_offer_open_cases(scores, outcomes, explore), outcomes, rejected, drifted)


def score_folder(
    data_dir: str | os.PathLike[str],
    model: ChurnModel,
    out: str | os.PathLike[str],
    rejects: str | os.PathLike[str] | None = None,
    chunk_size: int = 2000,
    progress: bool = False,
    jobs: int | None = None,
    explore: float = 0.0,
    scheduler: str | None = None,
) -> BatchSummary:
    """Score every form of ``DATA_DIR/forms`` into ``out`` (CSV), listing bad files in ``rejects``.

    :func:`score_data_folder` scores; this writes its rows for people (the
    rejects CSV is ``file;reason``, by default ``OUT_rejects.csv``, removed
    when a run has none).
    """
    out = Path(out)
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + "_rejects.csv")
    scored = score_data_folder(
        data_dir,
        model,
        explore=explore,
        jobs=jobs,
        chunk_size=chunk_size,
        progress=progress,
        scheduler=scheduler,
    )
    scores, rejected = scored.scores, scored.rejected
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = [c for c in scores.columns if c not in PEOPLE_CONTEXT]
    write_csv(for_people(scores[machine]), out)  # 'Batch CLI': no contact data in a machine file
    if rejected:
        write_csv(pd.DataFrame(rejected, columns=["file", "reason"], dtype=object), rejects_path, sep=";")
    elif rejects_path.exists():
        rejects_path.unlink()
    open_cases = int((scores["status"] == "open").sum()) if len(scores) else 0
    return BatchSummary(
        len(scores),
        len(rejected),
        open_cases,
        out,
        rejects_path if rejected else None,
        scores=scores,
        outcomes=scored.outcomes,
        drift=scored.drift,
    )
