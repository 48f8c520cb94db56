"""Numerical gradients by central differences, and the gradient check. Chapter 2."""

from dataclasses import dataclass

import numpy as np

from helpers.validate import finite_array, positive

# A central difference errs by about h² (truncation) + ε/h (round-off): least at h = ε^(1/3).
DEFAULT_H = float(np.finfo(np.float64).eps ** (1 / 3))


def numerical_grad(f, x, h: float = DEFAULT_H) -> np.ndarray:
    """∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h) for every coordinate of ``x`` (any shape)."""
    if not callable(f):
        raise ValueError(f"f must be a function of x returning a number, got {f!r}")
    x, h = finite_array("x", x), positive("h", h)
    g = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        g[i] = (float(f(x + step)) - float(f(x - step))) / (2 * h)
    return g


def relative_error(a, b) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 when equal, 1 when one of them is 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


@dataclass(frozen=True)
class GradCheck:
    passed: bool
    rel_error: float
    tol: float
    analytic: np.ndarray
    numerical: np.ndarray

    def __repr__(self) -> str:
        verdict, error = "passed" if self.passed else "FAILED", self.rel_error
        return f"GradCheck({verdict}: relative error {error:.1e}, tolerance {self.tol:.0e})"


def grad_check(f, grad, x, h: float = DEFAULT_H, tol: float = 1e-6) -> GradCheck:
    """The relative error of ``grad`` (a function of x, or an array) against the central
    difference at ``x``; it passes at ``tol`` or less. Above 1e-2 is a bug (chapter 2)."""
    x, tol = finite_array("x", x), positive("tol", tol)
    analytic = finite_array("grad", grad(x.copy()) if callable(grad) else grad)
    if analytic.shape != x.shape:
        raise ValueError(f"grad must have the shape of x, {x.shape}, got {analytic.shape}")
    numerical = numerical_grad(f, x, h)
    error = relative_error(analytic, numerical)
    return GradCheck(error <= tol, error, tol, analytic, numerical)
