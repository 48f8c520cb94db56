"""Chapter 3 exercises: right answers pass, each typical wrong answer gets its own hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch03


@pytest.mark.parametrize(
    "answer, expected",
    [
        (0.2, "Correct"),
        (2 / 10, "Correct"),
        (0.1, "lr = 1/L = 0.1"),
        (0.4, "2a, not a"),
        (2 / 3, "2a, not a"),
        (1 / 3, "flatter direction"),
        (0.125, "best learning rate, not the limit"),
        (0.3, "the limit is 2/L"),
        # 4 significant digits pass, and the hints recognise wrong answers rounded alike
        (0.20004, "Correct"),
        (0.6667, "2a, not a"),
        (0.3333, "flatter direction"),
        (0.1250, "best learning rate, not the limit"),
        (0.2006, "rounded too far"),
        (0.201, "the limit is 2/L"),
        ("0.2", "Correct"),  # a number written as a string still reads as the number
        ([0.1, 0.2], "single number"),
        (..., "Replace the ..."),
    ],
)
def test_stability_limit(answer, expected):
    feedback = ch03.check_stability_limit(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


@pytest.mark.parametrize(
    "lr_best, rate, expected",
    [
        (0.2, 0.8, "Correct"),
        (2 / (1 + 9), (9 - 1) / (9 + 1), "Correct"),
        (1 / 9, 0.8, "lr = 1/L clears the steep direction"),
        (2 / 9, 0.8, "marginally stable"),
        (1.0, 0.8, "set by μ"),
        (0.15, 0.8, "solve 1 − lr·μ = lr·L − 1"),
        (0.2, 8 / 9, "1 − 1/κ is the rate of lr = 1/L"),
        (0.2, 0.64, "factor for the loss"),
        (0.2, 0.2, "not what is removed"),
        (0.2, 0.5, "Your learning rate is right"),
        # 4 significant digits pass, and the hints recognise wrong answers rounded alike
        (0.20004, 0.80004, "Correct"),
        (0.1111, 0.8, "lr = 1/L clears the steep direction"),
        (0.2222, 0.8, "marginally stable"),
        (0.2006, 0.8, "rounded too far"),
        (0.2, 0.8889, "1 − 1/κ is the rate of lr = 1/L"),
        (0.2, 0.6400, "factor for the loss"),
        (0.2, 0.8024, "rounded too far"),
        (0.2, ..., "Replace the ..."),
        ("fast", 0.8, "each be a single number"),
    ],
)
def test_best_lr(lr_best, rate, expected):
    feedback = ch03.check_best_lr(lr_best, rate)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def window_of_fast_learning_rates():
    """The learning rates that reach 1e-6 within 100 steps, in closed form: on ill_conditioned(10)
    (curvatures 0.1 and 1, minimiser 0) a step multiplies each coordinate by 1 − lr·λ."""
    lrs = np.linspace(1.0, 2.2, 61)
    x_100 = 5.0 * (1 - lrs[:, None] * np.array([0.1, 1.0])) ** 100
    return lrs[np.linalg.norm(x_100, axis=-1) < 1e-6]


def test_fast_lr_accepts_exactly_the_learning_rates_that_work():
    good = window_of_fast_learning_rates()
    assert 2 / 1.1 in good or (good.min() < 2 / 1.1 < good.max())
    for lr in np.linspace(1.0, 2.2, 61):
        assert ch03.check_fast_lr(lr).passed == (lr in good), lr


@pytest.mark.parametrize(
    "lr, expected",
    [
        (2 / 1.1, "Correct"),
        (1.5, "Correct"),
        (1.0, "take a larger lr"),
        (0.1, "take a larger lr"),
        (1.9, "take a slightly smaller lr"),
        (2.0, "marginally stable"),
        (2.05, "diverges"),
        (5.0, "diverges"),
        (-1.0, "single positive number"),
        (0, "single positive number"),
        (..., "Replace the ..."),
    ],
)
def test_fast_lr(lr, expected):
    feedback = ch03.check_fast_lr(lr)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_first_criterion_is_the_one_the_closed_form_meets_first():
    # On x² + 2y² a step of lr = 0.01 from (3, 4) multiplies x by 0.98 and y by 0.96.
    x = np.array([3.0, 4.0]) * np.array([0.98, 0.96]) ** np.arange(5001)[:, None]
    loss, grad_norm = x**2 @ [1.0, 2.0], np.linalg.norm(x * [2.0, 4.0], axis=1)
    steps = {  # the step after which each criterion holds first
        "grad_norm": np.argmax(grad_norm < 1e-2),
        "loss_change": np.argmax(np.abs(np.diff(loss)) < 1e-6) + 1,
        "step_size": np.argmax(np.linalg.norm(np.diff(x, axis=0), axis=1) < 1e-3) + 1,
    }
    first = min(steps, key=steps.get)
    assert first == "step_size"
    feedback = ch03.check_first_criterion(first)
    assert feedback.passed and f"fired at step {steps['step_size']}:" in feedback.message


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("step_size", "Correct"),
        ("grad_norm", "when is it below 1e-3"),
        ("loss_change", "lr·‖g‖²"),
        ("max_steps", "5000 steps is plenty"),
        ("diverged", "cannot diverge"),
        ("step size", "one of the stop reasons"),
        (3, "one of the stop reasons"),
        (..., "Replace the ..."),
    ],
)
def test_first_criterion(answer, expected):
    feedback = ch03.check_first_criterion(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")
