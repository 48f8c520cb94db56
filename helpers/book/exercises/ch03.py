"""Checks for the exercises of chapter 3, the learning rate and when to stop."""

from __future__ import annotations

import numpy as np

from helpers.book.exercises import (
    ROUNDED,
    Feedback,
    agrees,
    as_number,
    checker,
    close,
    correct,
    hint,
    rounded,
)
from helpers.descent import STOP_REASONS, descend
from helpers.optim import SGD
from helpers.problems import bowl, ill_conditioned


@checker
def check_stability_limit(lr_limit) -> Feedback:
    """Exercise 1: the stability limit of the learning rate on f(x, y) = 3x² + 5y²."""
    value = as_number(lr_limit)
    if value is None:
        return hint("lr_limit should be a single number.")
    if agrees(value, 2 / 10):
        return correct("L = 10 (the curvature of 5y² is 10), so the limit is 2/L = 0.2.")
    if agrees(value, 1 / 10):
        return hint(
            "lr = 1/L = 0.1 sends the steep direction to 0 in one step; "
            "the limit is where its factor 1 − lr·L reaches −1."
        )
    if agrees(value, 2 / 5) or agrees(value, 2 / 3):
        return hint("The curvature of a·x² is its second derivative, 2a, not a.")
    if agrees(value, 2 / 6):
        return hint(
            "That comes from the flatter direction (curvature 6); the steeper one fails first."
        )
    if agrees(value, 2 / 16):
        return hint("2/(μ + L) is the best learning rate, not the limit of stability.")
    if rounded(value, 2 / 10):
        return hint(ROUNDED)
    return hint(
        "Find the largest curvature L (the second derivatives are 6 and 10); the limit is 2/L."
    )


@checker
def check_best_lr(lr_best, rate) -> Feedback:
    """Exercise 2: the best fixed learning rate and its rate for mu = 1, L = 9."""
    lr_value, rate_value = as_number(lr_best), as_number(rate)
    if lr_value is None or rate_value is None:
        return hint("lr_best and rate should each be a single number.")
    mu, L = 1.0, 9.0
    lr_star, rate_star = 2 / (mu + L), (L - mu) / (L + mu)  # 0.2 and 0.8
    if not agrees(lr_value, lr_star):
        if agrees(lr_value, 1 / L):
            return hint(
                "lr = 1/L clears the steep direction in one step but leaves the flat one "
                "at 1 − 1/9 per step; balance the two instead."
            )
        if agrees(lr_value, 2 / L):
            return hint(
                "At 2/L descent is only marginally stable: the steep direction never shrinks."
            )
        if agrees(lr_value, 1 / mu) or agrees(lr_value, 2 / mu):
            return hint("A learning rate set by μ is far too large for the steep direction.")
        if rounded(lr_value, lr_star):
            return hint(ROUNDED)
        return hint("Balance the two directions: solve 1 − lr·μ = lr·L − 1 for lr.")
    if agrees(rate_value, rate_star):
        return correct(f"lr* = 2/(μ + L) = {lr_star:g}, rate (κ − 1)/(κ + 1) = {rate_star:g}.")
    if agrees(rate_value, 1 - 1 / 9):
        return hint(
            "1 − 1/κ is the rate of lr = 1/L; with lr* both directions shrink by (κ−1)/(κ+1)."
        )
    if agrees(rate_value, rate_star**2):
        return hint("That is the factor for the loss; the question asks for the distance.")
    if agrees(rate_value, 1 - rate_star):
        return hint(
            "The rate is the factor |1 − lr·λ| that remains each step, not what is removed."
        )
    if rounded(rate_value, rate_star):
        return hint(ROUNDED)
    return hint(
        "Your learning rate is right. Its rate is max(|1 − lr·μ|, |1 − lr·L|) with μ = 1, L = 9."
    )


FAST_X0 = (5.0, 5.0)
FAST_STEPS = 100
FAST_TOL = 1e-6


@checker
def check_fast_lr(lr) -> Feedback:
    """Exercise 3: an lr taking ill_conditioned(10) from (5, 5) within 1e-6 in 100 steps."""
    value = as_number(lr)
    if value is None or value <= 0:
        return hint("lr should be a single positive number.")
    problem = ill_conditioned(10)
    run = descend(problem, SGD(lr=value), FAST_X0, steps=FAST_STEPS)
    distance = float(np.linalg.norm(run.x - problem.minimiser))
    factor_flat, factor_steep = 1 - value * problem.mu, 1 - value * problem.L
    if run.stop_reason == "diverged" or abs(factor_steep) > 1:
        return hint(
            f"With lr = {value:g} the steep direction's factor is {factor_steep:.3g}: "
            "its size is above 1, so the run diverges. Stay below 2/L."
        )
    if close(abs(factor_steep), 1):
        return hint(
            f"lr = {value:g} is marginally stable: the steep direction flips forever "
            "without shrinking."
        )
    if distance < FAST_TOL:
        return correct(
            f"After {FAST_STEPS} steps the distance is {distance:.2g}; "
            f"the rate is {max(abs(factor_flat), abs(factor_steep)):.3f} per step."
        )
    if abs(factor_flat) > abs(factor_steep):
        return hint(
            f"After {FAST_STEPS} steps the distance is {distance:.3g}. The flat direction "
            f"(μ = 0.1) shrinks only by {abs(factor_flat):.3f} per step: take a larger lr."
        )
    return hint(
        f"After {FAST_STEPS} steps the distance is {distance:.3g}. The steep direction zig-zags "
        f"with factor {factor_steep:.3f}: take a slightly smaller lr."
    )


@checker
def check_first_criterion(first) -> Feedback:
    """Exercise 4: which criterion stops descent on the bowl with lr = 0.01 first."""
    if not isinstance(first, str) or first not in STOP_REASONS:
        return hint(
            "Answer with one of the stop reasons as a string: "
            '"grad_norm", "loss_change", "step_size" or "max_steps".'
        )
    run = descend(
        bowl(), SGD(lr=0.01), [3.0, 4.0], steps=5000, grad_tol=1e-2, loss_tol=1e-6, step_tol=1e-3
    )
    if first == run.stop_reason:
        return correct(
            f"{first} fired at step {run.steps}: a step is lr·‖g‖, so step_tol = 1e-3 "
            "fires when ‖g‖ < 0.1, long before ‖g‖ < 0.01."
        )
    if first == "grad_norm":
        return hint(
            "The gradient test needs ‖g‖ < 0.01. The step is lr·‖g‖: when is it below 1e-3?"
        )
    if first == "loss_change":
        return hint("The loss change is about lr·‖g‖², below 1e-6 only once ‖g‖ < 0.01.")
    if first == "max_steps":
        return hint("5000 steps is plenty at lr = 0.01: another criterion fires long before.")
    return hint("The run cannot diverge: lr = 0.01 is far below 2/L = 0.5.")
