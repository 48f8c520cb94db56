"""Checks for the exercises of chapter 2, gradients."""

from __future__ import annotations

import numpy as np

from helpers.book.exercises import ROUNDED, Feedback, agrees, checker, correct, hint, rounded
from helpers.data import line_data
from helpers.gradients import relative_error
from helpers.problems import LinearRegression

_PLACEHOLDER = "Replace the ... with your answer, then run the cell again."


def _pair(answer) -> np.ndarray | None:
    """The answer as two finite numbers, or None."""
    try:
        arr = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    return arr if arr.shape == (2,) and np.isfinite(arr).all() else None


def _same(a, b) -> bool:
    """Every entry of ``a`` agrees with ``b`` to four significant digits."""
    pairs = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return all(agrees(u, v) for u, v in zip(*(arr.reshape(-1) for arr in pairs), strict=True))


def _close(a, b) -> bool:
    """Every entry of ``a`` is within 0.5 % of ``b``: most likely ``b``, rounded too far."""
    return all(rounded(u, v) for u, v in zip(np.ravel(a), np.ravel(b), strict=True))


def _is_placeholder_error(err: Exception) -> bool:
    return "ellipsis" in str(err).lower()


@checker
def check_gradient_by_hand(grad) -> Feedback:
    """Exercise 1: the gradient of the line-fit loss at (w, b) = (1, 1)."""
    g = _pair(grad)
    if g is None:
        return hint("grad should be two numbers: (∂f/∂w, ∂f/∂b).")
    X, y = line_data()
    x = X[:, 0]
    err = 1.0 * x + 1.0 - y
    want = np.array([2 * np.mean(err * x), 2 * np.mean(err)])
    if _same(g, want):
        return correct(
            f"∇f(1, 1) = ({want[0]:g}, {want[1]:g}): both negative, so w and b should grow."
        )
    if _same(g, want / 2):
        return hint(
            "Each term is half as big as it should be: the derivative of err² is "
            "2·err, so the factor 2 belongs in front."
        )
    if _same(g, want * len(x)):
        return hint("The loss is a mean, so the sums are divided by n = 5.")
    if _same(g, -want):
        return hint(
            "The sign is flipped. With err = w·x + b − y the line is below the data "
            "for x > 1, so raising w lowers the loss: ∂f/∂w must be negative."
        )
    if _same(g, want[::-1]):
        return hint("The two numbers are swapped: give (∂f/∂w, ∂f/∂b) in that order.")
    if _same(g, [-44.0, -12.0]):
        return hint("That is the gradient at (0, 0), the worked example. Redo it at (1, 1).")
    if _same(g[0], want[0]):
        return hint("∂f/∂w is right. ∂f/∂b = (2/n)·Σ errᵢ: the derivative of errᵢ by b is 1.")
    if _same(g[1], want[1]):
        return hint("∂f/∂b is right. ∂f/∂w = (2/n)·Σ errᵢ·xᵢ: each error is multiplied by its x.")
    if _close(g, want):
        return hint(ROUNDED)
    return hint(
        "Compute the errors errᵢ = 1·xᵢ + 1 − yᵢ first, then (2/n)·Σ errᵢ·xᵢ and (2/n)·Σ errᵢ."
    )


@checker
def check_fixed_grad(fixed_grad) -> Feedback:
    """Exercise 2: a corrected gradient function for the line-fit loss, as a function of (w, b)."""
    if not callable(fixed_grad):
        return hint("Pass your function itself: check_fixed_grad(fixed_grad), without calling it.")
    X, y = line_data()
    problem = LinearRegression(X, y)
    points = np.random.default_rng(2).uniform(-3, 3, size=(6, 2))
    got = []
    for p in points:
        try:
            out = fixed_grad(p.copy())
        except TypeError as err:
            if _is_placeholder_error(err):
                return hint(_PLACEHOLDER)
            raise
        if out is Ellipsis:
            return hint(_PLACEHOLDER)
        if out is None:
            return hint("Your function returned None: end it with return and the gradient.")
        g = _pair(out)
        if g is None:
            return hint("Return two numbers, np.array([df_dw, df_db]).")
        got.append(g)
    got = np.array(got)
    want = problem.grad(points)
    worst = max(relative_error(a, b) for a, b in zip(got, want, strict=True))
    if worst < 1e-8:
        return correct(
            f"The gradient check passes: relative error {worst:.0e} at six random points."
        )
    w_ok = np.allclose(got[:, 0], want[:, 0])
    b_ok = np.allclose(got[:, 1], want[:, 1])
    if not w_ok and np.allclose(got[:, 0], want[:, 0] / 2):
        return hint("∂f/∂w is still half of what it should be: the factor 2 from err² is missing.")
    if not b_ok and np.allclose(got[:, 1], -want[:, 1]):
        return hint("∂f/∂b has the wrong sign: err = w·x + b − y grows with b, so ∂err/∂b = +1.")
    if not b_ok and np.allclose(got[:, 1], want[:, 1] / 2):
        return hint("∂f/∂b is half of what it should be: it needs the factor 2 as well.")
    if w_ok and not b_ok:
        return hint(f"∂f/∂w is now right, ∂f/∂b is not (relative error {worst:.1e}).")
    if b_ok and not w_ok:
        return hint(f"∂f/∂b is now right, ∂f/∂w is not (relative error {worst:.1e}).")
    return hint(
        f"The gradient check still fails: relative error {worst:.1e}. Compare your "
        "formulas with (2/n)·Σ errᵢ·xᵢ and (2/n)·Σ errᵢ."
    )


