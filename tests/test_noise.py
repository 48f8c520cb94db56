"""Mini-batch gradient noise and the noise floor (chapter 4), against independent computations.

The spread of a mini-batch gradient is checked against exact enumeration of
every batch of a small data set, and against sampling; the noise floor against
the same balance equation written out over every possible batch, and against
long simulations of SGD.
"""

import itertools

import numpy as np
import pytest

from helpers.data import make_regression
from helpers.problems import LinearRegression
from helpers.theory import measured_noise, noise_floor, predicted_noise


def small_problem(n=7, d=1, seed=3):
    X, y, _ = make_regression(n=n, d=d, noise=0.7, seed=seed, b=0.5)
    return LinearRegression(X, y)


def per_example_grads(problem, x):
    """gᵢ = 2·rᵢ·aᵢ written out, independently of LinearRegression.per_example_grads."""
    A = np.hstack([problem.X, np.ones((problem.n, 1))]) if problem.fit_intercept else problem.X
    return 2 * (A @ x - problem.y)[:, None] * A


def test_per_example_gradients_average_to_the_gradient_and_match_one_row_batches():
    problem = small_problem(n=50, d=3)
    x = np.array([0.3, -1.0, 2.0, 0.5])
    G = problem.per_example_grads(x)
    assert G.shape == (50, 4)
    np.testing.assert_allclose(G.mean(axis=0), problem.grad(x), rtol=1e-12, atol=1e-12)
    for i in (0, 17, 49):
        np.testing.assert_allclose(G[i], problem.grad(x, np.array([i])), rtol=1e-12)


def test_per_example_gradients_without_intercept():
    X, y, _ = make_regression(n=20, d=2, seed=1)
    problem = LinearRegression(X, y, fit_intercept=False)
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(problem.per_example_grads(x).mean(axis=0), problem.grad(x))


@pytest.mark.parametrize("B", range(1, 8))
def test_predicted_noise_equals_the_exact_mean_over_every_batch(B):
    problem = small_problem(n=7)
    G = per_example_grads(problem, np.array([1.0, -1.0]))
    full = G.mean(axis=0)
    batches = list(itertools.combinations(range(7), B))
    squares = [np.sum((G[list(b)].mean(axis=0) - full) ** 2) for b in batches]
    assert predicted_noise(G, B) == pytest.approx(np.sqrt(np.mean(squares)), rel=1e-12, abs=1e-15)


def test_predicted_noise_falls_like_one_over_root_b_for_small_batches():
    G = per_example_grads(small_problem(n=100_000), np.zeros(2))
    spread = predicted_noise(G, np.array([1, 4, 16, 64]))
    np.testing.assert_allclose(spread[1:] / spread[:-1], 0.5, rtol=1e-3)


def test_measured_noise_agrees_with_the_prediction_including_large_batches():
    problem = small_problem(n=400, d=3, seed=5)
    G = per_example_grads(problem, np.zeros(4))
    sizes = np.array([1, 10, 100, 200, 201, 350, 399, 400])
    measured = measured_noise(G, sizes, np.random.default_rng(0), batches=4000)
    predicted = predicted_noise(G, sizes)
    assert measured[-1] == pytest.approx(0.0, abs=1e-12)  # B = n: the batch is everything
    np.testing.assert_allclose(measured[:-1], predicted[:-1], rtol=0.04)


def test_noise_helpers_reject_bad_input():
    G = np.ones((5, 2))
    with pytest.raises(ValueError, match="batch_size"):
        predicted_noise(G, 6)
    with pytest.raises(ValueError, match="batch_size"):
        predicted_noise(G, 0.5)
    with pytest.raises(ValueError, match="rng"):
        measured_noise(G, [1], rng=0)
    with pytest.raises(ValueError, match="at most n"):
        measured_noise(G, [6], np.random.default_rng(0))
    with pytest.raises(ValueError, match="shape"):
        small_problem().per_example_grads(np.zeros(3))


