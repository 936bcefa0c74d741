"""What both network generators share: the month's events, the cases they open, and the tables.

:mod:`churnlab.synthetic.network` and :mod:`churnlab.synthetic.network_hazard`
simulate dentists on different mechanisms, but once a month's hazard is known
they draw the events, open the retention cases and write the tables of
:class:`~churnlab.synthetic.network.SyntheticNetwork` the same way: here, once.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from churnlab.io.glosas import COLUMNS as GLOSA_FRAME_COLUMNS
from churnlab.io.records import RetentionCase
from churnlab.synthetic.noise import random_name
from churnlab.synthetic.vocabulary import STATES

FIRST_MONTH = pd.Timestamp("2022-01-01")


class Dentists(Protocol):
    """The per-dentist arrays a generator keeps (one entry per dentist ever in the network)."""

    size: int
    months: int
    cro: np.ndarray
    uf: np.ndarray
    is_j: np.ndarray
    us_value: np.ndarray
    lives: np.ndarray
    listed: np.ndarray
    other_plans: np.ndarray
    included_on: np.ndarray
    entry: np.ndarray
    per_guide: np.ndarray
    glosa_propensity: np.ndarray
    guides: np.ndarray
    retained_month: np.ndarray
    active: np.ndarray
    left: np.ndarray
    busy_until: np.ndarray


class Run:
    """What a simulation accumulates besides the dentists' arrays: cases, leavers, truths."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.cases: list[RetentionCase] = []
        self.case_truths: list[pd.Series] = []
        self.left_on: dict[int, np.datetime64] = {}
        self.truths: list[pd.DataFrame] = []


def month_end(m: int) -> pd.Timestamp:
    """The last day of month ``m`` (0 = January 2022)."""
    return FIRST_MONTH + pd.offsets.MonthBegin(m) + pd.offsets.MonthEnd(0)


def at_risk(d: Dentists, m: int) -> np.ndarray:
    """Dentists who may have an event in month ``m + 1``: in the network, not leaving, no open case."""
    return d.active & (d.busy_until < m) & ~d.left


def add_truth(d: Dentists, run: Run, m: int, risk: np.ndarray) -> None:
    """Keep the true 90-day risk at the end of month ``m`` of the dentists at risk (not NaN)."""
    idx = np.flatnonzero(~np.isnan(risk))
    run.truths.append(
        pd.DataFrame({"cro": d.cro[idx], "uf": d.uf[idx], "as_of": month_end(m), "true_risk_90d": risk[idx]})
    )


def draw_events(
    d: Dentists, run: Run, m: int, hazard: np.ndarray, ask_share: float, rng: np.random.Generator
) -> None:
    """Events of month ``m + 1``: a share ``ask_share`` opens a retention case, the others just leave."""
    event = at_risk(d, m) & (rng.random(d.size) < hazard)
    days = rng.integers(0, (month_end(m + 1) - month_end(m)).days, d.size)
    when = np.datetime64(month_end(m).date(), "D") + 1 + days
    asks = event & (rng.random(d.size) < ask_share)
    for i in np.flatnonzero(event & ~asks).tolist():
        run.left_on[i], d.left[i] = when[i], True
    idx = np.flatnonzero(asks)
    if not len(idx):
        return
    for i, case, truth in _open_cases(d, idx, when[idx], m, run, int(rng.integers(2**31))):
        run.cases.append(case)
        run.case_truths.append(truth)
        if case.status is None or case.finished_on is None:  # still open: no more events
            d.busy_until[i] = 10**6
        elif case.status == "dismissed":
            run.left_on[i], d.left[i] = np.datetime64(case.finished_on, "D"), True
        else:
            d.busy_until[i] = m + 1 + (case.finished_on.month != when[i].astype(object).month)
            if case.status == "retained":
                d.retained_month[i] = m + 1


def _open_cases(
    d: Dentists, idx: np.ndarray, asked: np.ndarray, m: int, run: Run, seed: int
) -> list[tuple[int, RetentionCase, pd.Series]]:
    """The retention cases of dentists ``idx`` asking on ``asked``, through the case generator."""
    from churnlab.synthetic.generator import generate

    end = np.datetime64(month_end(d.months - 1).date(), "D")
    produced = d.guides[idx, : m + 1] > 0
    last = np.where(produced.any(axis=1), m - np.argmax(produced[:, ::-1], axis=1), -1)
    last_guides = d.guides[idx, np.maximum(last, 0)]
    given = {
        "cro": d.cro[idx], "uf": d.uf[idx], "cro_uf": d.uf[idx], "start": asked,
        "is_open": asked > end - 60,
        "tenure_days": np.maximum((asked - d.included_on[idx]).astype(int), 30),
        "is_j": d.is_j[idx], "lives": d.lives[idx], "listed": d.listed[idx].astype(int),
        "us_value": d.us_value[idx], "no_guides": last < 0,
        "months_since": np.where(last >= 0, np.minimum(m + 1 - last, 24), -1),
        "last_value": np.round(np.where(last >= 0, last_guides * d.per_guide[idx], 0.0), 2),
        "glosa_propensity": d.glosa_propensity[idx], "other_plans": d.other_plans[idx],
    }  # fmt: skip
    data = generate(len(idx), seed=seed, dentists=given)
    out = []
    for k, (i, case) in enumerate(zip(idx, data.cases, strict=True)):
        source = f"{run.prefix}_{len(run.cases) + k + 1:05d}"
        truth = data.truth.iloc[k].copy()
        truth["source"] = source
        out.append((int(i), case.model_copy(update={"source": source}), truth))
    return out


