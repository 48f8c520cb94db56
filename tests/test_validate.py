"""The input checks every public function of helpers relies on."""

import numpy as np
import pytest

from helpers import validate


@pytest.mark.parametrize(
    "value",
    [np.nan, [np.nan, 1.0], [1.0, np.nan], [np.inf, np.nan], [np.nan, -np.inf],
     [-np.inf, np.inf, np.nan], np.full((3, 4), np.nan), np.eye(3)[::-1] * np.nan],
)  # fmt: skip
def test_nan_anywhere_is_refused(value):
    with pytest.raises(ValueError, match="x must not contain NaN"):
        validate.as_float_array("x", value)


@pytest.mark.parametrize("size", [1, 7, 1000, 1_000_003])
def test_nan_is_found_at_every_position_of_long_arrays(size):
    rng = np.random.default_rng(size)
    for where in {0, size // 2, size - 1}:
        x = rng.standard_normal(size)
        x[where] = np.nan
        with pytest.raises(ValueError, match="must not contain NaN"):
            validate.as_float_array("x", x)


@pytest.mark.parametrize(
    "value", [[], 0.0, [np.inf, -np.inf], [[1.0, -np.inf], [np.inf, 2.0]], [1e308, 1e308]]
)
def test_infinities_and_empty_arrays_are_accepted(value):
    arr = validate.as_float_array("x", value)
    np.testing.assert_array_equal(arr, np.asarray(value, dtype=float))


@pytest.mark.parametrize(
    "value, match",
    [(None, "real number"), (1 + 2j, "real number"), ([1.0, 2j], "real number"),
     (10**400, "too large for a float"), ("abc", "a number or an array")],
)  # fmt: skip
def test_non_numbers_are_refused_by_name(value, match):
    with pytest.raises(ValueError, match=f"x must be .*{match}"):
        validate.as_float_array("x", value)
