"""Chapter 5's exercise checks: right answers pass, each typical wrong answer gets its own hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch05


def polyak(x, v, grad, lr, beta):
    v = beta * v - lr * grad
    return x + v, v


def polyak_in_place(x, v, grad, lr, beta):
    v = beta * v - lr * grad
    x += v  # changes the caller's array: the check must not keep it
    return x, v


def polyak_in_place_v(x, v, grad, lr, beta):
    v *= beta
    v -= lr * grad
    return x + v, v


def pytorch_form(x, b, grad, lr, beta):
    b = beta * b + grad
    return x - lr * b, b


def nesterov_velocity(x, v, grad, lr, beta):
    v = beta * v - lr * grad
    return x + beta * v - lr * grad, v


def nesterov_buffer(x, b, grad, lr, beta):
    b = beta * b + grad
    return x - lr * (grad + beta * b), b


S = np.sqrt(400)
LR_STAR, BETA_STAR, RATE_STAR = 4 / (1 + 1 / S) ** 2, ((S - 1) / (S + 1)) ** 2, (S - 1) / (S + 1)


def adam_two_steps(correct_m=True, correct_v=True, root=True, lr=0.1):
    """An independent hand computation of x₂ (g₁ = 4, g₂ = 1, x₀ = 1), with slips on request."""
    x, m, v = 1.0, 0.0, 0.0
    for k, g in ((1, 4.0), (2, 1.0)):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        m_hat = m / (1 - 0.9**k) if correct_m else m
        v_hat = v / (1 - 0.999**k) if correct_v else v
        x -= lr * m_hat / ((np.sqrt(v_hat) if root else v_hat) + 1e-8)
    return x


@pytest.mark.parametrize(
    "answer, expected",
    [
        (polyak, "Correct"),
        (pytorch_form, "PyTorch's buffer"),
        (lambda x, v, g, lr, b: (x + (b * v + lr * g), b * v + lr * g), "uphill"),
        (lambda x, v, g, lr, b: (x + v, b * v - lr * g), "old velocity"),
        (lambda x, v, g, lr, b: (x + (b * v - g), b * v - g), "learning rate is missing"),
        (
            lambda x, v, g, lr, b: (x + (b * v - (1 - b) * lr * g), b * v - (1 - b) * lr * g),
            "no factor (1 − β)",
        ),
        (lambda x, v, g, lr, b: (x - lr * g, v), "plain descent"),
        (nesterov_velocity, "Nesterov's update"),
        (nesterov_buffer, "Nesterov's update"),
        (lambda x, v, g, lr, b: (x - 2 * lr * g, v), "Two lines"),
        (lambda x, v, g, lr, b: None, "returned None"),
        (lambda x, v, g, lr, b: x - lr * g, "Checking your answer raised TypeError"),
        (3.0, "Pass your function itself"),
    ],
)
def test_heavy_ball(answer, expected):
    feedback = ch05.check_heavy_ball(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected in ("Correct", "PyTorch's buffer"))


def test_in_place_updates_are_judged_by_their_values():
    # The check passes copies in and keeps copies: changing x or v in place is fine,
    # and v is recognised as Polyak's velocity (not PyTorch's buffer).
    for step in (polyak_in_place, polyak_in_place_v):
        feedback = ch05.check_heavy_ball(step)
        assert feedback.passed and "v ← βv − lr·g" in feedback.message, feedback


@pytest.mark.parametrize(
    "answer, expected",
    [
        (adam_two_steps(), "Correct"),
        (0.9, "That is x₁"),
        (1 - 0.4 - 0.1, "plain SGD"),
        (0.8, "Both steps of size lr"),
        (adam_two_steps(correct_m=False, correct_v=False), "left out the bias correction"),
        (adam_two_steps(correct_m=False), "v is corrected but m is not"),
        (adam_two_steps(correct_v=False), "m is corrected but v is not"),
        (adam_two_steps(root=False), "square root"),
        # Correct to 4 significant digits passes; 3 digits gets the rounding hint.
        (0.8169, "Correct"),
        (0.81694, "Correct"),
        (round(adam_two_steps(), 3), "Close, but rounded"),
        (0.8168, "Close, but rounded"),
        # The hints for specific slips fire at the same 4-digit tolerance.
        (round(adam_two_steps(correct_m=False, correct_v=False), 4), "left out the bias"),
        (round(adam_two_steps(correct_m=False), 4), "v is corrected but m is not"),
        (round(adam_two_steps(correct_v=False), 3), "m is corrected but v is not"),
        (round(adam_two_steps(root=False), 4), "square root"),
        (0.7, "Step k:"),
        ("0.8", "Both steps"),
        ([1.0, 2.0], "single number"),
    ],
)
def test_adam_by_hand(answer, expected):
    feedback = ch05.check_adam_by_hand(answer)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


@pytest.mark.parametrize(
    "lr, momentum, expected",
    [
        (LR_STAR, BETA_STAR, "Correct"),
        (LR_STAR * 0.999, BETA_STAR * 1.0005, "Correct"),
        (LR_STAR, RATE_STAR, "is the rate"),
        (2 / (1 + 1 / 400), 0.0, "plain descent"),
        (2.0, BETA_STAR, "learning rate is not"),
        (8.0, 0.5, "diverges"),
        (3.64, 0.819, "diverges"),
        # 3-figure answers: rounded down they pass, rounded up the lr is past the optimum.
        (3.62, 0.819, "Correct"),
        (3.62, 0.818, "Correct"),
        (3.63, 0.819, "four significant digits"),
        (3.63, round(BETA_STAR, 4), "four significant digits"),
        # 4 significant digits pass, as the book's rule says: rounded to the nearest,
        # and at the edges of the rounding, where lr is past lr* and the rate 10 % slower.
        (round(LR_STAR, 3), round(BETA_STAR, 4), "Correct"),
        (3.6285, 0.8186, "Correct"),
        (3.6284, 0.81864, "Correct"),
        (3.6285, 0.81855, "Correct"),
        # one unit of the 4th digit further and the rate alone decides
        (3.629, 0.8186, "Your lr is just above lr*"),
        # The rate of these is √0.84 = 0.9165, more than 10 % slower than 19/21.
        (2.9, 0.84, "Use β*"),
        (3.0, 0.84, "Use β*"),
        (3.3, 0.84, "Use β*"),
        (1.0, 0.95, "Use β*"),
        (1.0, 1.0, "[0, 1)"),
        (-1.0, 0.5, "must be positive"),
        ("fast", 0.5, "single number"),
    ],
)
def test_momentum_choice(lr, momentum, expected):
    feedback = ch05.check_momentum_choice(lr, momentum)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_momentum_rate_measures_the_theory():
    # The measured rate at the best pair is the theory's, and plain descent's is (κ−1)/(κ+1).
    assert ch05.momentum_rate(LR_STAR, BETA_STAR) == pytest.approx(RATE_STAR, abs=1e-12)
    assert ch05.momentum_rate(2 / (1 + 1 / 400), 0.0) == pytest.approx(399 / 401, abs=1e-12)
    assert ch05.momentum_rate(8.0, 0.5) > 1  # diverges
    # Below lr* both curvatures spiral in at √β; (2.9, 0.84) and (3.3, 0.84) alike.
    for lr in (2.9, 3.0, 3.3):
        assert ch05.momentum_rate(lr, 0.84) == pytest.approx(np.sqrt(0.84), abs=1e-12)


def test_a_four_digit_answer_rounded_up_passes_with_a_warning():
    feedback = ch05.check_momentum_choice(3.6285, 0.8186)
    assert feedback.passed and ch05.momentum_rate(3.6285, 0.8186) > 0.92
    assert "round lr down" in feedback.message
    rounded_nearest = ch05.check_momentum_choice(round(LR_STAR, 3), round(BETA_STAR, 4))
    assert "round lr down" not in rounded_nearest.message  # 3.628 is below lr*: no warning


def test_no_pair_is_reported_faster_than_the_optimum():
    for lr, beta in ((3.6, 0.82), (3.62, 0.819), (LR_STAR, BETA_STAR)):
        rate = float(ch05.check_momentum_choice(lr, beta).message.split("by ")[1].split(" ")[0])
        assert rate >= round(RATE_STAR, 4)


def test_plain_descent_reports_its_own_rate_and_the_best_of_plain_descent():
    message = ch05.check_momentum_choice(2, 0).message
    assert "your rate is 1.0000 per step; plain descent's best is" in message
    assert f"{399 / 401:.4f}" in message


@pytest.mark.parametrize(
    "sgd, adam, expected",
    [
        (6.0, 0.001, "Correct"),
        (6.0, 0.001 * 6000 / (6000 + 1e-8), "Correct"),
        (5.9996, 0.001, "Correct"),  # 6.000 to 4 significant digits
        (6.0, 0.003162, "without bias correction"),
        (3.0, 0.001, "factor 2 is missing"),
        (6000.0, 0.001, "multiply by lr"),
        (7.0, 0.001, "lr·|f'(x₀)|"),
        (6.0, 6.0, "does not grow with g"),
        (6.0, 0.001 * 0.1 / np.sqrt(0.001), "without bias correction"),
        (6.0, 0.01, "what size is that"),
        (-6.0, 0.001, "cannot be negative"),
        (..., 0.001, "Replace the ..."),
    ],
)
def test_step_sizes(sgd, adam, expected):
    feedback = ch05.check_step_sizes(sgd, adam)
    assert expected in repr(feedback)
    assert feedback.passed == (expected == "Correct")
