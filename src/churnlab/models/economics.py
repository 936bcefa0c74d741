"""What a retained dentist is worth and what each retention action costs.

The expected gain of trying an action on a dentist is

    (P(retained | action) − P(retained | none)) × value of the dentist − cost of the action

so a cheap action can beat a slightly stronger, expensive one, and ``none``
wins when nothing pays. Defaults are stated, round figures for a mid-sized
operator; every figure is a parameter, so an operator can put its own.

Value of a retained dentist (R$, over ``horizon_months``):

* ``replacement_cost``: recruiting and credentialing a substitute;
* ``coverage_value_per_life`` × min(lives ÷ max(listed CROs, 1),
  ``coverage_cap_lives``): how many of the area's beneficiaries depend on each
  listed dentist (network adequacy), capped so that one dentist in a large,
  thinly listed area does not dwarf everyone else;
* ``production_margin`` × min(monthly production, ``production_cap``) ×
  ``horizon_months``: the share of the dentist's production that is margin for
  the operator. The cap is the top of the plausible range of a form's
  production value (``churnlab.io.records.PLAUSIBLE_RANGES``): a typo such as
  R$ 999.999.999.999,99 is worth no more than the largest plausible clinic,
  so it cannot top the worklist (the record carries a warning as well).

Costs: a fixed figure per action, plus for ``new_prices`` the price rise
(``price_rise`` of the dentist's production over the horizon), since new
prices are paid on every future guide.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from churnlab.io.records import ACTION_LABELS, PLAUSIBLE_RANGES

DEFAULT_ACTION_COSTS: dict[str, float] = {
    "none": 0.0,
    "new_prices": 150.0,
    "support": 60.0,
    "publicity": 120.0,
    "training": 250.0,
    "refresher": 200.0,
    "other": 100.0,
}
"""Fixed cost (R$) of trying each action once: analyst hours, material, campaign."""


@dataclass(frozen=True)
class Economics:
    """Value of a retained dentist and cost of each action (all R$).

    Examples
    --------
    >>> econ = Economics()
    >>> X = pd.DataFrame({"lives": [3843], "listed_cros": [244], "last_production_value": [2000.0]})
    >>> round(float(econ.dentist_value(X)[0]))
    5415
    """

    replacement_cost: float = 1500.0
    coverage_value_per_life: float = 20.0
    coverage_cap_lives: float = 300.0
    production_margin: float = 0.15
    production_cap: float = PLAUSIBLE_RANGES["last_production_value"][1]
    horizon_months: int = 12
    price_rise: float = 0.05
    action_costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ACTION_COSTS))

    def __post_init__(self) -> None:
        unknown = set(self.action_costs) - set(ACTION_LABELS)
        if unknown:
            raise ValueError(f"unknown actions in action_costs: {sorted(unknown)}; known: {ACTION_LABELS}")
        missing = set(ACTION_LABELS) - set(self.action_costs)
        if missing:
            raise ValueError(f"action_costs lacks {sorted(missing)}")

    @staticmethod
    def _raw(X: pd.DataFrame, column: str) -> NDArray[np.float64]:
        """A raw value column of the features (``VALUE_COLUMNS``); unknown counts as 0."""
        if column not in X:
            return np.zeros(len(X))
        values: NDArray[np.float64] = X[column].to_numpy(dtype=float)
        return np.nan_to_num(values, nan=0.0)

    def value_of(
        self, lives: ArrayLike, listed_cros: ArrayLike, production: ArrayLike
    ) -> NDArray[np.float64]:
        """Value (R$) of keeping dentists with these raw values (NaN counts as 0)."""
        n_lives = self._finite(lives)
        listed = np.maximum(self._finite(listed_cros), 1.0)
        coverage = self.coverage_value_per_life * np.minimum(n_lives / listed, self.coverage_cap_lives)
        margin = self.production_margin * self._capped(production) * self.horizon_months
        value: NDArray[np.float64] = self.replacement_cost + coverage + margin
        return value

    def costs_of(self, production: ArrayLike) -> NDArray[np.float64]:
        """Cost (R$) of each action (columns in ``ACTION_LABELS`` order) for these productions."""
        production = self._capped(production)
        costs = np.tile(
            np.array([self.action_costs[a] for a in ACTION_LABELS], dtype=float), (len(production), 1)
        )
        costs[:, ACTION_LABELS.index("new_prices")] += self.price_rise * production * self.horizon_months
        return costs

    def _capped(self, production: ArrayLike) -> NDArray[np.float64]:
        """Monthly production (R$) between 0 and ``production_cap``."""
        return np.clip(self._finite(production), 0.0, self.production_cap)

    @staticmethod
    def _finite(values: ArrayLike) -> NDArray[np.float64]:
        """``values`` as floats, NaN counted as 0."""
        return np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)

    def dentist_value(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Value (R$) of keeping each dentist of a feature frame over the horizon."""
        return self.value_of(
            self._raw(X, "lives"), self._raw(X, "listed_cros"), self._raw(X, "last_production_value")
        )

    def action_costs_for(self, X: pd.DataFrame) -> pd.DataFrame:
        """Cost (R$) of each action for each dentist: one column per action label."""
        return pd.DataFrame(
            self.costs_of(self._raw(X, "last_production_value")), index=X.index, columns=list(ACTION_LABELS)
        )

    def expected_values(self, effects: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
        """Expected value (R$) of each action: P(retained | action) × value − cost."""
        value = self.dentist_value(X)
        costs = self.action_costs_for(X)[effects.columns]
        return effects.mul(value, axis=0) - costs.to_numpy()

    def to_dict(self) -> dict[str, Any]:
        """The figures, for a model card."""
        return asdict(self)
