"""A second synthetic network, built on a different mechanism: a hidden Markov engagement and a hazard.

Its files are those of 'Network files' (docs/concepts/contracts/network-files.md)
and it returns the same :class:`~churnlab.synthetic.network.SyntheticNetwork`,
so every benchmark runs on both generators. It was written from the
description below, not from :mod:`churnlab.synthetic.network`: a model whose
features fit one generator's mechanism should not be judged on that one alone.

**Assumptions, none estimated from real data**

Dentists
    State, fee unit by state, lives and listed CROs as elsewhere in the
    generator; 35 % clinics; ~1 % of the network joins each month. Base
    volume log-normal (median 7 guides a month, ×2 for clinics). A fifth are
    *part-timers*, working a given month with probability 0.5 (the others
    0.97): for them a month or two without a guide is ordinary. Each dentist
    takes a *vacation month* every year (volume ×0.3).
Engagement
    A hidden Markov chain of three states, *engaged*, *wavering*,
    *withdrawn*, multiplying volume by 1, 0.55 and 0.2. Monthly moves:
    engaged → wavering with ``sigmoid(−3.6 + 0.5·glosa propensity + 1.0·[fee
    cut] + 0.9·[competitor wave])``; wavering → engaged 0.22, → withdrawn
    0.10; withdrawn → wavering 0.04. A wavering or withdrawn dentist's guides
    are refused more (×1.5, ×2.2): glosas are a symptom, not a cause.
Shocks
    A *fee-table cut*: from month 18, three states pay 12 % less per guide
    (value per guide drops; guides do not). A *competitor wave*: months
    22–30, one state, for the dentists who serve other plans.
Hazard of the event (asks to leave, or leaves without a case), next month
    ``logit h = −6.1 + (0, 1.7, 3.0)[state] + 0.6·[fee cut] + 0.5·[wave] +
    0.9·[tenure < 6 months] − 0.4·[clinic]``. 70 % of the events open a
    retention case (the case generator's form and outcome), 30 % just leave.
Export
    ``tail_share`` below 1 makes the export late: the last month holds only
    that share of its guides and of the glosas dated in it.
Truth
    Exact: the 90-day risk at a month end is ``1 − P(no event in the next
    three months)`` by the forward recursion over the chain from the
    dentist's state then (no Monte Carlo).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.io.glosas import COLUMNS as GLOSA_FRAME_COLUMNS
from churnlab.io.records import RetentionCase
from churnlab.synthetic.network import FIRST_MONTH, SyntheticNetwork
from churnlab.synthetic.noise import choice, random_name, sigmoid
from churnlab.synthetic.vocabulary import STATES

CUT_MONTH, WAVE_MONTHS = 18, range(22, 31)
_VOLUME = np.array([1.0, 0.55, 0.2])
_GLOSA = np.array([1.0, 1.5, 2.2])
_HAZARD = np.array([0.0, 1.7, 3.0])


def _month_end(m: int) -> pd.Timestamp:
    return FIRST_MONTH + pd.offsets.MonthBegin(m) + pd.offsets.MonthEnd(0)


class _Dentists:
    """Static draws per dentist and the chain's monthly state."""

    def __init__(self, rng: np.random.Generator, n: int, months: int) -> None:
        entrants = rng.binomial(n, 0.01, months)
        size = n + int(entrants.sum())
        self.size, self.months = size, months
        states = tuple(STATES)
        self.uf = np.array(states)[choice(rng, states, size, [v[0] for v in STATES.values()])]
        self.cro = rng.choice(np.arange(1000, 1000 + max(90_000, 3 * size)), size, replace=False).astype(str)
        self.is_j = rng.random(size) < 0.35
        shift = np.array([STATES[s][1] for s in self.uf])
        self.us_value = np.round(np.clip(rng.normal(0.36 + shift, 0.06), 0.18, 0.65), 2)
        self.lives = np.clip(np.round(np.exp(rng.normal(np.log(2500), 1.0, size))), 30, 90_000).astype(int)
        self.listed = np.maximum(1, np.round(self.lives / np.exp(rng.normal(np.log(15), 0.45, size))))
        self.other_plans = rng.random(size) < 0.6
        self.entry = np.concatenate([np.full(n, -1), np.repeat(np.arange(months), entrants)])
        first = np.datetime64(FIRST_MONTH.date(), "D")
        before = first - np.clip(np.exp(rng.normal(np.log(4 * 365), 0.8, n)), 30, 25 * 365).astype(int)
        ends = np.array([np.datetime64(_month_end(m).date(), "D") for m in range(months)])
        during = ends[self.entry[n:]] - rng.integers(0, 28, size - n)
        self.included_on = np.concatenate([before, during]).astype("datetime64[D]")
        self.base = np.exp(rng.normal(np.log(7), 0.8, size)) * np.where(self.is_j, 2.0, 1.0)
        self.works = np.where(rng.random(size) < 0.2, 0.5, 0.97)
        self.vacation = rng.integers(0, 12, size)
        self.per_guide = np.exp(rng.normal(np.log(60), 0.25, size)) * self.us_value / 0.36
        self.glosa_propensity = rng.normal(0, 1, size)
        self.q = 0.02 * np.exp(0.5 * self.glosa_propensity)
        self.tech_share = sigmoid(-0.5 + 0.6 * self.glosa_propensity)
        self.cut = np.isin(self.uf, rng.choice(states, 3, replace=False))
        self.wave = (self.uf == rng.choice(states)) & self.other_plans
        self.state = np.where(rng.random(size) < 0.85, 0, np.where(rng.random(size) < 0.6, 1, 2))
        self.states: dict[int, np.ndarray] = {}
        self.guides = np.zeros((size, months))
        self.retained_month = np.full(size, -(10**6))
        self.active = self.entry < 0
        self.left = np.zeros(size, dtype=bool)
        self.busy_until = np.full(size, -1)

    def transitions(self, m: int) -> np.ndarray:
        """Each dentist's 3 × 3 matrix of moves from the end of month ``m`` to the end of ``m + 1``."""
        shock = 1.0 * (self.cut & (m + 1 >= CUT_MONTH)) + 0.9 * (self.wave & (m + 1 in WAVE_MONTHS))
        away = sigmoid(-3.6 + 0.5 * self.glosa_propensity + shock)
        t = np.zeros((self.size, 3, 3))
        t[:, 0, 0], t[:, 0, 1] = 1 - away, away
        t[:, 1, 0], t[:, 1, 1], t[:, 1, 2] = 0.22, 0.68, 0.10
        t[:, 2, 1], t[:, 2, 2] = 0.04, 0.96
        return t

    def hazard(self, m: int) -> np.ndarray:
        """P(event in month ``m + 1``) for each dentist in each state at the end of ``m`` (size × 3)."""
        tenure = (np.datetime64(_month_end(m).date(), "D") - self.included_on).astype(int)
        logit = (
            -6.1
            + 0.6 * (self.cut & (m >= CUT_MONTH))
            + 0.5 * (self.wave & (m in WAVE_MONTHS))
            + 0.9 * (tenure < 182)
            - 0.4 * self.is_j
        )
        return sigmoid(logit[:, None] + _HAZARD[None, :])

    def true_risk(self, m: int) -> np.ndarray:
        """P(event within the three months after month ``m``), exact over the chain (NaN if not at risk)."""
        alive = np.zeros((self.size, 3))
        alive[np.arange(self.size), self.state] = 1.0
        for k in (m, m + 1, m + 2):
            alive = alive * (1 - self.hazard(k))
            alive = np.einsum("ns,nst->nt", alive, self.transitions(k))
        risk = 1 - alive.sum(axis=1)
        return np.where(self.at_risk(m), risk, np.nan)

    def at_risk(self, m: int) -> np.ndarray:
        return self.active & (self.busy_until < m) & ~self.left


