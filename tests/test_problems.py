"""Every problem's analytic gradient against the numerical one, and what each problem claims."""

import numpy as np
import pytest

from helpers.data import line_data, make_regression
from helpers.gradients import grad_check, numerical_grad, relative_error
from helpers.problems import (
    Bumpy,
    LinearRegression,
    Parabola,
    Quadratic,
    Rosenbrock,
    bowl,
    ill_conditioned,
    saddle,
)

X_REG, Y_REG, _ = make_regression(n=200, d=3, noise=0.5, seed=1)

PROBLEMS = {
    "x^2": Parabola(),
    "x^2+2x+1": Parabola(1, 2, 1),
    "bowl": bowl(),
    "saddle": saddle(),
    "kappa=50": ill_conditioned(50, L=2.0, angle_deg=30),
    "quadratic d=5": Quadratic(
        (lambda A: A @ A.T + np.eye(5))(np.random.default_rng(3).standard_normal((5, 5))),
        minimiser=np.arange(5.0),
        minimum=-1.5,
    ),
    "rosenbrock": Rosenbrock(),
    "bumpy": Bumpy(),
    "regression": LinearRegression(X_REG, Y_REG),
    "regression no intercept": LinearRegression(X_REG, Y_REG, fit_intercept=False),
}


@pytest.mark.parametrize("name", PROBLEMS)
def test_analytic_gradient_matches_numerical(name):
    problem = PROBLEMS[name]
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-2, 2, size=problem.param_shape)
        check = grad_check(problem.loss, problem.grad, x)
        assert check.rel_error < 1e-8, (name, check)


