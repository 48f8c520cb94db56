"""Checks for the exercises of chapter 4, batch, stochastic and mini-batch gradient descent."""

from __future__ import annotations

import math

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
from helpers.data import make_regression
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import LinearRegression
from helpers.theory import noise_floor, predicted_noise

SEED = 4
TARGET = 0.02  # exercise 4: loss − minimum to reach within two epochs


def chapter_problem() -> LinearRegression:
    """The data set of chapter 4: 4,000 rows, five features on scales from 1 down to 0.3."""
    X, y, _ = make_regression(n=4000, d=5, noise=1.0, seed=SEED)
    return LinearRegression(X * np.geomspace(1, 0.3, 5), y)


@checker
def check_steps(answer) -> Feedback:
    """Exercise 1: (steps, last batch) for 5 epochs of n = 1000 rows in batches of 64."""
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()  # np.array([80, 40]) is a pair too
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return hint("Answer with a pair: (steps, last_batch).")
    steps, last = as_number(answer[0]), as_number(answer[1])
    if steps is None or last is None:
        return hint("Both entries of the pair should be numbers.")
    per_epoch = math.ceil(1000 / 64)
    want_last = 1000 - (per_epoch - 1) * 64
    steps_ok, last_ok = agrees(steps, 5 * per_epoch), agrees(last, want_last)
    if steps_ok and last_ok:
        return correct(
            f"{per_epoch} batches per epoch, the last with {want_last} rows: {5 * per_epoch} steps."
        )
    if not steps_ok:
        if agrees(steps, per_epoch):
            return hint(f"{per_epoch} is the number of steps in one epoch; the run has five.")
        if agrees(steps, 5 * 1000 / 64) or agrees(steps, 5 * (1000 // 64)):
            return hint(
                "The rows left over after the full batches still make a step: "
                "an epoch has ⌈1000/64⌉ batches."
            )
        if agrees(steps, 5000):
            return hint("That counts examples, not steps: a step uses a whole batch.")
        return hint("Count the batches in one epoch, ⌈n / B⌉, then multiply by the epochs.")
    if agrees(last, 64):
        return hint("64 does not divide 1000: the last batch holds only the rows that are left.")
    if agrees(last, 64 - want_last):
        return hint("That is how many rows the last batch is short of 64; how many does it hold?")
    return hint("The last batch holds the rows left after the full batches: 1000 − 15·64.")


@checker
def check_noise(spread) -> Feedback:
    """Exercise 2: the predicted spread σ_B at x₀ = 0 for batches of 400 on the chapter's data."""
    value = as_number(spread)
    if value is None:
        return hint("The spread should be a single number.")
    G = chapter_problem().per_example_grads(np.zeros(6))
    n, B = len(G), 400
    trace = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    raw = np.mean(np.sum(G**2, axis=1))  # the mean squared distance from 0, not from the mean
    fpc = (n - B) / (n - 1)
    want = predicted_noise(G, B)
    if agrees(value, want):  # the n − 1 against n slips change only the fifth digit
        return correct(f"σ_400 = {want:.4f}: √(tr Σ / B) times the correction √((n − B)/(n − 1)).")
    mistakes = [  # each tested at the same 4-digit tolerance, so a rounded slip is recognised
        (
            np.sqrt(trace / B),
            "That is √(tr Σ / B), for draws with replacement; batches without replacement "
            "also get the finite-population correction √((n − B)/(n − 1)).",
        ),
        (
            np.sqrt(trace / B) * fpc,
            "The correction (n − B)/(n − 1) goes under the square root too.",
        ),
        (trace / B * fpc, "That is the variance σ_B²; the spread is its square root."),
        (
            np.sqrt(trace) / B * np.sqrt(fpc),
            "Divide the variance tr Σ by B, not the spread: the noise falls like 1/√B.",
        ),
        (
            np.sqrt(raw / B * fpc),
            "Subtract the mean gradient first: tr Σ is the mean of ‖g_i − mean‖², the squared "
            "distance from the full gradient, not from zero.",
        ),
        (
            np.sqrt(raw / B),
            "Subtract the mean gradient first (tr Σ is the mean of ‖g_i − mean‖²), and include "
            "the finite-population correction (n − B)/(n − 1).",
        ),
    ]
    for wrong, message in mistakes:
        if agrees(value, wrong):
            return hint(message)
    if rounded(value, want):
        return hint(ROUNDED)
    if close(value, want, rel=0.1):
        return hint(
            "Within a few percent, but not the formula's value: that looks measured from random "
            "batches. Compute σ_B from tr Σ and the formula instead."
        )
    return hint("σ_B = √(tr Σ / B · (n − B)/(n − 1)), with tr Σ the mean of ‖g_i − mean‖².")


@checker
def check_scaled_lr(lr) -> Feedback:
    """Exercise 3: the linear scaling rule from B = 32, lr = 0.05 to B = 256."""
    value = as_number(lr)
    if value is None:
        return hint("The learning rate should be a single number.")
    if agrees(value, 0.4):
        return correct(
            "8 times the batch, 8 times the learning rate: lr/B stays put, and so, roughly, "
            "does the noise floor (a little higher at this larger lr)."
        )
    if agrees(value, 0.05 * math.sqrt(8)):
        return hint(
            "That is the square-root rule, which keeps the noise of a step the same. "
            "The linear rule multiplies lr by the same factor as B."
        )
    if agrees(value, 0.05 / 8):
        return hint("A larger batch has less noise, so it takes a larger step, not a smaller one.")
    if agrees(value, 0.05):
        return hint("With the same lr an epoch of 256-row batches takes 8 times fewer steps.")
    return hint("The rule: multiply the batch size by k, multiply the learning rate by k.")


@checker
def check_budget(choice) -> Feedback:
    """Exercise 4: (batch_size, lr) reaching loss − minimum < 0.02 within two epochs."""
    if isinstance(choice, np.ndarray):
        choice = choice.tolist()  # np.array([64, 0.2]) is a pair too
    if not isinstance(choice, (tuple, list)) or len(choice) != 2:
        return hint("Answer with a pair: (batch_size, lr).")
    problem = chapter_problem()
    B, lr = as_number(choice[0]), as_number(choice[1])
    if B is None or B != int(B) or not 1 <= B <= problem.n:
        return hint(f"The batch size should be a whole number from 1 to {problem.n}.")
    if lr is None or lr <= 0:
        return hint("The learning rate should be a single positive number.")
    B = int(B)
    run = descend(
        problem,
        SGD(lr=lr),
        np.zeros(6),
        epochs=2,
        batch_size=B,
        rng=np.random.default_rng(SEED),
        record_points=False,
    )
    if run.stop_reason == "diverged":
        return hint(f"With B = {B} and lr = {lr:g} the run diverged: lower the learning rate.")
    tail = float(np.mean(run.losses[-max(run.steps_per_epoch // 4, 1) :] - problem.minimum))
    floor = noise_floor(problem, lr, B)
    if tail < TARGET:
        return correct(
            f"Loss − minimum {tail:.4f} after two epochs ({run.steps} steps); "
            f"the predicted floor for this pair is {floor:.4f}."
        )
    if lr >= 2 / problem.L:
        return hint(
            f"lr = {lr:g} is above the stability limit 2/L = {2 / problem.L:.4g} of this problem: "
            "along the steepest direction each step overshoots further. Take lr below it."
        )
    if not np.isfinite(floor):
        return hint(
            f"With batches of {B}, lr = {lr:g} is above the stability limit: the batch noise "
            "grows instead of settling. Take a smaller learning rate."
        )
    if floor > 0.7 * TARGET:
        return hint(
            f"The run levels off at {tail:.4f}: the noise floor for lr = {lr:g} and B = {B} "
            f"is about {floor:.4f}. Lower lr/B: a smaller learning rate or larger batches."
        )
    return hint(
        f"Still {tail:.4f} above the minimum after {run.steps} steps: the run is too slow. "
        "Take a larger learning rate, or smaller batches for more steps per epoch."
    )


def _epoch(problem, x, lr, B, rng, order="shuffle", last=True, grad="batch", draw="epoch"):
    """One epoch done right (the defaults) or with one of the typical mistakes."""
    n = problem.n
    perm = rng.permutation(n) if order != "none" and draw == "epoch" else np.arange(n)
    if order in ("split", "split-floor"):  # np.array_split: nearly equal pieces, not B rows
        pieces = np.array_split(perm, math.ceil(n / B) if order == "split" else n // B)
    else:
        pieces = [perm[start : start + B] for start in range(0, n if last else n - B + 1, B)]
    for piece in pieces:
        rows = piece if draw == "epoch" else rng.choice(n, B, replace=False)
        g = problem.grad(x) if grad == "full" else problem.grad(x, rows)
        x = x - lr * (g * len(rows) if grad == "sum" else g)
    return x


@checker
def check_one_epoch(one_epoch) -> Feedback:
    """Exercise 5: one epoch of shuffled mini-batch SGD that reproduces descend."""
    if not callable(one_epoch):
        return hint("Pass your function itself: check_one_epoch(one_epoch), without calling it.")
    X, y, _ = make_regression(n=103, d=2, noise=0.5, seed=1)
    problem = LinearRegression(X, y)
    x = np.array([0.5, -1.0, 2.0])
    mistakes = [
        ({"order": "none"}, "The rows come in the same order every time: shuffle them first."),
        *(
            (
                {"order": split},
                "np.array_split cuts the order into nearly equal pieces, not into batches of "
                "batch_size rows. descend (like PyTorch's DataLoader) takes full batches and "
                "leaves the remainder to a smaller last one: slice order[start : start + "
                "batch_size].",
            )
            for split in ("split", "split-floor")
        ),
        ({"last": False}, "The last, smaller batch is missing: let the slices run up to n."),
        ({"grad": "full"}, "Each step uses all the rows: use problem.grad(x, rows)."),
        ({"grad": "sum"}, "The steps are batch_size times too long: use the mean gradient."),
        (
            {"draw": "step"},
            "Each step draws a fresh batch; within an epoch every row should be used exactly "
            "once: shuffle once, then take consecutive slices.",
        ),
    ]
    for B, seed in [(10, 0), (7, 1)]:
        want = descend(
            problem, SGD(lr=0.1), x, epochs=1, batch_size=B, rng=np.random.default_rng(seed)
        ).x
        got = one_epoch(problem, x.copy(), 0.1, B, np.random.default_rng(seed))
        if got is None:
            return hint("Your function returned None: end it with return and the final point.")
        got = np.asarray(got, dtype=float)
        if got.shape != want.shape:
            return hint(f"Return the point, an array of shape {want.shape}; got shape {got.shape}.")
        if np.allclose(got, want, rtol=1e-12, atol=1e-12):
            continue
        for kind, message in mistakes:
            wrong = _epoch(problem, x, 0.1, B, np.random.default_rng(seed), **kind)
            if np.allclose(got, wrong, rtol=1e-12, atol=1e-12):
                return hint(message)
        return hint(
            f"With batch_size={B} your point differs from descend's. Shuffle once with "
            "rng.permutation(problem.n), then step through consecutive slices."
        )
    return correct("Same point as descend: one shuffle per epoch, and the last batch is smaller.")