def _cubic(x):
    return x[0] ** 3 * x[1] + 2 * x[1] ** 2 + x[2] / (1 + x[0] ** 2)


def _cubic_grad(x):
    a, b, c = x
    return np.array([3 * a**2 * b - 2 * a * c / (1 + a**2) ** 2, a**3 + 4 * b, 1 / (1 + a**2)])


@checker
def check_central_diff(central_diff) -> Feedback:
    """Exercise 3: central_diff(f, x, h) returns the central-difference gradient of f at x."""
    if not callable(central_diff):
        return hint("Pass your function itself: check_central_diff(central_diff).")
    x = np.array([0.7, -1.3, 2.0])
    before = x.copy()
    h = 1e-5
    try:
        out = central_diff(_cubic, x, h)
    except TypeError as err:
        if _is_placeholder_error(err):
            return hint(_PLACEHOLDER)
        raise
    if out is None or out is Ellipsis:
        return hint(
            _PLACEHOLDER
            if out is Ellipsis
            else "Your function returned None: return the gradient array."
        )
    if not np.array_equal(x, before):
        return hint(
            "Your function changed the x it was given. Perturb a copy (x.copy() or x + e) instead."
        )
    g = np.asarray(out, dtype=float)
    if g.shape != x.shape:
        return hint(
            f"Return one partial derivative per coordinate: shape {x.shape}, got {g.shape}."
        )
    want = _cubic_grad(x)
    err = relative_error(g, want)
    eye = np.eye(x.size)
    if err < 1e-8:
        # Again with a large h, where the central difference differs visibly from the
        # gradient: that catches an h typed into the function instead of the argument.
        big = 0.1
        want_big = np.array([(_cubic(x + big * e) - _cubic(x - big * e)) / (2 * big) for e in eye])
        got_big = np.asarray(central_diff(_cubic, x.copy(), big), dtype=float)
        if got_big.shape != x.shape or not np.allclose(got_big, want_big, rtol=1e-9, atol=0):
            return hint(
                f"Right for h = {h:g}, but not for h = {big:g}: use the h your function is "
                "given, both for the step and in the division by 2h."
            )
        return correct(
            f"Relative error {err:.0e} against the exact gradient, with 2·d = 6 evaluations of f."
        )
    forward = np.array([(_cubic(x + h * e) - _cubic(x)) / h for e in eye])
    if np.allclose(g, forward, rtol=1e-9, atol=0):
        return hint(
            "That is the forward difference (f(x + h) − f(x)) / h: its error falls only "
            "like h. Step both ways: (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)."
        )
    backward = np.array([(_cubic(x) - _cubic(x - h * e)) / h for e in eye])
    if np.allclose(g, backward, rtol=1e-9, atol=0):
        return hint(
            "That is the backward difference (f(x) − f(x − h)) / h: like the forward one, "
            "its error falls only like h. Step both ways: (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)."
        )
    if np.allclose(g, 2 * want, rtol=1e-7):
        return hint("Twice the gradient: the two points are 2h apart, so divide by 2h, not h.")
    if np.allclose(g, np.full(x.size, want.sum()), rtol=1e-7):
        return hint(
            "Every entry is the same: move one coordinate at a time, "
            "x + h·eᵢ with eᵢ the i-th unit vector."
        )
    if np.allclose(g, want * h**2, rtol=1e-6):
        return hint(
            "Your result is h² times the gradient: a / 2 * h means (a / 2) · h. "
            "Divide by (2 * h), with the brackets."
        )
    if np.allclose(g, -want, rtol=1e-7):
        return hint("The sign is flipped: it is f(x + h·eᵢ) − f(x − h·eᵢ), in that order.")
    return hint(
        f"Relative error {err:.1e} against the exact gradient. Entry i should be "
        "(f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)."
    )


@checker
def check_directional(slope) -> Feedback:
    """Exercise 4: the slope of x₁² + 2x₂² at (1, 2) in the direction of the vector (3, 4)."""
    try:
        value = float(np.asarray(slope, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return hint("slope should be a single number.")
    grad = np.array([2.0, 8.0])
    v = np.array([3.0, 4.0])
    want = grad @ v / np.linalg.norm(v)
    if agrees(value, want):
        return correct(
            f"∇f·u = (2, 8)·(0.6, 0.8) = {want:g}, below ‖∇f‖ = "
            f"{np.linalg.norm(grad):.4g}: u is not quite the gradient's direction."
        )
    if agrees(value, grad @ v):
        return hint(
            "The direction (3, 4) has length 5: divide it by 5 to get the unit vector u "
            "before taking the dot product."
        )
    if agrees(value, np.linalg.norm(grad)):
        return hint(
            "‖∇f‖ is the slope along the gradient itself, the steepest one. Along "
            "(3, 4) the slope is ∇f·u."
        )
    if agrees(value, -want):
        return hint("The sign: f rises in this direction, since ∇f·u > 0.")
    if agrees(value, np.array([2.0, 4.0]) @ v / 5):
        return hint("∂f/∂x₂ of 2x₂² is 4x₂ = 8 at x₂ = 2, not 2x₂.")
    if rounded(value, want):
        return hint(ROUNDED)
    return hint("Take ∇f = (2x₁, 4x₂) at (1, 2), the unit vector u = (3, 4)/5, and ∇f·u.")
