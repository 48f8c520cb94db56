"""The theory of chapter 3, measured: stability limit, best learning rate and rate, stopping bounds.

Each test runs ``descend`` on a problem whose answer is known in closed form
(a quadratic, the saddle) and compares what the run did with the formula.
Random quadratics come from seeded generators, so failures reproduce.
"""

import numpy as np
import pytest

from helpers.book.lr_range import lr_range_test
from helpers.data import line_data
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import LinearRegression, Quadratic, bowl, ill_conditioned, saddle
from helpers.theory import contraction, gd_rate

SEEDS = range(12)


def random_quadratic(seed, d=None):
    """A quadratic: random eigenvectors, curvatures in [mu, L] (both attained), random centre."""
    rng = np.random.default_rng(seed)
    d = d or int(rng.integers(2, 7))
    mu = float(rng.uniform(0.05, 1.0))
    L = mu * float(rng.uniform(1.5, 40.0))
    inner = rng.uniform(mu, L, d - 2)
    eigenvalues = np.concatenate([[mu, L], inner])
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    H = Q @ np.diag(eigenvalues) @ Q.T
    centre = rng.normal(size=d)
    x0 = centre + rng.normal(size=d) * 3
    return Quadratic(0.5 * (H + H.T), minimiser=centre), Q[:, 0], Q[:, 1], x0


def step_ratios(c):
    """c_{k+1} / c_k for the steps where c_k is well above rounding noise (~1e-16 of |x|)."""
    measurable = np.abs(c[:-1]) > 1e-6
    assert measurable[:5].all()  # at least the first five steps count
    return c[1:][measurable] / c[:-1][measurable]


@pytest.mark.parametrize("seed", SEEDS)
def test_best_lr_contracts_the_worst_directions_by_kappa_minus_one_over_kappa_plus_one(seed):
    q, v_mu, v_L, x0 = random_quadratic(seed)
    kappa = q.L / q.mu
    rho = (kappa - 1) / (kappa + 1)
    run = descend(q, SGD(lr=2 / (q.mu + q.L)), x0, steps=40)
    errors = run.points - q.minimiser
    for v, sign in ((v_mu, 1.0), (v_L, -1.0)):  # the flat side keeps its sign, the steep flips
        np.testing.assert_allclose(step_ratios(errors @ v), sign * rho, rtol=0, atol=1e-9)
    # No direction does worse: the distance never shrinks by less than rho.
    d = np.linalg.norm(errors, axis=1)
    assert np.all(d[1:] <= rho * d[:-1] * (1 + 1e-9))


