"""Synthetic retention cases with known truth (issue 3).

Only two real case records exist. To train and judge the dismissal-risk model and
the action recommender we generate cases whose true probabilities are known, so
a model can be compared with the best possible rather than with itself.

**This is not a stand-in for real history.** Every number below is an
assumption chosen to be plausible and to exercise the models (confounding,
heterogeneous effects, a noisy Bayes limit); none was estimated from real data.
An operator's own closed cases are what a deployed model must be fitted and
checked on.

What the generator assumes
--------------------------
Dentists
    One case per dentist (CRO + UF unique). Network features as on the form:
    plan lives in the area (log-normal, median ~2,500), unique listed CROs
    (about one per 15 lives), US value (R$ 0.18–0.65, by state), person type
    (40 % clinics, ``J``), tenure since inclusion (log-normal, median ~3 years),
    last production (``SEM GUIAS`` for ~15 %, more for new dentists), other
    plans, who asked, city and state. Some fields are left empty at random.
Stated reason
    A latent reason drawn from the 30 dismissal reasons: base shares (fees and
    glosas ~14 % each, low demand ~10 %, ...) shifted by the dentist (low US
    value → fees, many glosas → glosas, few lives or no production → low
    demand, long tenure → retired). The first contact's note states it in
    Portuguese, with varied wording and typos.
Glosas
    A latent glosa propensity per dentist sets the monthly rate (higher when the
    reason is glosas or technical rules) and the technical share. Events are
    drawn over the 24 months before the case opens and, for realism, over the
    6 months after it (so leakage tests can catch a feature that uses them).
    Codes come from the TISS table (``3040`` is half of the technical ones).
    The first note sometimes lists a few of them in the seed-001 style.
Outcome
    ``logit P(retained | x, a) = alpha[reason] + f(x) + effect[a](reason, x) + u``
    with ``u ~ N(0, 1.1²)`` an unobserved resolve of the dentist. ``truth``
    holds ``P(retained | x, a)`` with ``u`` integrated out (Gauss–Hermite), the
    best any model of the recorded data can know. Effects are heterogeneous:
    new prices help fees / glosas / undue charges (more when the US value is
    low), support helps guide-release time, system difficulties, missing
    support and call-centre trouble (more for clinics), publicity helps low
    demand (more where lives per listed CRO are high), training and refresher
    help glosas and technical rules (more when glosas are technical), ``other``
    helps a little with personal reasons; retired, moved, closed or deceased
    dentists are nearly unkeepable whatever is offered, and most actions do
    nothing for most reasons.
Historical policy
    Analysts chose the action from a softmax over the stated reason and the
    dentist's size, mixed with a floor so every action has probability
    >= 0.03 for every case (positivity). Hopeless cases mostly got no action,
    big dentists got new prices: naive retention by action is biased.
    The action taken is the *primary* one; in ~8 % of closed cases a second box
    is also ticked, always after the primary in form order, so the primary is
    the first ticked box in :data:`~churnlab.io.records.ACTIONS` order.
Cases
    A few % of closed cases are ``not_retention`` (the dentist only wanted a
    data update: truth ``retained = 1``, risk 0, reason empty). Open cases (the
    moment scoring is for) have only the first contact, no status, no boxes
    and no finish date; their action and outcome are still simulated and kept
    in ``truth`` only, so calibration can be checked on them.

``dismissal_risk = 1 - sum_a pi(a | x) P(retained | x, a)``: the probability the
case ends in dismissal under the historical practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.io.glosas import COLUMNS as GLOSA_FRAME_COLUMNS
from churnlab.io.records import (
    ACTION_LABELS,
    ACTIONS,
    DISMISSAL_REASONS,
    RetentionCase,
)
from churnlab.synthetic.assumptions import (
    CLOSED_WINDOW,
    EFFECTS,
    NOISE_SD,
    OPEN_WINDOW,
    POLICY,
    PROPENSITY_FLOOR,
    REASONS,
    TRUTH_COLUMNS,
)
from churnlab.synthetic.cases import build_cases
from churnlab.synthetic.noise import choice, expected_sigmoid, month_index, random_dates, sigmoid, standardise
from churnlab.synthetic.vocabulary import STATES

# --- result ------------------------------------------------------------------------------


@dataclass
class SyntheticData:
    """A generated data set: the cases, their glosa history and the truth behind them.

    Attributes
    ----------
    cases : list of RetentionCase
        The forms' contents, as the parser must read them back. ``source`` is
        a file stem (``case_00001``); :func:`write_dataset` adds the extension.
    glosas : pandas.DataFrame
        Glosa events in the columns of :func:`churnlab.io.glosas.read_glosa_csv`
        (``cro``, ``uf``, ``guide``, ``competence`` ``YYYY-MM``, ``date``,
        ``code``, ``description``, ``value``, ``kind``), before and after each
        case's opening.
    truth : pandas.DataFrame
        One row per case, columns :data:`TRUTH_COLUMNS`.
    """

    cases: list[RetentionCase]
    glosas: pd.DataFrame
    truth: pd.DataFrame


# --- the generator ------------------------------------------------------------------------


def generate(
    n_cases: int, seed: int, open_share: float = 0.2, dentists: dict[str, np.ndarray] | None = None
) -> SyntheticData:
    """Generate ``n_cases`` retention cases with their glosa history and true probabilities.

    Parameters
    ----------
    n_cases : int
        Number of cases (one per dentist).
    seed : int
        Seed of the :class:`numpy.random.Generator`; the same seed gives the
        same data.
    open_share : float
        Share of cases still open (first contact only).
    dentists : dict of arrays, optional
        Given values of the dentists' draws (keys of ``_draw_dentists``: ``cro``,
        ``uf``, ``start``, ``is_open``, ``lives``, ...), one entry per case: the
        network generator passes the dentists whose cases it opens. Their
        standardised values use the population's fixed centres and spreads.

    Returns
    -------
    SyntheticData
        ``cases``, ``glosas`` and ``truth`` (see the module docstring for the
        assumptions).

    Examples
    --------
    >>> data = generate(50, seed=1)
    >>> len(data.cases), len(data.truth)
    (50, 50)
    >>> bool(data.truth.filter(like="propensity_").min().min() >= 0.03)
    True
    >>> data.cases[0].source
    'case_00001'
    """
    if n_cases < 1:
        raise ValueError(f"n_cases must be at least 1, got {n_cases}")
    if not 0.0 <= open_share <= 1.0:
        raise ValueError(f"open_share must be within [0, 1], got {open_share}")
    rng = np.random.default_rng(seed)
    n = int(n_cases)
    d = _draw_dentists(rng, n, open_share)
    if dentists:
        _override(d, dentists)
    d["reason"] = _draw_reasons(rng, d)
    glosas, d["glosas_before"], d["tech_share"] = _draw_glosas(rng, d)
    p, pi = _outcome_and_policy(d)
    action, retained, status = _draw_outcomes(rng, d, p, pi)
    cases = build_cases(rng, d, glosas, action, status)
    truth = _truth_frame(d, p, pi, action, retained, status)
    return SyntheticData(cases=cases, glosas=glosas[list(GLOSA_FRAME_COLUMNS)], truth=truth)


def _draw_dentists(rng: np.random.Generator, n: int, open_share: float) -> dict[str, np.ndarray]:
    states = tuple(STATES)
    uf_i = choice(rng, states, n, [v[0] for v in STATES.values()])
    uf = np.array(states)[uf_i]
    cro_uf = uf.copy()
    moved = rng.random(n) < 0.04
    cro_uf[moved] = np.array(states)[rng.integers(0, len(states), moved.sum())]
    # unique CRO numbers (one case per dentist)
    cro = rng.choice(np.arange(1000, 1000 + max(90_000, 3 * n)), size=n, replace=False)
    is_open = rng.random(n) < open_share
    closed_start, open_start = random_dates(rng, CLOSED_WINDOW, n), random_dates(rng, OPEN_WINDOW, n)
    start = np.where(is_open, open_start, closed_start).astype("datetime64[D]")
    tenure_days = np.clip(np.exp(rng.normal(np.log(3 * 365), 0.9, n)), 45, 25 * 365).astype(int)
    is_j = rng.random(n) < 0.4
    log_lives = rng.normal(np.log(2500), 1.0, n)
    lives = np.clip(np.round(np.exp(log_lives)), 30, 90_000).astype(int)
    listed = np.maximum(1, np.round(lives / np.exp(rng.normal(np.log(15), 0.45, n)))).astype(int)
    us_shift = np.array([STATES[s][1] for s in uf])
    us_value = np.round(np.clip(rng.normal(0.36 + us_shift, 0.06, n), 0.18, 0.65), 2)
    no_guides_logit = -1.9 - 0.8 * standardise(np.log(tenure_days)) - 0.3 * standardise(log_lives)
    no_guides = rng.random(n) < sigmoid(no_guides_logit)
    months_since = np.where(no_guides, -1, np.minimum(rng.geometric(0.35, n) - 1, 24))
    last_value = np.where(no_guides, 0.0, np.round(np.exp(rng.normal(np.log(650), 0.9, n)), 2))
    glosa_propensity = rng.normal(0, 1, n)
    return {
        "n": np.array(n), "uf": uf, "cro_uf": cro_uf, "cro": cro.astype(str), "is_open": is_open,
        "start": start, "tenure_days": tenure_days, "is_j": is_j, "lives": lives,
        "listed": listed, "us_value": us_value, "no_guides": no_guides,
        "months_since": months_since, "last_value": last_value,
        "glosa_propensity": glosa_propensity, "cro_count": np.where(
            is_j, 1 + np.minimum(rng.poisson(1.2, n), 8), 1 + (rng.random(n) < 0.1)),
        "other_plans": rng.random(n) < 0.65,
        "zl": standardise(log_lives), "zt": standardise(np.log(tenure_days)), "zu": (us_value - 0.36) / 0.06,
        "zdemand": standardise(np.log(lives / listed)),
    }  # fmt: skip


def _override(d: dict[str, np.ndarray], given: dict[str, np.ndarray]) -> None:
    """Put given dentist values in place of the draws, standardised on the population's scales."""
    unknown = set(given) - set(d)
    if unknown:
        raise ValueError(f"unknown dentist fields: {sorted(unknown)}")
    for key, values in given.items():
        d[key] = np.asarray(values).astype(d[key].dtype)
    d["zl"] = (np.log(d["lives"]) - np.log(2500)) / 1.0
    d["zt"] = (np.log(d["tenure_days"]) - np.log(3 * 365)) / 0.9
    d["zu"] = (d["us_value"] - 0.36) / 0.06
    d["zdemand"] = (np.log(d["lives"] / d["listed"]) - np.log(15)) / 0.45