def generate_hazard_network(
    n_dentists: int,
    seed: int,
    months: int = 36,
    truth_months: tuple[int, ...] = (),
    tail_share: float = 1.0,
    prefix: str = "hz",
) -> SyntheticNetwork:
    """Simulate ``n_dentists`` dentists over ``months`` months from January 2022 (see the module).

    ``truth_months`` adds month indices at whose end the exact 90-day risk is
    computed, besides the last month; ``tail_share`` is the share of the last
    month's guides and glosas the export holds (1: complete).

    Examples
    --------
    >>> net = generate_hazard_network(200, seed=1, months=12)
    >>> bool(net.truth["true_risk_90d"].between(0, 1).all())
    True
    """
    if n_dentists < 1 or months < 4:
        raise ValueError("need at least one dentist and four months")
    if not 0 < tail_share <= 1:
        raise ValueError(f"tail_share must be within (0, 1], got {tail_share}")
    rng = np.random.default_rng(seed)
    d = _Dentists(rng, n_dentists, months)
    production: list[tuple[int, np.ndarray, np.ndarray]] = []
    glosas: list[tuple[int, np.ndarray, np.ndarray]] = []
    cases: list[RetentionCase] = []
    case_truths: list[pd.Series] = []
    truths: list[pd.DataFrame] = []
    left_on: dict[int, np.datetime64] = {}
    for m in range(months):
        if m > 0:
            moves = d.transitions(m - 1)[np.arange(d.size), d.state]
            d.state = (rng.random(d.size)[:, None] > np.cumsum(moves, axis=1)).sum(axis=1)
        d.active |= d.entry == m
        present = d.active & ~d.left
        season = 1.0 + 0.1 * np.sin(2 * np.pi * (m % 12) / 12)
        mean = d.base * _VOLUME[d.state] * season * np.where(d.vacation == m % 12, 0.3, 1.0)
        guides = np.where(present & (rng.random(d.size) < d.works), rng.poisson(mean), 0)
        refused = rng.binomial(guides, np.minimum(d.q * _GLOSA[d.state], 0.9))
        tech = rng.binomial(refused, d.tech_share)
        d.guides[:, m] = guides
        d.states[m] = d.state.copy()
        value = guides * d.per_guide * np.where(d.cut & (m >= CUT_MONTH), 0.88, 1.0)
        production.append((m, guides, value))
        glosas.append((m, tech, refused - tech))
        if m in truth_months or m == months - 1:
            risk = d.true_risk(m)
            idx = np.flatnonzero(~np.isnan(risk))
            truths.append(
                pd.DataFrame(
                    {"cro": d.cro[idx], "uf": d.uf[idx], "as_of": _month_end(m), "true_risk_90d": risk[idx]}
                )
            )
        if m == months - 1:
            break
        hazard = d.hazard(m)[np.arange(d.size), d.state]
        event = d.at_risk(m) & (rng.random(d.size) < hazard)
        days = rng.integers(0, (_month_end(m + 1) - _month_end(m)).days, d.size)
        when = np.datetime64(_month_end(m).date(), "D") + 1 + days
        asks = event & (rng.random(d.size) < 0.7)
        for i in np.flatnonzero(event & ~asks).tolist():
            left_on[i], d.left[i] = when[i], True
        idx = np.flatnonzero(asks)
        if len(idx):
            seed_cases = int(rng.integers(2**31))
            for i, case, truth in _cases(d, idx, when[idx], m, len(cases), prefix, seed_cases):
                cases.append(case)
                case_truths.append(truth)
                if case.status is None or case.finished_on is None:
                    d.busy_until[i] = 10**6
                elif case.status == "dismissed":
                    left_on[i], d.left[i] = np.datetime64(case.finished_on, "D"), True
                else:
                    d.busy_until[i] = m + 1 + (case.finished_on.month != when[i].astype(object).month)
                    d.retained_month[i] = m + 1
    end = _month_end(months - 1)
    frame = _production(d, production, tail_share, rng)
    return SyntheticNetwork(
        roster=_roster(d, left_on, rng),
        production=frame,
        glosas=_glosas(d, glosas, rng, end, tail_share),
        cases=cases,
        case_truth=pd.DataFrame(case_truths).reset_index(drop=True),
        truth=pd.concat(truths, ignore_index=True),
        end=end,
        engagement=_engagement(d),
    )


