"""Numerical gradients and the gradient check.

The central difference

    ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)

has a truncation error of order h² and a round-off error of order ε/h
(ε ≈ 2.2e-16, the float64 machine epsilon); the two balance near
h = ε^(1/3) ≈ 6e-6, the default step. Chapter 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpers.validate import finite_array, positive

DEFAULT_H = float(np.finfo(np.float64).eps ** (1 / 3))


def numerical_grad(f: Callable, x, h: float = DEFAULT_H) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at the point ``x``.

    ``x`` may have any shape; the result has the same shape. ``f`` is called
    twice per coordinate (a gradient by differences costs 2·d evaluations).
    """
    if not callable(f):
        raise ValueError(f"f must be a function of x returning a number, got {f!r}")
    x = finite_array("x", x).copy()  # perturbed in place below; the caller's x is left alone
    h = positive("h", h)
    g = np.empty_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):  # one loop per coordinate: each needs its own two evaluations
        old = flat[i]
        flat[i] = old + h
        up = float(f(x))
        flat[i] = old - h
        down = float(f(x))
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return g


@dataclass(frozen=True)
class GradCheck:
    """The outcome of a gradient check: the relative error and whether it passed."""

    rel_error: float
    tol: float
    analytic: np.ndarray
    numerical: np.ndarray

    @property
    def passed(self) -> bool:
        return self.rel_error <= self.tol

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"GradCheck({verdict}: relative error {self.rel_error:.1e}, tolerance {self.tol:.0e})"
        )


def relative_error(a, b) -> float:
    """‖a − b‖ / max(‖a‖ + ‖b‖, tiny): 0 when equal, 1 when one of them is 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def grad_check(
    f: Callable, grad: Callable | np.ndarray, x, h: float = DEFAULT_H, tol: float = 1e-6
) -> GradCheck:
    """Compare an analytic gradient with the central-difference one at ``x``.

    ``grad`` is a function of x or an already computed gradient array. The
    check passes when the relative error ‖g_analytic − g_numerical‖ /
    (‖g_analytic‖ + ‖g_numerical‖) is at most ``tol``: a correct gradient
    usually gives 1e-8 or less, a wrong one 1e-2 or more. Chapter 2.
    """
    x = finite_array("x", x)
    tol = positive("tol", tol)
    analytic = finite_array("grad", grad(x.copy()) if callable(grad) else grad)
    if analytic.shape != x.shape:
        raise ValueError(f"grad must have the shape of x, {x.shape}, got {analytic.shape}")
    numerical = numerical_grad(f, x, h)
    return GradCheck(relative_error(analytic, numerical), tol, analytic, numerical)
