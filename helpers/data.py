"""Data sets made from a seeded random generator, so every reader gets the same numbers."""

from __future__ import annotations

import numpy as np

from helpers.validate import finite_array, integer, non_negative


def line_data() -> tuple[np.ndarray, np.ndarray]:
    """The five points of y = 2x at x = 1, 2, 3, 4, 5, as (X, y) with X of shape (5, 1).

    The worked example of chapters 2 and 3: the best fit is w = 2, b = 0.
    """
    x = np.arange(1.0, 6.0)
    return x[:, None], 2 * x


def make_regression(
    n: int = 1000,
    d: int = 1,
    noise: float = 1.0,
    seed: int = 0,
    w=None,
    b: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows X ~ N(0, 1) of shape (n, d) and targets y = X·w + b + noise·N(0, 1).

    ``w`` defaults to (1, 2, …, d) / d. Returns ``(X, y, w_true)``; the true
    intercept is ``b``. The same ``seed`` gives the same data on any machine.
    Chapters 3 and 4.
    """
    n = integer("n", n, minimum=1)
    d = integer("d", d, minimum=1)
    noise = non_negative("noise", noise)
    seed = integer("seed", seed, minimum=0)
    w_true = np.arange(1.0, d + 1) / d if w is None else finite_array("w", w)
    if w_true.shape != (d,):
        raise ValueError(f"w must have shape ({d},), got {w_true.shape}")
    b = float(finite_array("b", b))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ w_true + b + noise * rng.standard_normal(n)
    return X, y, w_true
