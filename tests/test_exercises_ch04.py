"""Chapter 4's exercise checks: right answers pass, each typical wrong answer gets its own hint."""

import math

import numpy as np
import pytest

from helpers.book.exercises import ch04
from helpers.descent import descend
from helpers.optim import SGD


def spread_parts():
    problem = ch04.chapter_problem()
    A = np.hstack([problem.X, np.ones((problem.n, 1))])
    G = 2 * (A @ np.zeros(6) - problem.y)[:, None] * A  # the per-example gradients, by hand
    n, B = len(G), 400
    trace = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    raw = float(np.mean(np.sum(G**2, axis=1)))  # the mean gradient not subtracted
    return trace, raw, n, B, (n - B) / (n - 1)


TRACE, RAW, N, B, FPC = spread_parts()


def four_digits(value):
    """The value as a reader would write it, rounded to four significant digits."""
    return float(f"{value:.4g}")


def test_chapter_problem_is_the_notebooks_data_set():
    problem = ch04.chapter_problem()
    assert (problem.n, problem.d) == (4000, 5)
    assert problem.kappa == pytest.approx(11.26, abs=0.01)
    assert problem.minimum == pytest.approx(0.991, abs=1e-3)


@pytest.mark.parametrize(
    "answer, expected",
    [
        ((80, 40), "Correct"),
        ([80, 40.0], "Correct"),
        (np.array([80, 40]), "Correct"),
        (np.array(80), "Answer with a pair"),
        ((16, 40), "steps in one epoch"),
        ((75, 40), "still make a step"),
        ((78.125, 40), "still make a step"),
        ((5000, 40), "counts examples"),
        ((80, 64), "64 does not divide 1000"),
        ((80, 24), "short of 64"),
        ((80, 30), "1000 − 15·64"),
        ((12, 40), "multiply by the epochs"),
        ((78.13, 40), "still make a step"),  # 5 · 1000/64, rounded
        (80, "Answer with a pair"),
        (("eighty", 40), "should be numbers"),
    ],
)
def test_steps(answer, expected):
    feedback = ch04.check_steps(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


@pytest.mark.parametrize(
    "answer, expected",
    [
        (math.sqrt(TRACE / B * FPC), "Correct"),
        (math.sqrt(TRACE / B), "finite-population correction"),
        (math.sqrt(TRACE / B) * FPC, "under the square root"),
        (TRACE / B * FPC, "the variance σ_B²"),
        (math.sqrt(TRACE) / B * math.sqrt(FPC), "not the spread"),
        # n against n − 1 changes only the fifth digit: correct to four, so it passes
        (math.sqrt(TRACE / B * (N - B) / N), "Correct"),
        (math.sqrt(TRACE * N / (N - 1) / B * FPC), "Correct"),
        (0.3101, "Correct"),
        (1.03 * math.sqrt(TRACE / B * FPC), "looks measured"),
        (round(math.sqrt(TRACE / B * FPC), 3), "Close, but rounded"),
        # each slip, rounded to four digits, still gets its own hint
        (four_digits(math.sqrt(TRACE / B)), "finite-population correction"),
        (four_digits(math.sqrt(TRACE / B) * FPC), "under the square root"),
        (four_digits(TRACE / B * FPC), "the variance σ_B²"),
        (four_digits(math.sqrt(TRACE) / B * math.sqrt(FPC)), "not the spread"),
        (four_digits(math.sqrt(RAW / B * FPC)), "Subtract the mean gradient first: tr Σ"),
        (math.sqrt(RAW / B), "and include the finite-population"),
        (5.0, "σ_B = √(tr Σ / B"),
        ("a third", "single number"),
    ],
)
def test_noise(answer, expected):
    feedback = ch04.check_noise(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


@pytest.mark.parametrize(
    "answer, expected",
    [
        (0.4, "Correct"),
        (0.05 * 256 / 32, "Correct"),
        (0.05 * math.sqrt(8), "square-root rule"),
        (0.1414, "square-root rule"),  # rounded to four digits: still recognised
        (0.00625, "not a smaller one"),
        (0.05 / 8, "not a smaller one"),
        (0.05, "8 times fewer steps"),
        (1.0, "multiply the learning rate by k"),
        (None, "single number"),
    ],
)
def test_scaled_lr(answer, expected):
    feedback = ch04.check_scaled_lr(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


@pytest.mark.parametrize(
    "answer, expected",
    [
        ((64, 0.2), "Correct"),
        ((32, 0.1), "Correct"),
        ((16, 0.2), "levels off"),
        ((4, 0.1), "levels off"),
        ((64, 0.05), "too slow"),
        ((4000, 0.5), "too slow"),
        ((64, 3.0), "diverged"),
        ((4000, 1.0), "above the stability limit 2/L"),
        ((64, 1.0), "above the stability limit 2/L"),
        ((2, 0.45), "batch noise grows"),
        ((0, 0.1), "whole number from 1 to 4000"),
        ((64.5, 0.1), "whole number"),
        ((64, -1), "single positive number"),
        ((64,), "Answer with a pair"),
    ],
)
def test_budget(answer, expected):
    feedback = ch04.check_budget(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_the_budget_check_really_runs_two_epochs_of_descend():
    problem = ch04.chapter_problem()
    run = descend(
        problem,
        SGD(lr=0.2),
        np.zeros(6),
        epochs=2,
        batch_size=64,
        rng=np.random.default_rng(ch04.SEED),
    )
    tail = np.mean(run.losses[-15:] - problem.minimum)
    assert (
        f"Loss − minimum {tail:.4f} after two epochs (126 steps)"
        in ch04.check_budget((64, 0.2)).message
    )


def epoch(problem, x, lr, batch_size, rng):
    order = rng.permutation(problem.n)
    for start in range(0, problem.n, batch_size):
        rows = order[start : start + batch_size]
        x = x - lr * problem.grad(x, rows)
    return x


def epoch_with_shuffle(problem, x, lr, batch_size, rng):
    order = np.arange(problem.n)
    rng.shuffle(order)  # the same draws as rng.permutation
    for start in range(0, problem.n, batch_size):
        x = x - lr * problem.grad(x, order[start : start + batch_size])
    return x


def no_shuffle(problem, x, lr, batch_size, rng):
    order = np.arange(problem.n)
    for start in range(0, problem.n, batch_size):
        x = x - lr * problem.grad(x, order[start : start + batch_size])
    return x


def drops_last(problem, x, lr, batch_size, rng):
    order = rng.permutation(problem.n)
    for start in range(0, problem.n - batch_size + 1, batch_size):
        x = x - lr * problem.grad(x, order[start : start + batch_size])
    return x


def full_gradient(problem, x, lr, batch_size, rng):
    for _ in range(math.ceil(problem.n / batch_size)):
        x = x - lr * problem.grad(x)
    return x


def summed(problem, x, lr, batch_size, rng):
    order = rng.permutation(problem.n)
    for start in range(0, problem.n, batch_size):
        rows = order[start : start + batch_size]
        x = x - lr * len(rows) * problem.grad(x, rows)
    return x


def fresh_batches(problem, x, lr, batch_size, rng):
    for _ in range(math.ceil(problem.n / batch_size)):
        rows = rng.choice(problem.n, batch_size, replace=False)
        x = x - lr * problem.grad(x, rows)
    return x


def with_replacement(problem, x, lr, batch_size, rng):
    for _ in range(math.ceil(problem.n / batch_size)):
        x = x - lr * problem.grad(x, rng.integers(problem.n, size=batch_size))
    return x


def shuffles_every_step(problem, x, lr, batch_size, rng):
    for start in range(0, problem.n, batch_size):
        order = rng.permutation(problem.n)
        x = x - lr * problem.grad(x, order[start : start + batch_size])
    return x


def array_split_ceil(problem, x, lr, batch_size, rng):
    order = rng.permutation(problem.n)
    for rows in np.array_split(order, math.ceil(problem.n / batch_size)):
        x = x - lr * problem.grad(x, rows)
    return x


def array_split_floor(problem, x, lr, batch_size, rng):
    order = rng.permutation(problem.n)
    for rows in np.array_split(order, problem.n // batch_size):
        x = x - lr * problem.grad(x, rows)
    return x


def crashes(problem, x, lr, batch_size, rng):
    raise IndexError("index 103 is out of bounds")


@pytest.mark.parametrize(
    "answer, expected",
    [
        (epoch, "Correct"),
        (epoch_with_shuffle, "Correct"),
        (no_shuffle, "same order every time"),
        (drops_last, "last, smaller batch is missing"),
        (full_gradient, "uses all the rows"),
        (summed, "batch_size times too long"),
        (fresh_batches, "draws a fresh batch"),
        (array_split_ceil, "np.array_split cuts the order"),
        (array_split_floor, "np.array_split cuts the order"),
        (with_replacement, "differs from descend's"),
        (shuffles_every_step, "differs from descend's"),
        (lambda problem, x, lr, batch_size, rng: None, "returned None"),
        (lambda problem, x, lr, batch_size, rng: x[:2], "shape (3,)"),
        (crashes, "IndexError: index 103"),
        (epoch(ch04.chapter_problem(), np.zeros(6), 0.1, 32, np.random.default_rng(0)), "itself"),
    ],
)
def test_one_epoch(answer, expected):
    feedback = ch04.check_one_epoch(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_the_spread_to_four_digits_passes_and_to_three_is_rounded_too_far():
    assert round(math.sqrt(TRACE / B * FPC), 4) == 0.3101
    assert ch04.check_noise(0.3101)
    assert "rounded too far" in ch04.check_noise(0.310).message


def test_the_slips_of_exercise_2_are_told_apart_at_four_digits():
    slips = [
        math.sqrt(TRACE / B),
        math.sqrt(TRACE / B) * FPC,
        TRACE / B * FPC,
        math.sqrt(TRACE) / B * math.sqrt(FPC),
        math.sqrt(RAW / B * FPC),
        math.sqrt(RAW / B),
    ]
    messages = [ch04.check_noise(four_digits(v)).message for v in slips]
    assert len(set(messages)) == len(slips)  # each wrong answer gets a hint of its own
    assert not any("looks measured" in m or "Close, but" in m for m in messages)


def test_a_full_batch_lr_above_two_over_l_is_not_blamed_on_noise():
    message = ch04.check_budget((4000, 1.0)).message
    assert "inf" not in message and "noise floor" not in message
    assert f"{2 / ch04.chapter_problem().L:.4g}" in message


def test_placeholders_ask_for_an_answer():
    for check in (ch04.check_steps, ch04.check_noise, ch04.check_scaled_lr, ch04.check_budget):
        assert "Replace the ..." in check(...).message


def test_the_budget_pair_may_be_an_array():
    assert ch04.check_budget(np.array([64, 0.2])) == ch04.check_budget((64, 0.2))
    assert ch04.check_budget(np.array([64, 0.2]))