@pytest.mark.parametrize("name", PROBLEMS)
def test_batched_evaluation_equals_one_point_at_a_time(name):
    problem = PROBLEMS[name]
    xs = np.random.default_rng(1).uniform(-2, 2, size=(4, 3) + problem.param_shape)
    losses, grads = problem.loss(xs), problem.grad(xs)
    assert losses.shape == (4, 3)
    assert grads.shape == xs.shape
    for i in range(4):
        for j in range(3):
            assert losses[i, j] == pytest.approx(problem.loss(xs[i, j]), rel=1e-13, abs=1e-13)
            np.testing.assert_allclose(grads[i, j], problem.grad(xs[i, j]), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", [n for n in PROBLEMS if n != "saddle"])
def test_minimiser_has_zero_gradient_and_the_stated_minimum(name):
    problem = PROBLEMS[name]
    np.testing.assert_allclose(problem.grad(problem.minimiser), 0, atol=1e-9)
    assert problem.loss(problem.minimiser) == pytest.approx(problem.minimum, abs=1e-12)


@pytest.mark.parametrize("name", [n for n in PROBLEMS if n not in ("rosenbrock", "saddle")])
def test_smoothness_constant_bounds_the_curvature(name):
    # L is the largest curvature |vᵀ H v| / |v|², measured by differences of gradients.
    problem = PROBLEMS[name]
    rng = np.random.default_rng(2)
    x = rng.uniform(-4, 4, size=(2000,) + problem.param_shape)
    v = rng.standard_normal(x.shape)
    h = 1e-4
    dg = (problem.grad(x + h * v) - problem.grad(x - h * v)) / (2 * h)
    flat = (dg * v).reshape(2000, -1).sum(axis=1) / (v * v).reshape(2000, -1).sum(axis=1)
    assert np.abs(flat).max() <= problem.L * (1 + 1e-6)
    assert np.abs(flat).max() >= 0.5 * problem.L  # and L is not a loose bound


def test_known_values():
    assert Parabola().loss(10.0) == 100.0
    assert Parabola().grad(10.0) == 20.0
    assert Parabola(1, 2, 1).minimiser == -1.0 and Parabola(1, 2, 1).minimum == 0.0
    b = bowl()
    assert b.loss([3.0, 4.0]) == 9 + 32
    np.testing.assert_array_equal(b.grad([3.0, 4.0]), [6.0, 16.0])
    assert (b.L, b.mu, b.kappa) == (4.0, 2.0, 2.0)
    assert saddle().minimiser is None and saddle().mu == -2.0
    q = ill_conditioned(100, L=3.0, angle_deg=45)
    assert q.L == pytest.approx(3.0) and q.kappa == pytest.approx(100.0)
    assert Rosenbrock().loss([1.0, 1.0]) == 0.0


def test_bumpy_has_several_local_minima_sorted_by_loss():
    f = Bumpy()
    assert len(f.local_minima) >= 4
    losses = f.loss(f.local_minima)
    assert np.all(np.diff(losses) >= 0)
    # the Hessian agrees with differences of the gradient, and is positive definite there
    h = 1e-5
    numeric = np.stack(
        [
            (f.grad(f.local_minima + h * e) - f.grad(f.local_minima - h * e)) / (2 * h)
            for e in np.eye(2)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(f.hessian(f.local_minima), numeric, rtol=0, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(numeric) > 0)
    np.testing.assert_allclose(f.grad(f.local_minima), 0, atol=1e-12)


def test_regression_fits_y_equals_2x():
    X, y = line_data()
    problem = LinearRegression(X, y)
    np.testing.assert_allclose(problem.minimiser, [2.0, 0.0], atol=1e-12)
    # At w = b = 0 the loss is the mean of y² and df/dw = -(2/n) Σ x y.
    assert problem.loss([0.0, 0.0]) == pytest.approx(np.mean(y**2))
    np.testing.assert_allclose(
        problem.grad([0.0, 0.0]), [-2 * np.mean(X[:, 0] * y), -2 * np.mean(y)]
    )


def test_minibatch_gradient_is_the_gradient_of_those_rows():
    problem = PROBLEMS["regression"]
    rows = np.array([3, 17, 42, 199])
    sub = LinearRegression(X_REG[rows], Y_REG[rows])
    x = np.array([0.1, -0.2, 0.3, 0.4])
    np.testing.assert_allclose(problem.grad(x, rows), sub.grad(x), rtol=1e-14)
    assert problem.loss(x, rows) == pytest.approx(sub.loss(x), rel=1e-14)
    # The mean of the mini-batch gradients over a partition is the full gradient.
    parts = np.array_split(np.arange(200), 4)
    mean = np.mean([problem.grad(x, p) for p in parts], axis=0)
    np.testing.assert_allclose(mean, problem.grad(x), rtol=1e-12)


def test_numerical_gradient_leaves_x_alone_and_catches_a_wrong_gradient():
    x = np.array([1.0, 2.0])
    before = x.copy()
    numerical_grad(bowl().loss, x)
    np.testing.assert_array_equal(x, before)
    wrong = grad_check(bowl().loss, lambda x: x * np.array([2.0, 2.0]), x)
    assert not wrong.passed and wrong.rel_error > 1e-2
    assert "FAILED" in repr(wrong)
    assert grad_check(bowl().loss, bowl().grad, x).passed
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Parabola(a=0), "a must be > 0"),
        (lambda: Parabola(a=float("nan")), "a must not contain NaN"),
        (lambda: Parabola(a=[1.0, 2.0]), "a must be a single number > 0"),
        (lambda: Parabola(b=[]), "b must be a single number"),
        (lambda: Parabola(b=1e200), "must give a finite minimum"),
        (lambda: Rosenbrock(a=1e200), "a must be a number of size below"),
        (lambda: Parabola().loss(float("nan")), "x must not contain NaN"),
        (lambda: bowl().loss([1.0, 2.0, 3.0]), "x must have shape"),
        (lambda: bowl().grad([np.nan, 1.0]), "x must not contain NaN"),
        (lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]]), "hessian must be symmetric"),
        (lambda: Quadratic([1.0, 2.0]), "hessian must be a square matrix"),
        (lambda: ill_conditioned(0.5), "kappa must be >= 1"),
        (lambda: LinearRegression(np.ones((3, 2)), np.ones(4)), "y must have shape"),
        (lambda: PROBLEMS["regression"].grad(np.zeros(4), rows=[500]), "rows must be indices"),
        (lambda: PROBLEMS["regression"].grad(np.zeros(4), rows=[]), "rows must be a non-empty"),
        (lambda: make_regression(n=0), "n must be a whole number"),
        (lambda: make_regression(noise=-1), "noise must be >= 0"),
        (lambda: numerical_grad(bowl().loss, [1.0, 2.0], h=0), "h must be > 0"),
        (lambda: grad_check(bowl().loss, np.zeros(3), [1.0, 2.0]), "grad must have the shape"),
    ],
)
def test_bad_input_raises_a_clear_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_numerical_gradient_needs_a_function():
    with pytest.raises(ValueError, match="f must be a function"):
        numerical_grad("x squared", [1.0])


@pytest.mark.parametrize("name", PROBLEMS)
def test_far_out_the_loss_overflows_without_a_warning(name):
    """pytest turns warnings into errors here, so numpy's overflow warning would fail this."""
    problem = PROBLEMS[name]
    far = np.full(problem.param_shape, 1e200)
    assert not np.isfinite(problem.loss(far))  # inf, or nan where infinities cancel
    problem.grad(far * 1e108)  # near the largest float: overflows in most problems, silently
