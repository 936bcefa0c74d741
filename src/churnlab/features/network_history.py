"""Network features that assume little: the raw recent months, and each dentist against his own past.

:mod:`churnlab.features.network` describes a dentist with features shaped
after one idea of how dentists fade (a 3-month trend, months since the last
guide). A network simulated on another mechanism (part-timers, vacations, a
fee-table cut) is described badly by them, so beside them the booster gets
the raw material and lets the trees find the shape:

- the guides of each of the last :data:`RAW_MONTHS` months, month 0 being the
  last complete one;
- each dentist against his own history (up to :data:`HISTORY_MONTHS` months
  before the last three): the log-ratio and z-score of his last month and last
  three months against his usual month, his share of months with a guide
  then and now, how surprising his current run without a guide is given how
  often he usually works, and his value per guide and glosas per guide
  against his usual ones.

The network model learns from the second kind by default
(:data:`~churnlab.features.network.MODEL_FEATURES`): the raw months added
nothing measurable on either generator beside them, and cost fit time; they
are the plain model's (:data:`~churnlab.features.network.PLAIN_FEATURES`).
The figures are on the Benchmarks page (docs/benchmarks.md#network-model).
"""

from __future__ import annotations

import numpy as np

RAW_MONTHS = 12
"""How many recent months of guides are columns of their own."""

HISTORY_MONTHS = 24
"""How far back 'his own past' reaches (months before the last three)."""

RAW_FEATURES: tuple[str, ...] = tuple(f"guides_m{k}" for k in range(RAW_MONTHS))
"""The guides of each of the last months, month 0 the last complete one."""

OWN_PAST_FEATURES: tuple[str, ...] = (
    "guides_1m_vs_own", "guides_3m_vs_own", "guides_1m_z", "guides_3m_z", "active_share_vs_own",
    "gap_surprise", "gap_vs_usual", "value_per_guide_vs_own", "glosas_per_guide_vs_own",
)  # fmt: skip
"""Each dentist against his own past."""

HISTORY_FEATURES: tuple[str, ...] = (*RAW_FEATURES, *OWN_PAST_FEATURES)
"""The columns :func:`history_features` adds, in order."""


def _masked(matrix: np.ndarray, seen: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The months ``lo..hi`` (inclusive, clipped at 0) and which of them the dentist was observed in."""
    lo = max(lo, 0)
    if hi < lo:
        return np.zeros((len(matrix), 0), matrix.dtype), np.zeros((len(matrix), 0), bool)
    return matrix[:, lo : hi + 1], seen[:, lo : hi + 1]


def _ratio(numerator: np.ndarray, denominator: np.ndarray, prior: float) -> np.ndarray:
    """``numerator / denominator`` shrunk towards ``prior`` by one unit of denominator."""
    return (numerator + prior) / (denominator + 1.0)


def history_features(
    guides: np.ndarray,
    value: np.ndarray,
    glosas: np.ndarray,
    seen: np.ndarray,
    m: int,
) -> dict[str, np.ndarray]:
    """:data:`HISTORY_FEATURES` of every dentist, with month ``m`` the last complete one.

    ``seen`` marks the months each dentist was in the network (a month before
    his inclusion or after ``m`` is not a month without guides). A dentist
    without history gets NaN where his past is needed: the booster routes it.
    """
    n = len(guides)
    out: dict[str, np.ndarray] = {}
    for k in range(RAW_MONTHS):
        month = m - k
        if month < 0:
            out[f"guides_m{k}"] = np.full(n, np.nan)
        else:
            out[f"guides_m{k}"] = np.where(seen[:, month], guides[:, month], np.nan)
    recent_g, recent_seen = _masked(guides, seen, m - 2, m)
    past_g, past_seen = _masked(guides, seen, m - 2 - HISTORY_MONTHS, m - 3)
    past_v, _ = _masked(value, seen, m - 2 - HISTORY_MONTHS, m - 3)
    recent_v, _ = _masked(value, seen, m - 2, m)
    past_q, _ = _masked(glosas, seen, m - 2 - HISTORY_MONTHS, m - 3)
    recent_q, _ = _masked(glosas, seen, m - 2, m)
    count = past_seen.sum(axis=1)
    known = count >= 3
    with np.errstate(invalid="ignore", divide="ignore"):
        usual = np.where(count > 0, (past_g * past_seen).sum(axis=1) / np.maximum(count, 1), np.nan)
        spread = np.sqrt(
            np.where(
                count > 1, (((past_g - usual[:, None]) ** 2) * past_seen).sum(axis=1) / (count - 1), np.nan
            )
        )
        n_recent = recent_seen.sum(axis=1)
        mean_3 = np.where(
            n_recent > 0, (recent_g * recent_seen).sum(axis=1) / np.maximum(n_recent, 1), np.nan
        )
        last = out["guides_m0"]
        out["guides_1m_vs_own"] = np.where(known, np.log1p(last) - np.log1p(usual), np.nan)
        out["guides_3m_vs_own"] = np.where(known, np.log1p(mean_3) - np.log1p(usual), np.nan)
        noise = np.sqrt(spread**2 + usual) + 0.5  # between-month spread, or Poisson's at least
        out["guides_1m_z"] = np.where(known, (last - usual) / noise, np.nan)
        out["guides_3m_z"] = np.where(
            known, (mean_3 - usual) / (noise / np.sqrt(np.maximum(n_recent, 1))), np.nan
        )
        worked_past = ((past_g > 0) & past_seen).sum(axis=1)
        share_past = _ratio(worked_past, count, 0.5)
        share_now = np.where(
            n_recent > 0, ((recent_g > 0) & recent_seen).sum(axis=1) / np.maximum(n_recent, 1), np.nan
        )
        out["active_share_vs_own"] = np.where(known, share_now - share_past, np.nan)
        gap = _months_without_guide(guides, seen, m)
        out["gap_surprise"] = np.where(known, -gap * np.log1p(-np.minimum(share_past, 0.99)), np.nan)
        out["gap_vs_usual"] = np.where(known, gap * share_past, np.nan)
        per_guide_past = (past_v * past_seen).sum(axis=1) / (past_g * past_seen).sum(axis=1)
        per_guide_now = recent_v.sum(axis=1) / recent_g.sum(axis=1)
        out["value_per_guide_vs_own"] = np.log(per_guide_now) - np.log(per_guide_past)
        out["glosas_per_guide_vs_own"] = _ratio(recent_q.sum(axis=1), recent_g.sum(axis=1), 0.02) - _ratio(
            (past_q * past_seen).sum(axis=1), (past_g * past_seen).sum(axis=1), 0.02
        )
    for name, column in out.items():
        out[name] = np.where(np.isfinite(column), column, np.nan)
    return out


def _months_without_guide(guides: np.ndarray, seen: np.ndarray, m: int) -> np.ndarray:
    """Months since the last guide up to ``m`` (the observed months when none)."""
    if m < 0:
        return np.zeros(len(guides))
    produced = (guides[:, : m + 1] > 0) & seen[:, : m + 1]
    any_guide = produced.any(axis=1)
    since = np.argmax(produced[:, ::-1], axis=1)
    return np.where(any_guide, since, seen[:, : m + 1].sum(axis=1)).astype(float)