def _draw_reasons(rng: np.random.Generator, d: dict[str, np.ndarray]) -> np.ndarray:
    n = len(d["uf"])
    idx = {r: i for i, r in enumerate(DISMISSAL_REASONS)}
    logits = np.tile(np.log([REASONS[r][0] for r in DISMISSAL_REASONS]), (n, 1))
    logits[:, idx["fees"]] += -0.5 * d["zu"]
    logits[:, idx["undue_charges"]] += -0.2 * d["zu"]
    logits[:, idx["glosas"]] += 0.9 * d["glosa_propensity"]
    logits[:, idx["technical_rules"]] += 0.5 * d["glosa_propensity"]
    logits[:, idx["low_demand"]] += -0.5 * d["zl"] + 1.0 * d["no_guides"]
    logits[:, idx["retired"]] += 1.0 * d["zt"]
    logits[:, idx["studies"]] += -0.8 * d["zt"]
    logits[:, idx["closed_business"]] += 0.5 * d["no_guides"]
    logits[:, idx["franchise"]] += 0.8 * d["is_j"]
    logits[:, idx["technical_lead_change"]] += 1.2 * d["is_j"] - 1.0 * ~d["is_j"]
    gumbel = -np.log(-np.log(rng.random(logits.shape)))
    reasons: np.ndarray = np.array(DISMISSAL_REASONS)[np.argmax(logits + gumbel, axis=1)]
    return reasons