@pytest.mark.parametrize("seed", SEEDS)
def test_just_above_two_over_L_diverges_and_just_below_converges(seed):
    q, _, v_L, x0 = random_quadratic(seed)
    lrs = 2 / q.L * np.array([[1.01], [0.99]])  # both runs in one call
    runs = descend(q, SGD(lr=lrs), x0, steps=1500)
    assert list(runs.stop_reason) == ["diverged", "max_steps"]
    d = np.linalg.norm(runs.points[:, 1] - q.minimiser, axis=1)
    assert d[-1] < 1e-6 * d[0]
    # Below the limit the steep direction still flips sign every step, shrinking by 0.98.
    c = (runs.points[:50, 1] - q.minimiser) @ v_L
    np.testing.assert_allclose(step_ratios(c), -0.98, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_learning_rate_one_over_L_has_rate_one_minus_one_over_kappa(seed):
    q, v_mu, _, x0 = random_quadratic(seed)
    run = descend(q, SGD(lr=1 / q.L), x0, steps=60)
    c = (run.points - q.minimiser) @ v_mu
    np.testing.assert_allclose(step_ratios(c), 1 - q.mu / q.L, rtol=0, atol=1e-9)


def test_edge_of_stability_on_the_bowl_flips_y_forever():
    run = descend(bowl(), SGD(lr=0.5), [3.0, 4.0], steps=1000)
    assert run.stop_reason == "max_steps"
    np.testing.assert_array_equal(run.points[1:, 0], 0.0)  # 1 − 2·0.5 = 0: x is solved at once
    np.testing.assert_array_equal(run.points[:, 1], 4.0 * (-1.0) ** np.arange(1001))
    assert descend(bowl(), SGD(lr=0.52), [3.0, 4.0], steps=1000).stop_reason == "diverged"


@pytest.mark.parametrize("kappa", [2, 4, 10])
def test_measured_rate_follows_max_of_the_two_factors_and_is_lowest_at_the_best_lr(kappa):
    q = ill_conditioned(kappa)
    best = 2 / (q.mu + q.L)
    lrs = np.linspace(0.05, 1.95, 39)
    lrs = lrs[np.abs(lrs - best) > 0.1 * best]  # near lr* the two factors take long to separate
    run = descend(q, SGD(lr=lrs[:, None]), [-8.0, 3.0], steps=400)
    dist = np.linalg.norm(run.points - q.minimiser, axis=-1)
    measured = np.array([contraction(dist[:, i], last=5) for i in range(len(lrs))])
    np.testing.assert_allclose(measured, gd_rate(lrs, q.L, q.mu), rtol=1e-6)
    assert measured.min() > (kappa - 1) / (kappa + 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_norm_lies_between_mu_and_L_times_the_distance(seed):
    q, _, _, _ = random_quadratic(seed)
    rng = np.random.default_rng(100 + seed)
    x = q.minimiser + rng.normal(size=(50, q.param_shape[0])) * rng.uniform(1e-3, 10, (50, 1))
    g = np.linalg.norm(q.grad(x), axis=1)
    e = np.linalg.norm(x - q.minimiser, axis=1)
    assert np.all(q.mu * e <= g * (1 + 1e-12)) and np.all(g <= q.L * e * (1 + 1e-12))


def test_grad_tol_in_a_flat_valley_stops_within_tol_over_mu_but_not_much_closer():
    q = ill_conditioned(100)
    run = descend(q, SGD(lr=1.0), [10.0, 1.0], steps=2000, grad_tol=1e-2)
    d = np.linalg.norm(run.x - q.minimiser)
    assert run.stop_reason == "grad_norm"
    assert 0.9 * 1e-2 / q.mu < d <= 1e-2 / q.mu


def test_line_fit_sweep_diverges_exactly_above_two_over_L():
    X, y = line_data()
    problem = LinearRegression(X, y)
    lrs = np.geomspace(1e-4, 1.0, 200)
    sweep = descend(problem, SGD(lr=lrs[:, None]), [0.0, 0.0], steps=3000, record_points=False)
    np.testing.assert_array_equal(sweep.diverged, lrs > 2 / problem.L)
    # The least-squares Hessian (2/n)·AᵀA gives L independently of the problem class.
    A = np.hstack([X, np.ones((len(X), 1))])
    assert problem.L == pytest.approx(np.linalg.eigvalsh(2 * A.T @ A / len(X)).max(), rel=1e-12)


def test_range_test_on_the_line_fit_bottoms_out_past_the_edge_and_suggests_below_it():
    X, y = line_data()
    problem = LinearRegression(X, y)
    test = lr_range_test(problem, SGD(lr=1.0), [0.0, 0.0], lr_min=1e-5, lr_max=10.0, steps=100)
    assert test.best_lr > 2 / problem.L > test.suggested_lr


def test_steps_near_the_saddle_grow_like_log_one_over_epsilon():
    lr, radius = 0.1, 0.5
    eps = 10.0 ** -np.arange(2, 13)
    starts = np.stack([np.full_like(eps, 2.0), eps], axis=-1)
    run = descend(saddle(), SGD(lr=lr), starts, steps=300)
    # Exact: x_k = 2(1 − 2lr)^k, y_k = ε(1 + 2lr)^k; count the k with x_k² + y_k² < radius².
    k = np.arange(301)[:, None]
    exact = ((2 * (1 - 2 * lr) ** k) ** 2 + (eps * (1 + 2 * lr) ** k) ** 2 < radius**2).sum(0)
    near = (np.linalg.norm(run.points, axis=-1) < radius).sum(axis=0)
    np.testing.assert_array_equal(near, exact)
    per_decade = np.diff(near)
    assert np.all(np.abs(per_decade - np.log(10) / np.log(1 + 2 * lr)) <= 1)
    stuck = descend(saddle(), SGD(lr=lr), [2.0, 1e-8], steps=300, grad_tol=1e-3)
    assert stuck.stop_reason == "grad_norm" and np.linalg.norm(stuck.x) < 1e-3
