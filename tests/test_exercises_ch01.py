"""Chapter 1's exercise checks (more in test_exercises.py): the fixes for rounded answers,
array results, a typed-in lr and the printed bound."""

import numpy as np
import pytest

from helpers.exercises import ch01


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch01.check_one_step_lr, 0.167, "Close, but rounded"),
        (ch01.check_one_step_lr, 0.1667, "Close, but rounded"),
        (ch01.check_one_step_lr, 0.2, "Which lr makes that 0?"),
        (ch01.check_step, lambda x, lr: np.array([x - lr * 2 * (x - 3)]), "Correct"),
        (ch01.check_step, lambda x, lr: np.float32(x - lr * 2 * (x - 3)), "Correct"),
        (ch01.check_step, lambda x, lr: np.array([x, x]), "single number"),
        (ch01.check_step, lambda x, lr: "x", "single number"),
        (ch01.check_step, lambda x, lr: x - 0.1 * 2 * (x - 3), "always uses lr = 0.1"),
        (ch01.check_fast_lr, 0.4, "below 0.1995"),
    ],
)
def test_chapter_1_answers(check, answer, expected):
    feedback = check(answer)
    assert expected in repr(feedback), repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_the_printed_bound_is_the_one_the_check_uses():
    # lr = 0.4 gives |1 − 2·lr| = 0.2 exactly, and fails: the bound shown must be below 0.2.
    assert not ch01.check_fast_lr(0.4)
    assert (1e-6 / 10) ** (1 / 10) < 0.19955
