"""The checks of chapter 1's exercises: right answers pass, typical wrong ones get their hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch01


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch01.check_x3, 1.25, "Correct"),
        (ch01.check_x3, 2.5, "That is x_2"),
        (ch01.check_x3, 10 * 0.75**3, "1 − 2·lr, not 1 − lr"),
        (ch01.check_x3, 1.5625, "loss f(x₃)"),
        (ch01.check_x3, 7.0, "apply it three times"),
        (ch01.check_one_step_lr, 1 / 6, "Correct"),
        (ch01.check_one_step_lr, 0.5, "three times steeper"),
        (ch01.check_one_step_lr, 1 / 3, "factor 1 − 6·lr is −1"),
        (ch01.check_fast_lr, 0.5, "Correct"),
        (ch01.check_fast_lr, 0.45, "Correct"),
        (ch01.check_fast_lr, 0.1, "You need |1 − 2·lr| below"),
        (ch01.check_fast_lr, 1.5, "diverged"),
        (ch01.check_fast_lr, -1.0, "single positive number"),
        (ch01.check_step, lambda x, lr: x - lr * 2 * (x - 3), "Correct"),
        (ch01.check_step, lambda x, lr: x + lr * 2 * (x - 3), "goes uphill"),
        (ch01.check_step, lambda x, lr: x - lr * (x - 3), "factor 2 is missing"),
        (ch01.check_step, lambda x, lr: x - lr * 2 * x, "step for x²"),
        (ch01.check_step, lambda x, lr: -lr * 2 * (x - 3), "Return the new point"),
        (ch01.check_step, 3.0, "Pass your function itself"),
        (ch01.check_step, lambda x, lr: None, "returned None"),
        (ch01.check_one_step_lr, 0.167, "Close, but rounded"),
        (ch01.check_one_step_lr, 0.1667, "Correct"),  # four significant digits are enough
        (ch01.check_one_step_lr, 0.16667, "Correct"),
        (ch01.check_one_step_lr, 0.3333, "factor 1 − 6·lr is −1"),  # hints at the same tolerance
        (ch01.check_one_step_lr, 0.1666, "Close, but rounded"),
        (ch01.check_x3, 1.2504, "Correct"),
        (ch01.check_x3, 1.253, "Close, but rounded"),
        (ch01.check_x3, 4.219, "1 − 2·lr, not 1 − lr"),  # 10·0.75³ = 4.21875 to four digits
        (ch01.check_x3, 1.563, "loss f(x₃)"),  # 1.5625
        (ch01.check_x3, 0.6250, "That is x_4"),
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
    # 10·|1 − 2·lr|¹⁰ < 1e-6 needs |1 − 2·lr| below 10^-0.7 = 0.19953: lr = 0.4 (0.2) fails,
    # and the check passes just inside the bound and fails just outside it, on both sides of 0.5.
    bound = 10**-0.7
    assert f"below {bound:.4f}" in ch01.check_fast_lr(0.4).message
    for sign in (-1, 1):
        assert ch01.check_fast_lr((1 + sign * bound * (1 - 1e-6)) / 2)
        assert not ch01.check_fast_lr((1 + sign * bound * (1 + 1e-6)) / 2)