def roster_table(
    d: Dentists, run: Run, rng: np.random.Generator, *, name_seed: int, specialties: tuple[str, ...]
) -> pd.DataFrame:
    """``roster.csv``'s rows for every dentist who was ever in the network.

    Names come from ``name_seed`` plus the dentist's index; a specialty is
    drawn only when there is more than one to choose from.
    """
    idx = np.flatnonzero(d.active | d.left)
    cities = [STATES[uf][3][int(rng.integers(0, len(STATES[uf][3])))] for uf in d.uf[idx]]
    specialty = (
        np.array(specialties)[rng.integers(0, len(specialties), len(idx))]
        if len(specialties) > 1
        else specialties[0]
    )
    return pd.DataFrame({
        "CRO": d.cro[idx], "UF": d.uf[idx],
        "Nome": [random_name(np.random.default_rng(i + name_seed), bool(i % 2), upper=False) for i in idx],
        "Cidade": cities, "Tipo": np.where(d.is_j[idx], "J", "F"),
        "Data inclusão": pd.to_datetime(d.included_on[idx]),
        "Data desligamento": [
            pd.Timestamp(run.left_on[i]) if i in run.left_on else pd.NaT for i in idx.tolist()
        ],
        "Moeda": d.us_value[idx], "nº de vidas": d.lives[idx],
        "nº CRO(S) únicos divulgados": d.listed[idx].astype(int),
        "Atende outros convênios": np.where(d.other_plans[idx], "Sim", "Não"),
        "Especialidade": specialty,
    })  # fmt: skip


def production_table(
    d: Dentists,
    months: list[tuple[int, np.ndarray, np.ndarray]],
    tail_share: float = 1.0,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """One row per dentist and month with guides, from ``(month, guides, value)`` per month.

    With ``tail_share`` below 1 the export is late: the last month keeps
    only that share of its guides (drawn with ``rng``) and of their value.
    """
    frames = []
    for m, guides, value in months:
        if m == d.months - 1 and tail_share < 1:  # a late export: part of the last month is missing
            assert rng is not None, "a late export draws which guides it misses"
            kept = rng.binomial(guides.astype(int), tail_share)
            value = value * np.where(guides > 0, kept / np.maximum(guides, 1), 0.0)
            guides = kept
        idx = np.flatnonzero(guides > 0)
        frames.append(
            pd.DataFrame(
                {
                    "cro": d.cro[idx],
                    "uf": d.uf[idx],
                    "month": FIRST_MONTH + pd.offsets.MonthBegin(m),
                    "guides": guides[idx],
                    "value": np.round(value[idx], 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def glosa_codes() -> tuple[np.ndarray, np.ndarray]:
    """The TISS codes a generated glosa takes: technical ones, and administrative ones but 5xxx."""
    from churnlab.io.glosas import glosa_code_table

    table = glosa_code_table()
    tech_codes = table.loc[table["kind"] == "technical", "code"].to_numpy()
    admin_codes = table.loc[
        (table["kind"] == "administrative") & ~table["code"].str.startswith("5"), "code"
    ].to_numpy()
    return tech_codes, admin_codes


def glosa_rows(
    d: Dentists, m: int, who: np.ndarray, codes: np.ndarray, rng: np.random.Generator, median_value: float
) -> pd.DataFrame:
    """One glosa per entry of ``who`` (dentist indices) of competence ``m``, dated in the month after."""
    competence = FIRST_MONTH + pd.offsets.MonthBegin(m)
    dates = (competence + pd.offsets.MonthBegin(1)).to_datetime64() + rng.integers(0, 28, len(who)).astype(
        "timedelta64[D]"
    )
    return pd.DataFrame(
        {
            "cro": d.cro[who],
            "uf": d.uf[who],
            "guide": rng.integers(1_000_000, 9_999_999, len(who)).astype(str),
            "competence": competence.strftime("%Y-%m"),
            "date": pd.to_datetime(dates),
            "code": codes[rng.integers(0, len(codes), len(who))],
            "value": np.round(np.exp(rng.normal(np.log(median_value), 0.8, len(who))), 2),
        }
    )


def glosa_table(frames: list[pd.DataFrame], end: pd.Timestamp) -> pd.DataFrame:
    """The glosas dated up to ``end``, described, in :data:`churnlab.io.glosas.COLUMNS`."""
    from churnlab.io.glosas import glosa_code_table

    frame = pd.concat(frames, ignore_index=True)
    frame = frame.loc[frame["date"] <= end].reset_index(drop=True)
    described = glosa_code_table().set_index("code")
    frame["description"] = described["description"].reindex(frame["code"]).to_numpy()
    frame["kind"] = described["kind"].reindex(frame["code"]).to_numpy()
    return frame[list(GLOSA_FRAME_COLUMNS)]


def engagement_table(d: Dentists, levels: dict[int, np.ndarray], fading: pd.Series) -> pd.DataFrame:
    """The latent state at every month end simulated (NaN before joining), and when fading began."""
    months = sorted(levels)
    values = np.column_stack([levels[m] for m in months]).astype(float)
    values[np.asarray(months)[None, :] < d.entry[:, None]] = np.nan
    frame = pd.DataFrame(values, columns=[month_end(m) for m in months])
    frame.insert(0, "fading_from", fading)
    frame.insert(0, "uf", d.uf)
    frame.insert(0, "cro", d.cro)
    return frame
