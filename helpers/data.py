"""The book's data: small seeded data sets, and the 8×8 handwritten digits of chapter 7.

The digits, 1,797 images of 0 to 9, are the UCI optical-digits set (Alpaydin and Kaynak, 1998;
CC BY 4.0) in the compressed CSV scikit-learn ships, kept in ``helpers/datasets/`` (its README
says where from): each row holds the 64 pixels of an image, 0..16, row by row, then the label."""

from pathlib import Path

import numpy as np

from helpers.validate import finite_array, in_range, integer, non_negative

DATA_FILE = Path(__file__).resolve().parent / "datasets" / "digits.csv.gz"


def line_data() -> tuple[np.ndarray, np.ndarray]:
    """The points of y = 2x at x = 1, ..., 5 as (X, y), X of shape (5, 1). Chapters 2 and 3."""
    x = np.arange(1.0, 6.0)
    return x[:, None], 2 * x


def make_regression(n=1000, d=1, noise=1.0, seed=0, w=None, b=0.0):
    """Rows X ~ N(0, 1) of shape (n, d) and y = X·w + b + noise·N(0, 1), returned as
    ``(X, y, w)``; ``w`` defaults to (1, 2, …, d)/d. Seeded: the same data on any machine.
    Chapters 3 and 4."""
    n, d = integer("n", n, minimum=1), integer("d", d, minimum=1)
    noise, seed = non_negative("noise", noise), integer("seed", seed, minimum=0)
    w = np.arange(1.0, d + 1) / d if w is None else finite_array("w", w)
    if w.shape != (d,):
        raise ValueError(f"w must have shape ({d},), got {w.shape}")
    b = float(finite_array("b", b))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X @ w + b + noise * rng.standard_normal(n), w


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits as ``(X, y)``: X (1797, 64) float64, the pixels / 16 in [0, 1], so that
    ``X[i].reshape(8, 8)`` is image i; y the labels 0..9, int64. Chapter 7."""
    table = np.loadtxt(DATA_FILE, delimiter=",", dtype=np.float64)
    if table.shape != (1797, 65):
        raise ValueError(f"{DATA_FILE.name} should hold 1797 rows of 65 numbers, not {table.shape}")
    return table[:, :64] / 16, table[:, 64].astype(np.int64)


def train_test_split(X, y, test_fraction=0.2, seed=0, stratify=False):
    """``(X_train, X_test, y_train, y_test)``: the rows shuffled by ``default_rng(seed)`` and
    ``round(test_fraction · n)`` held out, or as many of each label with ``stratify``, so that
    both parts keep the label proportions. Chapter 7."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or len(X) != len(y) or y.ndim != 1:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape} and {y.shape}")
    test_fraction = in_range("test_fraction", test_fraction, 0.0, 1.0, low_open=True)
    rng, n = np.random.default_rng(integer("seed", seed)), len(y)
    if stratify:
        by_label = [rng.permutation(np.flatnonzero(y == label)) for label in np.unique(y)]
        test = np.concatenate([rows[: round(test_fraction * len(rows))] for rows in by_label])
        test = rng.permutation(test)
        train = rng.permutation(np.setdiff1d(np.arange(n), test))
    else:
        order = rng.permutation(n)
        n_test = round(test_fraction * n)
        test, train = order[:n_test], order[n_test:]
    if len(test) == 0 or len(train) == 0:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty train or test set")
    return X[train], X[test], y[train], y[test]
