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

from churnlab.synthetic.network import SyntheticNetwork
from churnlab.synthetic.network_tables import (
    FIRST_MONTH,
    Run,
    add_truth,
    at_risk,
    draw_events,
    engagement_table,
    glosa_codes,
    glosa_rows,
    glosa_table,
    month_end,
    production_table,
    roster_table,
)
from churnlab.synthetic.noise import choice, sigmoid
from churnlab.synthetic.vocabulary import STATES

CUT_MONTH, WAVE_MONTHS = 18, range(22, 31)
_VOLUME = np.array([1.0, 0.55, 0.2])
_GLOSA = np.array([1.0, 1.5, 2.2])
_HAZARD = np.array([0.0, 1.7, 3.0])


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
        ends = np.array([np.datetime64(month_end(m).date(), "D") for m in range(months)])
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
        tenure = (np.datetime64(month_end(m).date(), "D") - self.included_on).astype(int)
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
        return np.where(at_risk(self, m), risk, np.nan)


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
    run = Run(prefix)
    production: list[tuple[int, np.ndarray, np.ndarray]] = []
    glosa_counts: list[tuple[int, np.ndarray, np.ndarray]] = []
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
        glosa_counts.append((m, tech, refused - tech))
        if m in truth_months or m == months - 1:
            add_truth(d, run, m, d.true_risk(m))
        if m == months - 1:
            break
        draw_events(d, run, m, d.hazard(m)[np.arange(d.size), d.state], 0.7, rng)
    end = month_end(months - 1)
    frame = production_table(d, production, tail_share, rng)
    never = pd.Series(pd.NaT, index=range(d.size), dtype="datetime64[ns]")
    return SyntheticNetwork(
        roster=roster_table(d, run, rng, name_seed=11, specialties=("Clínico geral",)),
        production=frame,
        glosas=_glosas(d, glosa_counts, rng, end, tail_share),
        cases=run.cases,
        case_truth=pd.DataFrame(run.case_truths).reset_index(drop=True),
        truth=pd.concat(run.truths, ignore_index=True),
        end=end,
        # engaged 0, wavering -1, withdrawn -2: lower is less engaged, as in network.py
        engagement=engagement_table(d, {m: -state.astype(float) for m, state in d.states.items()}, never),
    )


def _glosas(
    d: _Dentists,
    months: list[tuple[int, np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    end: pd.Timestamp,
    tail_share: float,
) -> pd.DataFrame:
    """One row per refused guide, dated in the month after its competence."""
    tech_codes, admin_codes = glosa_codes()
    frames = []
    for m, tech, admin in months[:-1]:  # the last month's glosas are dated after the end
        share = tail_share if m == d.months - 2 else 1.0  # dated in the export's last month
        for counts, codes in ((tech, tech_codes), (admin, admin_codes)):
            who = np.repeat(np.arange(d.size), rng.binomial(counts.astype(int), share))
            frames.append(glosa_rows(d, m, who, codes, rng, median_value=70))
    return glosa_table(frames, end)