def brute_force_floor(problem, lr, B, iterations=20_000):
    """Iterate P ← E[(I − lr·H_b) P (I − lr·H_b)] + lr²·E[ḡ_b ḡ_bᵀ] over every batch b."""
    A = np.hstack([problem.X, np.ones((problem.n, 1))])
    G = per_example_grads(problem, problem.minimiser)
    batches = [list(b) for b in itertools.combinations(range(problem.n), B)]
    Ms = [np.eye(2) - lr * 2 * A[b].T @ A[b] / B for b in batches]
    C = np.mean([np.outer(G[b].mean(axis=0), G[b].mean(axis=0)) for b in batches], axis=0)
    P = np.zeros((2, 2))
    for _ in range(iterations):
        P_next = np.mean([M @ P @ M for M in Ms], axis=0) + lr**2 * C
        if np.abs(P_next).max() > 1e100:
            return np.inf  # the second moment grows without bound
        if np.allclose(P_next, P, rtol=1e-14, atol=1e-300):
            break
        P = P_next
    H = 2 * A.T @ A / problem.n
    return 0.5 * np.sum(H * P)


@pytest.mark.parametrize(
    "lr, B", [(0.05, 1), (0.1, 1), (0.2, 1), (0.2, 3), (0.3, 5), (0.4, 5), (0.1, 7)]
)
def test_noise_floor_solves_the_balance_over_every_batch(lr, B):
    problem = small_problem(n=7)  # 2/L is about 0.42 here
    expected = brute_force_floor(problem, lr, B)
    if expected == np.inf:
        assert noise_floor(problem, lr, B) == np.inf
    else:
        assert noise_floor(problem, lr, B) == pytest.approx(expected, rel=1e-8, abs=1e-15)


def test_noise_floor_is_zero_for_the_full_batch_and_infinite_past_two_over_l():
    problem = small_problem(n=30)
    assert noise_floor(problem, 0.1, 30) == 0.0
    assert noise_floor(problem, 2.0 / problem.L * 1.01, 10) == np.inf


def test_noise_floor_tends_to_lr_trace_over_4b_for_small_learning_rates():
    problem = small_problem(n=300, d=3)
    G = per_example_grads(problem, problem.minimiser)
    trace = np.mean(np.sum(G**2, axis=1))
    for B in (1, 16, 100):
        lr = 1e-6
        simple = lr * trace / (4 * B) * (300 - B) / 299
        assert noise_floor(problem, lr, B) == pytest.approx(simple, rel=1e-4)


def test_noise_floor_takes_an_array_of_learning_rates():
    problem = small_problem(n=7)
    lrs = np.array([[0.05, 0.1], [0.3, 5.0]])
    floors = noise_floor(problem, lrs, 3)
    assert floors.shape == (2, 2) and floors[1, 1] == np.inf
    for idx in [(0, 0), (0, 1), (1, 0)]:
        expected = brute_force_floor(problem, float(lrs[idx]), 3)
        assert floors[idx] == pytest.approx(expected, rel=1e-8, abs=1e-15)


def simulated_floor(problem, lr, B, chains=200, steps=1500, burn=500, seed=0):
    """Mean loss − minimum of many independent SGD chains with a fresh random batch every step."""
    rng = np.random.default_rng(seed)
    A = np.hstack([problem.X, np.ones((problem.n, 1))])
    x = np.tile(problem.minimiser, (chains, 1))
    total = 0.0
    for k in range(steps):
        rows = np.argsort(rng.random((chains, problem.n)), axis=1)[:, :B]  # B distinct rows each
        Ab, yb = A[rows], problem.y[rows]
        residual = np.einsum("cbi,ci->cb", Ab, x) - yb
        x = x - lr * 2 * np.einsum("cb,cbi->ci", residual, Ab) / B
        if k >= burn:
            total += np.mean(problem.loss(x)) - problem.minimum
    return total / (steps - burn)


@pytest.mark.parametrize("lr, B", [(0.1, 1), (0.2, 1), (0.3, 4)])
def test_noise_floor_matches_a_simulation_of_sgd_with_fresh_batches(lr, B):
    problem = small_problem(n=40, d=1, seed=2)
    predicted = noise_floor(problem, lr, B)
    assert np.isfinite(predicted)
    assert simulated_floor(problem, lr, B) == pytest.approx(predicted, rel=0.05)


def test_an_infinite_floor_means_the_simulation_blows_up():
    problem = small_problem(n=40, d=1, seed=2)
    lr = 0.9 * 2 / problem.L  # stable for the full batch ...
    assert noise_floor(problem, lr, 40) == 0.0
    assert noise_floor(problem, lr, 1) == np.inf  # ... but not with one row per step
    with np.errstate(over="ignore", invalid="ignore"):
        late = simulated_floor(problem, lr, 1, chains=200, steps=400, burn=300)
    assert not late < 1e3
