"""A synthetic network: dentists month by month, with the true risk of each.

Its files are those of 'Network files' (docs/concepts/contracts/network-files.md).

The network model must be judged against the best any model could do, so the
generator simulates a network whose monthly hazard of asking to leave is
known, and computes each active dentist's true probability of the event
within 90 days of a month end.

**Assumptions, none estimated from real data**

Dentists
    As the case generator's (state, fee unit by state, lives, listed CROs,
    40 % clinics, other plans), included before the data starts (tenure
    log-normal, median ~3 years) or joining during it (~0.8 % of the network
    a month). Each has a base volume (guides a month, log-normal, median 9,
    ×1.8 for clinics), a value per guide that follows the fee unit, a glosa
    propensity (per-guide glosa probability ~2 %, technical share rising with
    it) and a latent *engagement* that drifts: a quarter of the dentists start
    fading at a random month (−0.12 a month on the log scale), everyone's
    engagement wanders (sd 0.12 a month).
Months
    Guides ~ Poisson(base × exp(engagement) × season); each guide is refused
    with the dentist's glosa probability (×3 during an *audit wave* in two
    states, months 14–16 of the data); glosas are known the month after.
Hazard of the event (asks to leave, or leaves without a case)
    ``logit h = -5.5 + 1.2·min(3, max(0, −engagement)) + 0.45·log1p(technical glosas,
    last 3 months) + 0.15·log1p(other glosas) + 0.8·[fee unit < 0.30] +
    0.6·[tenure < 1 year] + 0.7·[retained in a case in the last 12 months] +
    0.8·[no guide in the last 2 months] + 0.6·[fee freeze: month ≥ 20 and fee
    unit < 0.33] − 0.2·[clinic]``. Engagement is not observed: production is
    its noisy trace, which is what makes the truth's AUC a ceiling.
Events
    80 % open a retention case (the case generator writes the form, with this
    dentist's CRO, state, tenure, size, fee unit and production; its action
    and outcome model decides retained or dismissed), 20 % just leave
    (``Data desligamento``). A dismissed dentist leaves on the case's final
    date; a retained one stays; cases opened in the last 60 days are open.
Truth
    The true 90-day risk at a month end is ``1 − E[Π(1 − h)]`` over the next
    three months (90 days from 31 December), by Monte Carlo over the future
    engagement and glosas (400 draws), for every dentist active then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from churnlab.io.brazil import format_date_br, format_decimal_br
from churnlab.io.csv_writer import write_csv
from churnlab.io.records import RetentionCase
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

AUDIT_MONTHS, FREEZE_MONTH = (14, 15, 16), 20
_SPECIALTIES = (
    "Clínico geral",
    "Ortodontia",
    "Endodontia",
    "Periodontia",
    "Implantodontia",
    "Odontopediatria",
    "Prótese",
)
_MC_DRAWS = 400


@dataclass
class SyntheticNetwork:
    """A generated network: the tables of 'Network files', the cases, and the true risks.

    Attributes
    ----------
    roster : pandas.DataFrame
        In ``roster.csv``'s columns (``CRO``, ``UF``, ``Nome``, ...), values typed.
    production : pandas.DataFrame
        ``cro``, ``uf``, ``month`` (Timestamp), ``guides``, ``value``.
    glosas : pandas.DataFrame
        Glosa events in :data:`churnlab.io.glosas.COLUMNS`.
    cases : list of RetentionCase
        One form per retention case (``source`` ``net_00001`` ...).
    case_truth : pandas.DataFrame
        The case generator's truth for those cases.
    truth : pandas.DataFrame
        ``cro``, ``uf``, ``as_of``, ``true_risk_90d`` for every dentist active at
        each month end in ``truth_months`` and at the last one.
    end : pandas.Timestamp
        The last day simulated (the end of the last month).
    engagement : pandas.DataFrame
        The latent state no file shows: ``cro``, ``uf``, ``fading_from`` (the month
        end from which the dentist's engagement fades, the first one if it faded
        before the data began, NaT if never), then one
        column per month end (a Timestamp) with the engagement at that date
        (NaN before the dentist joined). For measuring how much of the gap to
        the truth is information the files do not hold
        (``benchmarks/bench_network.py --ceiling``).
    """

    roster: pd.DataFrame
    production: pd.DataFrame
    glosas: pd.DataFrame
    cases: list[RetentionCase]
    case_truth: pd.DataFrame
    truth: pd.DataFrame
    end: pd.Timestamp
    engagement: pd.DataFrame


class _Network:
    """The simulation's arrays: static draws per dentist and the monthly state."""

    def __init__(self, rng: np.random.Generator, n: int, months: int) -> None:
        self.rng, self.months = rng, months
        entrants = rng.binomial(n, 0.008, months)
        self.size = n + int(entrants.sum())
        size = self.size
        states = tuple(STATES)
        self.uf = np.array(states)[choice(rng, states, size, [v[0] for v in STATES.values()])]
        self.cro = rng.choice(np.arange(1000, 1000 + max(90_000, 3 * size)), size, replace=False).astype(str)
        self.is_j = rng.random(size) < 0.4
        shift = np.array([STATES[s][1] for s in self.uf])
        self.us_value = np.round(np.clip(rng.normal(0.36 + shift, 0.06), 0.18, 0.65), 2)
        self.lives = np.clip(np.round(np.exp(rng.normal(np.log(2500), 1.0, size))), 30, 90_000).astype(int)
        self.listed = np.maximum(1, np.round(self.lives / np.exp(rng.normal(np.log(15), 0.45, size)))).astype(
            int
        )
        self.other_plans = rng.random(size) < 0.65
        # inclusion: before the data for the first n, during it for the entrants
        tenure = np.clip(np.exp(rng.normal(np.log(3 * 365), 0.9, n)), 30, 25 * 365).astype(int)
        first = np.datetime64(FIRST_MONTH.date(), "D")
        entry_month = np.repeat(np.arange(months), entrants)
        self.entry = np.concatenate([np.full(n, -1), entry_month])  # month index of joining (-1: before)
        included = np.concatenate(
            [
                first - tenure,
                np.array(
                    [
                        np.datetime64(month_end(m).date(), "D") - rng.integers(0, 28)
                        for m in entry_month.tolist()
                    ],
                    dtype="datetime64[D]",
                ),
            ]
        )
        self.included_on = included.astype("datetime64[D]")
        self.base = np.exp(rng.normal(np.log(9), 0.9, size)) * np.where(self.is_j, 1.8, 1.0)
        self.per_guide = np.exp(rng.normal(np.log(55), 0.3, size)) * self.us_value / 0.36
        self.glosa_propensity = rng.normal(0, 1, size)
        self.q = 0.02 * np.exp(0.6 * self.glosa_propensity)
        self.tech_share = sigmoid(-0.7 + 0.7 * self.glosa_propensity)
        self.fade_onset = np.where(rng.random(size) < 0.25, rng.integers(-12, months, size), 10**6)
        self.audit_ufs = rng.choice(states, 2, replace=False)
        # state
        self.level = rng.normal(0, 0.3, size)
        self.levels: dict[int, np.ndarray] = {}  # the engagement at the end of each month
        self.tech = np.zeros((size, months + 1))  # technical glosas known in month m
        self.admin = np.zeros((size, months + 1))
        self.guides = np.zeros((size, months))
        self.retained_month = np.full(size, -(10**6))
        self.active = self.entry < 0  # in the network and not in an open case
        self.left = np.zeros(size, dtype=bool)
        self.busy_until = np.full(size, -1)  # month index until which an open case blocks events

    def tenure_days(self, m: int) -> np.ndarray:
        return (np.datetime64(month_end(m).date(), "D") - self.included_on).astype(int)

    def logit(
        self,
        m: int,
        level: np.ndarray,
        tech3: np.ndarray,
        admin3: np.ndarray,
        no_guides2: np.ndarray,
        idx: np.ndarray | slice = slice(None),
    ) -> np.ndarray:
        """Logit of the hazard of an event in month ``m + 1`` given the state at the end of ``m``."""
        logit: np.ndarray = (
            -5.5
            + 1.2 * np.clip(-level, 0.0, 3.0)
            + 0.45 * np.log1p(tech3)
            + 0.15 * np.log1p(admin3)
            + 0.8 * (self.us_value[idx] < 0.30)
            + 0.6 * (self.tenure_days(m)[idx] < 365)
            + 0.7 * (m - self.retained_month[idx] < 12)
            + 0.8 * no_guides2
            + 0.6 * ((m >= FREEZE_MONTH) & (self.us_value[idx] < 0.33))
            - 0.2 * self.is_j[idx]
        )
        return logit

    def step_level(
        self, m: int, level: np.ndarray, rng: np.random.Generator, idx: np.ndarray | slice = slice(None)
    ) -> np.ndarray:
        drift = np.where(m >= self.fade_onset[idx], -0.12, 0.0)
        return np.minimum(level + drift + rng.normal(0, 0.12, np.shape(level)), 0.6)

    def draw_month(
        self, m: int, level: np.ndarray, rng: np.random.Generator, idx: np.ndarray | slice = slice(None)
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Guides, technical and other glosas of month ``m`` for dentists ``idx``."""
        season = 1.0 + 0.15 * np.cos(2 * np.pi * (m % 12 - 3) / 12)
        guides = rng.poisson(self.base[idx] * np.exp(level) * season)
        audit = np.where(np.isin(self.uf[idx], self.audit_ufs) & (m in AUDIT_MONTHS), 3.0, 1.0)
        glosas = rng.binomial(guides, np.minimum(self.q[idx] * audit, 0.9))
        tech = rng.binomial(glosas, self.tech_share[idx])
        return guides, tech, glosas - tech

    def recent(self, m: int, idx: np.ndarray | slice = slice(None)) -> tuple[np.ndarray, ...]:
        lo = max(0, m - 2)
        tech3 = self.tech[idx, lo : m + 1].sum(axis=1)
        admin3 = self.admin[idx, lo : m + 1].sum(axis=1)
        seen = self.guides[idx, max(0, m - 1) : m + 1]
        no_guides2 = (seen.sum(axis=1) == 0) & (seen.shape[1] == 2)
        return tech3, admin3, no_guides2

    def true_risk(self, m: int, draws: int = _MC_DRAWS, chunk: int = 5_000) -> np.ndarray:
        """P(event within the 3 months after month ``m``) for every dentist (NaN if not at risk)."""
        everyone = np.flatnonzero(at_risk(self, m))
        risk = np.full(self.size, np.nan)
        rng = np.random.default_rng(10_000 + m)
        for start in range(0, len(everyone), chunk):  # bounded memory for large networks
            idx = everyone[start : start + chunk]
            risk[idx] = self._true_risk(m, idx, draws, rng)
        return risk

    def _true_risk(self, m: int, idx: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:

        def tiled(values: np.ndarray) -> np.ndarray:
            return np.tile(values, (draws, 1))

        # glosas known in months m-2 .. m+1 are drawn already; m+2 is drawn below
        tech = {k: tiled(self.tech[idx, k] if k >= 0 else np.zeros(len(idx))) for k in range(m - 2, m + 2)}
        admin = {k: tiled(self.admin[idx, k] if k >= 0 else np.zeros(len(idx))) for k in range(m - 2, m + 2)}
        guides = {k: tiled(self.guides[idx, k] if k >= 0 else np.ones(len(idx))) for k in (m - 1, m)}
        level = tiled(self.levels[m][idx])
        survive = np.ones((draws, len(idx)))
        for month in (m, m + 1, m + 2):
            tech3 = tech[month - 2] + tech[month - 1] + tech[month]
            admin3 = admin[month - 2] + admin[month - 1] + admin[month]
            no_guides2 = (guides[month - 1] == 0) & (guides[month] == 0)
            survive *= 1 - sigmoid(self.logit(month, level, tech3, admin3, no_guides2, idx))
            level = self.step_level(month + 1, level, rng, idx)
            guides[month + 1], drawn_tech, drawn_admin = self.draw_month(month + 1, level, rng, idx)
            if month + 2 not in tech:
                tech[month + 2], admin[month + 2] = drawn_tech, drawn_admin
        risk: np.ndarray = 1 - survive.mean(axis=0)
        return risk


def generate_network(
    n_dentists: int, seed: int, months: int = 36, truth_months: tuple[int, ...] = (), prefix: str = "net"
) -> SyntheticNetwork:
    """Simulate ``n_dentists`` dentists over ``months`` months from January 2022.

    ``truth_months`` adds month indices (0 = January 2022) at whose end the
    true 90-day risk is computed, besides the last month; cases are named
    ``{prefix}_00001`` and so on.

    Examples
    --------
    >>> net = generate_network(200, seed=1, months=12)
    >>> sorted(net.truth.columns)
    ['as_of', 'cro', 'true_risk_90d', 'uf']
    >>> bool(net.truth["true_risk_90d"].between(0, 1).all())
    True
    """
    if n_dentists < 1 or months < 4:
        raise ValueError("need at least one dentist and four months")
    rng = np.random.default_rng(seed)
    net = _Network(rng, n_dentists, months)
    run = Run(prefix)
    production: list[tuple[int, np.ndarray, np.ndarray]] = []
    glosa_counts: list[tuple[int, np.ndarray, np.ndarray]] = []
    for m in range(months):
        net.active |= net.entry == m
        present = net.active & ~net.left
        net.level = np.where(net.entry == m, net.level, net.step_level(m, net.level, rng))
        guides, tech, admin = net.draw_month(m, net.level, rng)
        guides = np.where(present, guides, 0)
        tech, admin = np.where(present, tech, 0), np.where(present, admin, 0)
        net.guides[:, m] = guides
        net.tech[:, m + 1], net.admin[:, m + 1] = tech, admin  # known the month after
        net.levels[m] = net.level.copy()
        production.append((m, guides, guides * net.per_guide))
        glosa_counts.append((m, tech, admin))
        if m in truth_months or m == months - 1:
            add_truth(net, run, m, net.true_risk(m))
        if m == months - 1:
            break
        # events in month m + 1, from the state at the end of m
        tech3, admin3, no_guides2 = net.recent(m)
        draw_events(net, run, m, sigmoid(net.logit(m, net.level, tech3, admin3, no_guides2)), 0.8, rng)
    end = month_end(months - 1)
    onset = net.fade_onset
    fading = pd.Series([month_end(max(int(m), 0)) if m < 10**6 else pd.NaT for m in onset])
    return SyntheticNetwork(
        roster=roster_table(net, run, rng, name_seed=7, specialties=_SPECIALTIES),
        production=production_table(net, production),
        glosas=_glosas(net, glosa_counts, rng, end),
        cases=run.cases,
        case_truth=pd.DataFrame(run.case_truths).reset_index(drop=True),
        truth=pd.concat(run.truths, ignore_index=True),
        end=end,
        engagement=engagement_table(net, net.levels, fading),
    )


def _glosas(
    net: _Network,
    months: list[tuple[int, np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """One row per refused guide item, dated in the month after its competence."""
    tech_codes, admin_codes = glosa_codes()
    frames = []
    for m, tech, admin in months:
        for counts, codes in ((tech, tech_codes), (admin, admin_codes)):
            who = np.repeat(np.arange(net.size), counts.astype(int))
            if len(who):
                frames.append(glosa_rows(net, m, who, codes, rng, median_value=80))
    return glosa_table(frames, end)


def write_network(
    net: SyntheticNetwork,
    out_dir: str | Path,
    *,
    seed: int = 0,
    layouts: tuple[str, ...] = ("plain", "markdown", "docx"),
) -> Path:
    """Write the network files: ``roster.csv``, ``production.csv``, ``glosas.csv``, ``forms/``.

    ``truth.csv`` holds the cases' truth (as :func:`~churnlab.synthetic.writer.write_dataset`
    writes it) and ``network_truth.csv`` the true 90-day risks.
    """
    from churnlab.io.glosas import write_glosa_csv
    from churnlab.synthetic.generator import SyntheticData
    from churnlab.synthetic.writer import write_dataset

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if net.cases:
        write_dataset(
            SyntheticData(cases=net.cases, glosas=net.glosas.iloc[:0], truth=net.case_truth),
            out,
            layouts=layouts,
            seed=seed,
        )
    write_glosa_csv(net.glosas, out / "glosas.csv")
    roster = net.roster.copy()
    for column in ("Data inclusão", "Data desligamento"):
        roster[column] = [format_date_br(d.date()) if pd.notna(d) else "" for d in roster[column]]
    roster["Moeda"] = [format_decimal_br(v) for v in roster["Moeda"]]
    write_csv(roster, out / "roster.csv", sep=";")
    production = pd.DataFrame({
        "CRO": net.production["cro"], "UF": net.production["uf"],
        "Competência": net.production["month"].dt.strftime("%m/%Y"), "Guias": net.production["guides"],
        "Valor": [format_decimal_br(v) for v in net.production["value"]],
    })  # fmt: skip
    write_csv(production, out / "production.csv", sep=";")
    truth = net.truth.copy()
    truth["as_of"] = truth["as_of"].dt.strftime("%Y-%m-%d")
    write_csv(truth, out / "network_truth.csv")
    return out
