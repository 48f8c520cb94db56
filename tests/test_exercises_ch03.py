"""Chapter 3 exercises: right answers pass, each typical wrong answer gets its own hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch03
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import bowl, ill_conditioned


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
        (2 / 9, 0.8, "edge of stability"),
        (1.0, 0.8, "set by μ"),
        (0.15, 0.8, "solve 1 − lr·μ = lr·L − 1"),
        (0.2, 8 / 9, "1 − 1/κ is the rate of lr = 1/L"),
        (0.2, 0.64, "factor for the loss"),
        (0.2, 0.2, "not what is removed"),
        (0.2, 0.5, "Your learning rate is right"),
        (0.2, ..., "Replace the ..."),
        ("fast", 0.8, "each be a single number"),
    ],
)
def test_best_lr(lr_best, rate, expected):
    feedback = ch03.check_best_lr(lr_best, rate)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def window_of_fast_learning_rates():
    """Scan learning rates with descend itself: the ones that reach 1e-6 within 100 steps."""
    q = ill_conditioned(10)
    lrs = np.linspace(1.0, 2.2, 61)
    run = descend(q, SGD(lr=lrs[:, None]), [5.0, 5.0], steps=100)
    ok = np.linalg.norm(run.x - q.minimiser, axis=-1) < 1e-6
    return lrs[ok]


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
        (2.0, "edge of stability"),
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


def test_first_criterion_is_what_descend_reports():
    run = descend(
        bowl(), SGD(lr=0.01), [3.0, 4.0], steps=5000, grad_tol=1e-2, loss_tol=1e-6, step_tol=1e-3
    )
    assert run.stop_reason == "step_size"
    assert ch03.check_first_criterion(run.stop_reason).passed


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
