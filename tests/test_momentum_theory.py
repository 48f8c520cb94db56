"""The claims of chapter 5, checked against independent computations.

Each test states one claim the chapter makes and checks it by a route that
does not share code with the chapter: eigenvalues of the iteration matrix
instead of runs, hand-written loops instead of ``helpers.optim``, a linear
solve instead of an optimizer.
"""

import numpy as np
import pytest

from helpers.descent import descend
from helpers.optim import SGD, Adam, AdamW
from helpers.problems import ill_conditioned
from helpers.theory import heavy_ball


def spectral_radius(lr, beta, curvatures):
    """Largest |eigenvalue| of the heavy ball's 2×2 iteration matrices, over the curvatures."""
    return max(
        np.abs(np.linalg.eigvals(np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]]))).max()
        for lam in curvatures
    )


@pytest.mark.parametrize("kappa", [4, 10, 100, 1000])
def test_best_heavy_ball_pair_and_its_rate(kappa):
    L, mu = 1.0, 1 / kappa
    s = np.sqrt(kappa)
    lr_star, beta_star, rate_star = heavy_ball(L, mu)
    rate = spectral_radius(lr_star, beta_star, [mu, L])
    assert rate == pytest.approx(rate_star, rel=1e-6)  # a double root: loose tolerance
    # No pair on a fine grid around it does better ...
    lrs = lr_star * np.linspace(0.8, 1.2, 41)
    betas = np.clip(beta_star + np.linspace(-0.1, 0.1, 41), 0, 0.999)
    best = min(spectral_radius(lr, b, [mu, L]) for lr in lrs for b in betas)
    assert best >= rate - 1e-6
    # ... and the momentum equal to the rate (the common mistake) is strictly worse.
    wrong = min(spectral_radius(lr, (s - 1) / (s + 1), [mu, L]) for lr in lrs)
    assert wrong > rate + 1e-3


@pytest.mark.parametrize("kappa", [10, 1000])
def test_measured_rate_of_a_run_matches_the_spectral_radius(kappa):
    valley = ill_conditioned(kappa)
    lr, beta, r = heavy_ball(valley.L, valley.mu)
    run = descend(valley, SGD(lr=lr, momentum=beta), np.ones(2), steps=400)
    d = np.linalg.norm(run.points, axis=-1)
    # Distances fall like k·rᵏ at a double root: d_k / (k·rᵏ) tends to a constant.
    k = np.arange(300, 401)
    scaled = d[k] / (k * r**k)
    assert scaled.max() / scaled.min() < 1.01


def test_polyak_and_pytorch_forms_trace_the_same_path():
    valley = ill_conditioned(30, angle_deg=20)
    lr, beta = 0.7, 0.85
    x, v = np.array([3.0, -2.0]), np.zeros(2)
    path = [x]
    for _ in range(60):
        v = beta * v - lr * valley.grad(x)
        x = x + v
        path.append(x)
    run = descend(valley, SGD(lr=lr, momentum=beta), [3.0, -2.0], steps=60)
    np.testing.assert_allclose(run.points, np.array(path), rtol=0, atol=1e-12)


def test_pytorch_nesterov_points_are_sutskevers_look_ahead_points():
    valley = ill_conditioned(30, angle_deg=20)
    lr, beta = 0.7, 0.85
    x, v = np.array([3.0, -2.0]), np.zeros(2)
    look = [x]
    for _ in range(60):
        v = beta * v - lr * valley.grad(x + beta * v)
        x = x + v
        look.append(x + beta * v)
    run = descend(valley, SGD(lr=lr, momentum=beta, nesterov=True), [3.0, -2.0], steps=60)
    np.testing.assert_allclose(run.points, np.array(look), rtol=0, atol=1e-12)


def test_with_a_steady_gradient_adam_steps_exactly_lr_and_without_correction_more():
    opt, x, steps = Adam(lr=0.01), np.array(0.0), []
    for _ in range(30):
        new = opt.step(x, 1.0)
        steps.append(float(x - new))
        x = new
    np.testing.assert_allclose(steps, 0.01 * (1 - 1e-8), rtol=1e-9)
    k = np.arange(1, 3001)
    raw = (1 - 0.9**k) / np.sqrt(1 - 0.999**k)  # m / √v for a gradient of 1
    assert raw[0] == pytest.approx(np.sqrt(10))
    assert raw.max() > 6.5 and raw.min() > 1


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_adams_first_steps_do_not_depend_on_the_scale_of_the_gradient(scale):
    g = np.array([3.0, -0.2])
    opt, x = Adam(lr=1e-3), np.zeros(2)
    for _ in range(5):
        new = opt.step(x, scale * g)
        np.testing.assert_allclose(np.abs(new - x), 1e-3, rtol=1e-4)  # up to eps = 1e-8
        x = new


def test_adam_l2_ends_at_ridge_and_adamw_decays_every_weight_by_the_same_factor():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3)) * np.array([0.3, 1.0, 3.0])
    y = X @ np.array([1.0, 1.0, 1.0]) + 0.3 * rng.standard_normal(100)
    lam = 0.2
    grad = lambda w: 2 * X.T @ (X @ w - y) / len(y)  # noqa: E731
    opt, w = Adam(lr=0.01, weight_decay=lam), np.zeros(3)
    for _ in range(3000):
        w = opt.step(w, grad(w))
    ridge = np.linalg.solve(2 * X.T @ X / len(y) + lam * np.eye(3), 2 * X.T @ y / len(y))
    np.testing.assert_allclose(w, ridge, atol=1e-7)
    # With no loss gradient, AdamW shrinks every weight by exactly (1 − lr·λ) per step,
    # while Adam's L2 term, divided by √v̂, moves every weight by about lr whatever its size.
    start = np.array([1.0, 10.0, 100.0])
    decoupled, coupled = AdamW(lr=0.01, weight_decay=lam), Adam(lr=0.01, weight_decay=lam)
    a, b = start.copy(), start.copy()
    for _ in range(10):
        a = decoupled.step(a, np.zeros(3))
        b = coupled.step(b, np.zeros(3))
    np.testing.assert_allclose(a / start, (1 - 0.01 * lam) ** 10, rtol=1e-12)
    np.testing.assert_allclose(start - b, 10 * 0.01, rtol=1e-2)
    relative = (start - b) / start
    assert relative[0] > 50 * relative[2]  # not a uniform shrinkage
