"""Random draws and text noise shared by the synthetic generator's parts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from churnlab.io.text import fold
from churnlab.synthetic.vocabulary import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, PARTICLES

# --- helpers ------------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def expected_sigmoid(eta: np.ndarray, sd: float, nodes: int = 32) -> np.ndarray:
    """``E[sigmoid(eta + u)]`` for ``u ~ N(0, sd²)`` by Gauss–Hermite quadrature."""
    x, w = np.polynomial.hermite.hermgauss(nodes)
    values = sigmoid(eta[..., None] + np.sqrt(2.0) * sd * x)
    return values @ w / np.sqrt(np.pi)


def choice(
    rng: np.random.Generator, items: Sequence[object], size: int, weights: Sequence[float] | None = None
) -> np.ndarray:
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return rng.choice(len(items), size=size, p=p)


def random_dates(rng: np.random.Generator, window: tuple[dt.date, dt.date], size: int) -> np.ndarray:
    lo, hi = (np.datetime64(d, "D") for d in window)
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, size=size)


def month_index(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(int)  # months since 1970-01


def with_typos(text: str, rng: np.random.Generator, rate: float) -> str:
    """Misspell a few words the way hurried analysts do (swap, drop, accents lost)."""
    if rng.random() >= rate:
        return text
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    for i in rng.choice(candidates, size=min(len(candidates), 1 + int(rng.random() < 0.3)),
                        replace=False):  # fmt: skip
        word = words[i]
        kind = rng.integers(0, 4)
        j = int(rng.integers(1, len(word) - 2))
        if kind == 0:
            word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif kind == 1:
            word = word[:j] + word[j + 1 :]
        elif kind == 2:
            word = fold(word) if word.islower() else word
        else:
            word = word[:j] + word[j] + word[j:]
        words[i] = word
    return " ".join(words)


def pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def random_phone(rng: np.random.Generator, ddd: int) -> str:
    return f"({ddd}) 9{rng.integers(1000, 10000)}-{rng.integers(0, 10000):04d}"


def random_name(rng: np.random.Generator, female: bool, upper: bool = True) -> str:
    first = pick(rng, FIRST_NAMES_F if female else FIRST_NAMES_M)
    parts = [first]
    if rng.random() < 0.35:
        parts.append(pick(rng, FIRST_NAMES_F if female else FIRST_NAMES_M))
    if rng.random() < 0.4:
        parts.append(pick(rng, PARTICLES))
    parts.append(pick(rng, LAST_NAMES))
    if rng.random() < 0.6:
        parts.append(pick(rng, LAST_NAMES))
    name = " ".join(dict.fromkeys(parts))
    return name if upper else name.title().replace(" Da ", " da ").replace(" De ", " de ")
