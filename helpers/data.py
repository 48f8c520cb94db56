"""The book's data: small seeded data sets, and the 8×8 handwritten digits of chapter 7.

Every random data set comes from a seeded generator, so every reader gets the same numbers.

The digits are 1,797 images of the digits 0 to 9: the optical-digits set of the UCI
repository (Alpaydin and Kaynak, 1998; licence CC BY 4.0), in the compressed CSV that
scikit-learn ships. The file is in the repository, ``helpers/datasets/digits.csv.gz``, so
nothing is downloaded when a notebook runs; ``helpers/datasets/README.md`` says where it
came from. Each row holds the 64 pixels of one image, read row by row, as whole numbers
0..16 (how many of 16 pixels of a 4×4 block of the original 32×32 scan were ink), then
the label 0..9.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.validate import finite_array, in_range, integer, non_negative


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


DATA_FILE = Path(__file__).resolve().parent / "datasets" / "digits.csv.gz"
N_IMAGES, N_PIXELS, N_CLASSES, MAX_PIXEL = 1797, 64, 10, 16


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits as ``(X, y)``: X of shape (1797, 64), pixels/16 in [0, 1]; y the labels 0..9.

    Row i of X is image i flattened row by row: ``X[i].reshape(8, 8)``
    shows it. X is float64, y is int64. Chapter 7.
    """
    table = np.loadtxt(DATA_FILE, delimiter=",", dtype=np.float64)
    if table.shape != (N_IMAGES, N_PIXELS + 1):
        raise ValueError(
            f"{DATA_FILE.name} should hold {N_IMAGES} rows of 65 numbers, got {table.shape}"
        )
    X = table[:, :N_PIXELS] / MAX_PIXEL
    y = table[:, N_PIXELS].astype(np.int64)
    return X, y


def train_test_split(
    X, y, test_fraction: float = 0.2, seed: int = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows with ``np.random.default_rng(seed)`` and hold out a test set.

    Returns ``(X_train, X_test, y_train, y_test)``; the test set has
    ``round(test_fraction · n)`` rows. With ``stratify=True`` each label is
    split on its own, so that both parts keep the label proportions (the
    test set then has ``round(test_fraction · count)`` rows of each label).
    The same seed gives the same split on any machine. Chapter 7.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or len(X) != len(y) or y.ndim != 1:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape} and {y.shape}")
    test_fraction = in_range("test_fraction", test_fraction, 0.0, 1.0, low_open=True)
    rng = np.random.default_rng(integer("seed", seed))
    n = len(y)
    if stratify:
        test = []
        for label in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == label))
            test.append(rows[: round(test_fraction * len(rows))])
        test = rng.permutation(np.concatenate(test))
        train = rng.permutation(np.setdiff1d(np.arange(n), test))
    else:
        order = rng.permutation(n)
        n_test = round(test_fraction * n)
        test, train = order[:n_test], order[n_test:]
    if len(test) == 0 or len(train) == 0:
        raise ValueError(
            f"test_fraction={test_fraction} leaves an empty train or test set of {n} rows"
        )
    return X[train], X[test], y[train], y[test]
