"""Argument checks. Each returns the value checked or raises a ValueError that names the
argument and what it must be: ``lr=-1`` reads as what is wrong, not a traceback from numpy."""

import numpy as np


def as_float_array(name, value) -> np.ndarray:
    """``value`` as a float64 array; NaN, and anything that is not a real number, refused."""
    if value is None or np.iscomplexobj(value):
        raise ValueError(f"{name} must be a real number or an array of them, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except OverflowError:  # a Python int above 1.8e308
        raise ValueError(f"{name} must be a finite number, got one too large for a float") from None
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not contain NaN")
    return arr


def finite_array(name, value) -> np.ndarray:
    arr = as_float_array(name, value)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got a value with inf")
    return arr


def non_negative(name, value, *, strict: bool = False):
    """A number or an array, >= 0 (> 0 if ``strict``) and finite."""
    arr = as_float_array(name, value)
    if not (np.isfinite(arr).all() and (arr > 0 if strict else arr >= 0).all()):
        raise ValueError(f"{name} must be {'>' if strict else '>='} 0 and finite, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def positive(name, value):
    return non_negative(name, value, strict=True)


def number(name, value) -> float:
    if finite_array(name, value).ndim != 0:
        raise ValueError(f"{name} must be a single number, got {value!r}")
    return float(value)


def positive_number(name, value) -> float:
    if as_float_array(name, value).ndim != 0:
        raise ValueError(f"{name} must be a single number > 0, got {value!r}")
    return positive(name, value)


def in_range(name, value, low, high, *, low_open=False, high_open=True) -> float:
    """One number from ``low`` to ``high``, by default in [low, high)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not ((v > low if low_open else v >= low) and (v < high if high_open else v <= high)):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return v


def integer(name, value, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def one_of(name, value, choices: tuple):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def row_indices(rows, n: int) -> np.ndarray:
    """A mini-batch: a non-empty 1-D array of whole-number row indices in [0, n)."""
    idx = np.asarray(rows)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise ValueError("rows must be a non-empty 1-D array of row indices")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"rows must be indices in [0, {n}), got {idx.min()}..{idx.max()}")
    return idx
