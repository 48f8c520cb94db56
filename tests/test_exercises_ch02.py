"""Chapter 2's exercise checks: right answers pass, each typical wrong answer gets its hint."""

import numpy as np
import pytest

from helpers.book.exercises import ch02
from helpers.data import line_data

X, Y = line_data()
XS = X[:, 0]


def grad_fn(scale_w=2.0, sign_b=1.0, scale_b=2.0):
    """The line-fit gradient with chosen factors: (2, 1, 2) is the right one."""

    def grad(theta):
        w, b = theta
        err = w * XS + b - Y
        return np.array([scale_w * np.mean(err * XS), sign_b * scale_b * np.mean(err)])

    return grad


def central(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def forward(f, x, h=1e-5):
    return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(x.size)])


def backward(f, x, h=1e-5):
    return np.array([(f(x) - f(x - h * e)) / h for e in np.eye(x.size)])


def over_h(f, x, h=1e-5):
    return np.array([(f(x + h * e) - f(x - h * e)) / h for e in np.eye(x.size)])


def all_at_once(f, x, h=1e-5):
    one = np.ones_like(x)
    return np.full(x.size, (f(x + h * one) - f(x - h * one)) / (2 * h))


def in_place(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        down = f(x)
        g[i] = (up - down) / (2 * h)  # forgets to put x[i] back
    return g


def typed_in_h(f, x, h):
    """Ignores its h: the step 1e-5 and the division by 2e-5 are typed in."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = 1e-5
        g[i] = (f(x + e) - f(x - e)) / 2e-5
    return g


def typed_in_division(f, x, h):
    return np.array([(f(x + h * e) - f(x - h * e)) / 2e-5 for e in np.eye(x.size)])


def no_brackets(f, x, h):
    return np.array([(f(x + h * e) - f(x - h * e)) / 2 * h for e in np.eye(x.size)])


def placeholder_grad(theta):
    err = theta[0] * XS + theta[1] - Y
    df_dw = ... * np.mean(err * XS)  # the exercise cell as the reader finds it
    df_db = ... * np.mean(err)
    return np.array([df_dw, df_db])


def placeholder(f, x, h=1e-5):
    g = np.zeros_like(x)
    g[0] = ...
    return g


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch02.check_gradient_by_hand, [-16.0, -4.0], "Correct"),
        (ch02.check_gradient_by_hand, np.array([-16, -4]), "Correct"),
        (ch02.check_gradient_by_hand, [-8.0, -2.0], "factor 2 belongs in front"),
        (ch02.check_gradient_by_hand, [-80.0, -20.0], "divided by n = 5"),
        (ch02.check_gradient_by_hand, [16.0, 4.0], "sign is flipped"),
        (ch02.check_gradient_by_hand, [-4.0, -16.0], "swapped"),
        (ch02.check_gradient_by_hand, [-44.0, -12.0], "gradient at (0, 0)"),
        (ch02.check_gradient_by_hand, [-16.0, -16.0], "∂f/∂w is right"),
        (ch02.check_gradient_by_hand, [-40.0, -4.0], "∂f/∂b is right"),
        (ch02.check_gradient_by_hand, [1.0, 2.0], "Compute the errors"),
        (ch02.check_gradient_by_hand, 3.0, "two numbers"),
        (ch02.check_gradient_by_hand, ..., "Replace the ..."),
        (ch02.check_fixed_grad, grad_fn(), "Correct"),
        (ch02.check_fixed_grad, grad_fn(scale_w=1.0), "still half"),
        (ch02.check_fixed_grad, grad_fn(sign_b=-1.0), "wrong sign"),
        (ch02.check_fixed_grad, grad_fn(scale_b=1.0), "needs the factor 2 as well"),
        (ch02.check_fixed_grad, grad_fn(scale_b=3.0), "∂f/∂w is now right"),
        (ch02.check_fixed_grad, grad_fn(scale_w=3.0), "∂f/∂b is now right"),
        (ch02.check_fixed_grad, grad_fn(scale_w=3.0, scale_b=3.0), "still fails"),
        (ch02.check_fixed_grad, lambda theta: ..., "Replace the ..."),
        (ch02.check_fixed_grad, placeholder_grad, "Replace the ..."),
        (ch02.check_fixed_grad, lambda theta: None, "returned None"),
        (ch02.check_fixed_grad, lambda theta: 1.0, "Return two numbers"),
        (ch02.check_fixed_grad, np.zeros(2), "Pass your function itself"),
        (ch02.check_central_diff, central, "Correct"),
        (ch02.check_central_diff, forward, "forward difference"),
        (ch02.check_central_diff, backward, "backward difference"),
        (ch02.check_central_diff, typed_in_h, "use the h your function is given"),
        (ch02.check_central_diff, typed_in_division, "use the h your function is given"),
        (ch02.check_central_diff, no_brackets, "h² times the gradient"),
        (ch02.check_central_diff, over_h, "divide by 2h"),
        (ch02.check_central_diff, all_at_once, "one coordinate at a time"),
        (ch02.check_central_diff, lambda f, x, h: -central(f, x, h), "sign is flipped"),
        (ch02.check_central_diff, in_place, "changed the x"),
        (ch02.check_central_diff, lambda f, x, h: central(f, x, h)[:2], "one partial derivative"),
        (ch02.check_central_diff, lambda f, x, h: central(f, x, 0.1), "Relative error"),
        (ch02.check_central_diff, placeholder, "Replace the ..."),
        (ch02.check_central_diff, lambda f, x, h: None, "returned None"),
        (ch02.check_directional, 7.6, "Correct"),
        (ch02.check_directional, 38.0, "length 5"),
        (ch02.check_directional, np.sqrt(68), "steepest one"),
        (ch02.check_directional, -7.6, "The sign"),
        (ch02.check_directional, 4.4, "4x₂ = 8"),
        (ch02.check_directional, 1.0, "Take ∇f"),
        (ch02.check_directional, "7.6 or so", "single number"),
        # Pencil answers: four significant digits pass, and the hints fire at the same tolerance.
        (ch02.check_directional, 7.6004, "Correct"),
        (ch02.check_directional, 7.61, "Close, but rounded"),
        (ch02.check_directional, 8.246, "steepest one"),  # √68 = 8.2462 to four digits
        (ch02.check_gradient_by_hand, [-16.0004, -4.0002], "Correct"),
        (ch02.check_gradient_by_hand, [-8.0004, -2.0002], "factor 2 belongs in front"),
        (ch02.check_gradient_by_hand, [-16.0004, -16.0], "∂f/∂w is right"),
        (ch02.check_gradient_by_hand, [-16.05, -4.01], "Close, but rounded"),
    ],
)
def test_chapter_2_answers(check, answer, expected):
    feedback = check(answer)
    assert expected in repr(feedback), repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_a_crashing_gradient_function_gets_a_hint_not_a_traceback():
    def crashes(theta):
        raise IndexError("boom")

    feedback = ch02.check_fixed_grad(crashes)
    assert not feedback and "IndexError: boom" in feedback.message
