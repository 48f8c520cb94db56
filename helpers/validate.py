"""Argument checks shared by the package.

Every public function checks its input and raises a ``ValueError`` that
names the argument and the allowed range, so that a reader who passes
``lr=-1`` reads what is wrong instead of a traceback from deep inside numpy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def as_float_array(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float64 array, rejecting NaN and non-numbers."""
    if value is None or np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real number or an array of them, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except OverflowError:  # a Python int above 1.8e308
        raise ValueError(f"{name} must be a finite number, got one too large for a float") from None
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    # np.maximum returns NaN when either side is NaN, so the largest element is NaN exactly
    # when some element is. This reads the array once and allocates nothing, unlike
    # isnan().any(), and, unlike a dot product, it leaves no BLAS threads spinning.
    if arr.size and np.isnan(np.maximum.reduce(arr, axis=None)):
        raise ValueError(f"{name} must not contain NaN")
    return arr


def finite_array(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float64 array, rejecting NaN and infinities."""
    arr = as_float_array(name, value)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got a value with inf")
    return arr


def positive(name: str, value: Any) -> Any:
    """Check ``value > 0`` and finite; ``value`` may be a number or an array."""
    arr = as_float_array(name, value)
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def number(name: str, value: Any) -> float:
    """Check that ``value`` is one finite number (not an array) and return it as a float."""
    arr = finite_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got {value!r}")
    return float(arr)


def positive_number(name: str, value: Any) -> float:
    """Check that ``value`` is one number, > 0 and finite, and return it as a float."""
    if as_float_array(name, value).ndim != 0:
        raise ValueError(f"{name} must be a single number > 0, got {value!r}")
    return positive(name, value)


def non_negative(name: str, value: Any) -> Any:
    """Check ``value >= 0`` and finite; ``value`` may be a number or an array."""
    arr = as_float_array(name, value)
    if not (np.isfinite(arr).all() and (arr >= 0).all()):
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def in_range(
    name: str, value: Any, low: float, high: float, *, low_open=False, high_open=True
) -> float:
    """Check that the number ``value`` lies in the interval from ``low`` to ``high``.

    ``low_open``/``high_open`` say whether the ends are excluded; the
    default is the half-open interval ``[low, high)``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    ok_low = v > low if low_open else v >= low
    ok_high = v < high if high_open else v <= high
    if math.isnan(v) or not (ok_low and ok_high):
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lb}{low}, {high}{rb}, got {value!r}")
    return v


def integer(name: str, value: Any, minimum: int = 0) -> int:
    """Check that ``value`` is a whole number ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def one_of(name: str, value: Any, choices: tuple) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def row_indices(rows: Any, n: int) -> np.ndarray:
    """Check a mini-batch: a non-empty 1-D array of whole-number row indices in [0, n)."""
    idx = np.asarray(rows)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise ValueError("rows must be a non-empty 1-D array of row indices")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"rows must be indices in [0, {n}), got {idx.min()}..{idx.max()}")
    return idx
