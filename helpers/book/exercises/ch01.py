"""Checks for the exercises of chapter 1, the idea of gradient descent."""

from __future__ import annotations

import numpy as np

from helpers.book.exercises import (
    ROUNDED,
    Feedback,
    agrees,
    as_number,
    checker,
    correct,
    hint,
    rounded,
)
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import Parabola


@checker
def check_x3(x3) -> Feedback:
    """Exercise 1: x₃ on f(x) = x² from x₀ = 10 with lr = 0.25."""
    value = as_number(x3)
    if value is None:
        return hint("x3 should be a single number.")
    factor = 1 - 2 * 0.25
    want = 10 * factor**3
    if agrees(value, want):
        return correct(f"x₃ = 10 × {factor}³ = {want:g}.")
    for k in (1, 2, 4):
        if agrees(value, 10 * factor**k):
            return hint(f"That is x_{k}: count the steps again, x₃ is three steps after x₀.")
    if agrees(value, 10 * (1 - 0.25) ** 3):
        return hint("The gradient of x² is 2x, so each step multiplies x by 1 − 2·lr, not 1 − lr.")
    if agrees(value, want**2):
        return hint("That is the loss f(x₃); the question asks for x₃ itself.")
    if rounded(value, want):
        return hint(ROUNDED)
    return hint("Each step multiplies x by 1 − 2·lr. Start from 10 and apply it three times.")


@checker
def check_one_step_lr(lr) -> Feedback:
    """Exercise 2: the learning rate that reaches the minimum of f(x) = 3x² in one step."""
    value = as_number(lr)
    if value is None:
        return hint("lr should be a single number.")
    if agrees(value, 1 / 6):
        return correct("lr = 1/(2·3) = 1/6: the factor 1 − 6·lr is exactly 0.")
    if agrees(value, 0.5):
        return hint(
            "lr = 0.5 is the answer for x²; for 3x² the gradient is 6x, three times steeper."
        )
    if agrees(value, 1 / 3):
        return hint("With lr = 1/3 the factor 1 − 6·lr is −1: the step jumps across to −x.")
    if rounded(value, 1 / 6):
        return hint(ROUNDED)
    return hint("For f(x) = 3x² the step multiplies x by 1 − 6·lr. Which lr makes that 0?")


@checker
def check_fast_lr(lr) -> Feedback:
    """Exercise 3: a learning rate that takes x² from 10 to |x| < 1e-6 within 10 steps."""
    value = as_number(lr)
    if value is None or value <= 0:
        return hint("lr should be a single positive number.")
    run = descend(Parabola(), SGD(lr=value), 10.0, steps=10)
    if run.stop_reason == "diverged":
        return hint(f"With lr = {value:g} the run diverged at step {run.steps}: |1 − 2·lr| > 1.")
    if abs(run.x) < 1e-6:
        return correct(
            f"After 10 steps x = {run.x:.2g}; the factor 1 − 2·lr is {1 - 2 * value:.3g}."
        )
    need = (1e-6 / 10) ** (1 / 10)
    return hint(
        f"After 10 steps x = {run.x:.3g}. You need |1 − 2·lr| below {need:.4f}, so lr close to 0.5."
    )


@checker
def check_step(gd_step) -> Feedback:
    """Exercise 4: a function gd_step(x, lr) doing one descent step on f(x) = (x − 3)² + 5."""
    if not callable(gd_step):
        return hint("Pass your function itself: check_step(gd_step), without calling it.")
    xs = np.array([-2.0, 0.0, 3.0, 7.5] * 2)
    lrs = np.repeat([0.1, 0.3], 4)  # two learning rates, so that a typed-in lr shows
    answers = [gd_step(x, lr) for x, lr in zip(xs, lrs, strict=True)]
    if any(a is None for a in answers):
        return hint("Your function returned None: end it with return and the new point.")
    got = np.array([as_number(a) for a in answers], dtype=float)  # None becomes nan
    if np.isnan(got).any():
        return hint("Return the new point as a single number, x − lr·f'(x).")
    want = xs - lrs * 2 * (xs - 3)
    if np.allclose(got, want, rtol=1e-6, atol=1e-12):  # 1e-6: a float32 step is right too
        return correct("x − lr·2(x − 3): one step of gradient descent on (x − 3)² + 5.")
    if np.allclose(got, xs - 0.1 * 2 * (xs - 3)):
        return hint("Your step always uses lr = 0.1: use the lr your function is given.")
    if np.allclose(got, xs + lrs * 2 * (xs - 3)):
        return hint("Your step goes uphill: subtract lr times the gradient, don't add it.")
    if np.allclose(got, xs - lrs * (xs - 3)):
        return hint("The derivative of (x − 3)² is 2(x − 3): the factor 2 is missing.")
    if np.allclose(got, xs - lrs * 2 * xs):
        return hint(
            "That is the step for x²; the minimum of (x − 3)² + 5 is at 3, so use 2(x − 3)."
        )
    if np.allclose(got, -lrs * 2 * (xs - 3)):
        return hint("Return the new point x − lr·grad, not just the change −lr·grad.")
    return hint("One step is x − lr·f'(x) with f'(x) = 2(x − 3). Check that formula in your code.")