def _draw_glosas(
    rng: np.random.Generator, d: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    from churnlab.io.glosas import glosa_code_table

    n = len(d["uf"])
    glosa_reason = np.isin(d["reason"], ("glosas", "technical_rules"))
    rate = np.exp(-1.6 + 0.6 * d["glosa_propensity"] + 0.3 * d["zl"] + 1.1 * glosa_reason)
    rate = rate * np.where(d["no_guides"], 0.15, 1.0)
    p_tech = sigmoid(-0.7 + 0.7 * d["glosa_propensity"] + 1.4 * glosa_reason)
    n_before = np.minimum(rng.poisson(rate * 24), 80)
    n_after = np.minimum(rng.poisson(rate * 6 * 0.6), 30)
    case = np.concatenate([np.repeat(np.arange(n), n_before), np.repeat(np.arange(n), n_after)])
    after = np.concatenate([np.zeros(n_before.sum(), bool), np.ones(n_after.sum(), bool)])
    m = len(case)
    open_month = month_index(d["start"])[case]
    offset = np.where(after, rng.integers(0, 6, m), -rng.integers(2, 25, m))
    comp_month = open_month + offset
    comp_start = comp_month.astype("datetime64[M]").astype("datetime64[D]")
    date = comp_start + np.where(after, rng.integers(32, 60, m), rng.integers(25, 45, m))
    # before-events are processed before the case opens
    date = np.where(after, date, np.minimum(date, d["start"][case] - 1))
    technical = rng.random(m) < p_tech[case]
    table = glosa_code_table()
    tech_codes = table.loc[table["kind"] == "technical", "code"].to_numpy()
    # 5xxx codes are ANS transmission errors, not glosas a dentist receives
    admin = (table["kind"] == "administrative") & ~table["code"].str.startswith("5")
    admin_codes = table.loc[admin, "code"].to_numpy()
    tech_w = np.where(tech_codes == "3040", 0.5, 0.5 / (len(tech_codes) - 1))
    admin_order = np.random.default_rng(0).permutation(len(admin_codes))  # fixed popularity
    admin_w = 1.0 / (1.0 + admin_order) ** 1.1
    code = np.where(
        technical,
        tech_codes[rng.choice(len(tech_codes), m, p=tech_w)],
        admin_codes[rng.choice(len(admin_codes), m, p=admin_w / admin_w.sum())],
    )
    desc = table.set_index("code")["description"]
    kind = table.set_index("code")["kind"]
    years, months = comp_month // 12 + 1970, comp_month % 12 + 1
    competence = pd.Series(years).astype(str) + "-" + pd.Series(months).astype(str).str.zfill(2)
    frame = pd.DataFrame({
        "cro": d["cro"][case], "uf": d["cro_uf"][case],
        "guide": rng.integers(1_000_000, 9_999_999, m).astype(str),
        "competence": competence.to_numpy(),
        "date": pd.to_datetime(date),
        "code": code, "description": desc.reindex(code).to_numpy(),
        "value": np.round(np.exp(rng.normal(np.log(80), 0.8, m)), 2),
        "kind": kind.reindex(code).to_numpy(),
        "_case": case, "_after": after,
    })  # fmt: skip
    frame = frame.sort_values(["_case", "date", "guide"], kind="stable").reset_index(drop=True)
    tech_before = np.bincount(case[~after], weights=technical[~after], minlength=n)
    tech_share = np.where(n_before > 0, tech_before / np.maximum(n_before, 1), 0.0)
    return frame, n_before, tech_share


def _outcome_and_policy(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """True ``P(retained | x, a)`` and policy ``pi(a | x)``, ``(n, 7)`` in ACTION_LABELS order."""
    reason = d["reason"]
    n = len(reason)
    alpha = np.array([REASONS[r][1] for r in reason])
    recent = (d["months_since"] >= 0) & (d["months_since"] <= 2)
    base = (
        0.45 + alpha + 0.4 * d["zl"] + 0.3 * d["zt"] - 0.6 * d["no_guides"] + 0.3 * recent
        - 0.3 * d["other_plans"] + 0.2 * d["is_j"]
        - 0.15 * standardise(np.log1p(d["glosas_before"]))
    )  # fmt: skip
    eta = np.empty((n, len(ACTION_LABELS)))
    eta[:, 0] = base

    def table(action: str) -> np.ndarray:
        return np.array([EFFECTS[action].get(r, 0.0) for r in reason])

    low_prod = d["no_guides"] | (d["last_value"] < 250)
    econ = np.isin(reason, ("fees", "low_demand"))
    effects = {
        "new_prices": table("new_prices") * np.exp(-0.4 * np.clip(d["zu"], -2, 2))
        + 0.4 * (low_prod & econ),
        "support": table("support") * (1 + 0.3 * d["is_j"]),
        "publicity": table("publicity") * np.exp(0.4 * np.clip(d["zdemand"], -2, 2)),
        "training": table("training") * (0.3 + 1.4 * d["tech_share"]),
        "refresher": table("refresher") * (0.5 + 0.8 * d["tech_share"])
        * (1 + 0.25 * np.clip(d["zt"], -1, 2)),
        "other": table("other"),
    }  # fmt: skip
    for j, action in enumerate(ACTIONS, start=1):
        eta[:, j] = base + effects[action]
    p = expected_sigmoid(eta, NOISE_SD)

    logits = np.empty_like(eta)
    for j, label in enumerate(ACTION_LABELS):
        intercept, bonus = POLICY[label]
        logits[:, j] = intercept + np.array([bonus.get(r, 0.0) for r in reason])
    logits[:, 1] += 0.6 * d["zl"] + 0.4 * d["is_j"]  # big dentists get new prices
    logits[:, 3] += -0.4 * d["zl"]  # small ones get publicity
    logits[:, 0] += -0.3 * d["zl"]
    soft = np.exp(logits - logits.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    pi = PROPENSITY_FLOOR + (1 - PROPENSITY_FLOOR * len(ACTION_LABELS)) * soft
    d["eta"] = eta
    return p, pi


def _draw_outcomes(
    rng: np.random.Generator, d: dict[str, np.ndarray], p: np.ndarray, pi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(p)
    cum = pi.cumsum(axis=1)
    action = np.minimum((rng.random((n, 1)) > cum).sum(axis=1), len(ACTION_LABELS) - 1)
    u = rng.normal(0, NOISE_SD, n)
    retained = rng.random(n) < sigmoid(d["eta"][np.arange(n), action] + u)
    not_retention = ~d["is_open"] & (rng.random(n) < 0.03)
    status = np.where(retained, "retained", "dismissed").astype(object)
    status[not_retention] = "not_retention"
    status[d["is_open"]] = None
    action = np.where(not_retention, 0, action)
    retained = np.where(not_retention, True, retained)
    d["not_retention"] = not_retention
    return action, retained, status


def _truth_frame(
    d: dict[str, np.ndarray],
    p: np.ndarray,
    pi: np.ndarray,
    action: np.ndarray,
    retained: np.ndarray,
    status: np.ndarray,
) -> pd.DataFrame:
    not_ret = d["not_retention"]
    p = p.copy()
    p[not_ret] = 1.0
    pi = pi.copy()
    risk = np.where(not_ret, 0.0, 1.0 - (pi * p).sum(axis=1))
    n = len(p)
    columns = {
        "source": [f"case_{i + 1:05d}" for i in range(n)],
        "is_open": d["is_open"],
        "reason": np.where(not_ret, "", d["reason"]),
        "action": np.array(ACTION_LABELS)[action],
        "retained": retained.astype(int),
        "status": status,
    }
    for j, label in enumerate(ACTION_LABELS):
        columns[f"p_retained_{label}"] = p[:, j]
    for j, label in enumerate(ACTION_LABELS):
        columns[f"propensity_{label}"] = pi[:, j]
    columns.update({"dismissal_risk": risk, "cro": d["cro"], "uf": d["cro_uf"]})
    return pd.DataFrame(columns)[list(TRUTH_COLUMNS)]