def _cases(
    d: _Dentists, idx: np.ndarray, asked: np.ndarray, m: int, done: int, prefix: str, seed: int
) -> list[tuple[int, RetentionCase, pd.Series]]:
    """Retention cases of dentists ``idx`` asking on ``asked``, through the case generator."""
    from churnlab.synthetic.generator import generate

    end = np.datetime64(_month_end(d.months - 1).date(), "D")
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
        source = f"{prefix}_{done + k + 1:05d}"
        truth = data.truth.iloc[k].copy()
        truth["source"] = source
        out.append((int(i), case.model_copy(update={"source": source}), truth))
    return out


def _roster(d: _Dentists, left_on: dict[int, np.datetime64], rng: np.random.Generator) -> pd.DataFrame:
    idx = np.flatnonzero(d.active | d.left)
    cities = [STATES[uf][3][int(rng.integers(0, len(STATES[uf][3])))] for uf in d.uf[idx]]
    return pd.DataFrame({
        "CRO": d.cro[idx], "UF": d.uf[idx],
        "Nome": [random_name(np.random.default_rng(i + 11), bool(i % 2), upper=False) for i in idx],
        "Cidade": cities, "Tipo": np.where(d.is_j[idx], "J", "F"),
        "Data inclusão": pd.to_datetime(d.included_on[idx]),
        "Data desligamento": [pd.Timestamp(left_on[i]) if i in left_on else pd.NaT for i in idx.tolist()],
        "Moeda": d.us_value[idx], "nº de vidas": d.lives[idx],
        "nº CRO(S) únicos divulgados": d.listed[idx].astype(int),
        "Atende outros convênios": np.where(d.other_plans[idx], "Sim", "Não"),
        "Especialidade": "Clínico geral",
    })  # fmt: skip


def _production(
    d: _Dentists,
    months: list[tuple[int, np.ndarray, np.ndarray]],
    tail_share: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    frames = []
    for m, guides, value in months:
        if m == d.months - 1 and tail_share < 1:  # a late export: part of the last month is missing
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
            )  # fmt: skip
        )
    return pd.concat(frames, ignore_index=True)


def _glosas(
    d: _Dentists,
    months: list[tuple[int, np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    end: pd.Timestamp,
    tail_share: float,
) -> pd.DataFrame:
    """One row per refused guide, dated in the month after its competence."""
    from churnlab.io.glosas import glosa_code_table

    table = glosa_code_table()
    tech_codes = table.loc[table["kind"] == "technical", "code"].to_numpy()
    admin_codes = table.loc[
        (table["kind"] == "administrative") & ~table["code"].str.startswith("5"), "code"
    ].to_numpy()
    frames = []
    for m, tech, admin in months[:-1]:  # the last month's glosas are dated after the end
        competence = FIRST_MONTH + pd.offsets.MonthBegin(m)
        share = tail_share if m == d.months - 2 else 1.0  # dated in the export's last month
        for counts, codes in ((tech, tech_codes), (admin, admin_codes)):
            who = np.repeat(np.arange(d.size), rng.binomial(counts.astype(int), share))
            dates = (competence + pd.offsets.MonthBegin(1)).to_datetime64() + rng.integers(
                0, 28, len(who)
            ).astype("timedelta64[D]")
            frames.append(
                pd.DataFrame(
                    {
                        "cro": d.cro[who],
                        "uf": d.uf[who],
                        "guide": rng.integers(1_000_000, 9_999_999, len(who)).astype(str),
                        "competence": competence.strftime("%Y-%m"),
                        "date": pd.to_datetime(dates),
                        "code": codes[rng.integers(0, len(codes), len(who))],
                        "value": np.round(np.exp(rng.normal(np.log(70), 0.8, len(who))), 2),
                    }
                )  # fmt: skip
            )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.loc[frame["date"] <= end].reset_index(drop=True)
    described = table.set_index("code")
    frame["description"] = described["description"].reindex(frame["code"]).to_numpy()
    frame["kind"] = described["kind"].reindex(frame["code"]).to_numpy()
    return frame[list(GLOSA_FRAME_COLUMNS)]


def _engagement(d: _Dentists) -> pd.DataFrame:
    """The hidden state (0 engaged, 1 wavering, 2 withdrawn) at every month end; NaN before joining."""
    months = sorted(d.states)
    levels = np.column_stack([d.states[m] for m in months]).astype(float)
    levels[np.asarray(months)[None, :] < d.entry[:, None]] = np.nan
    frame = pd.DataFrame(-levels, columns=[_month_end(m) for m in months])
    frame.insert(0, "fading_from", pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
    frame.insert(0, "uf", d.uf)
    frame.insert(0, "cro", d.cro)
    return frame
