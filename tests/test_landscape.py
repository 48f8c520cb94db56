"""Chapter 8's landscape tools, measured: the sharpness by power iteration against eigenvalues
known by construction or from a dense Hessian, and filter-normalised directions.

Power iteration stops at a residual ‖Hv − λv‖ ≤ tol·|λ|; λ is then within ‖Hv − λv‖²/gap of
the eigenvalue, gap its distance to the next. With the default tol = 1e-6 and gaps of at least
a tenth of λ_max that is 1e-12·λ_max²/gap ≤ 1e-11·λ_max: the tolerances below leave a factor 10.
"""

import numpy as np
import pytest
import torch

from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.network import MLP
from helpers.optim import SGD
from helpers.theory import filter_normalised_direction, sharpness


def hessian_vector(grad, x, eps=1e-5):
    """H·v by central differences of the gradient, for ‖v‖ = 1, as sharpness's docstring says."""
    return lambda v: (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)


def symmetric(eigenvalues, seed):
    """Q diag(λ) Qᵀ with Q a random rotation from ``seed``."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


@pytest.mark.parametrize("seed", range(8))
def test_sharpness_of_a_quadratic_is_its_largest_eigenvalue(seed):
    rng = np.random.default_rng(100 + seed)
    d = int(rng.integers(2, 40))
    rest = rng.uniform(-1.0, 1.0, d - 1) * rng.uniform(0.1, 50.0)  # some negative, all below:
    top = np.abs(rest).max() * rng.uniform(1.1, 3.0)  # the top is the largest |λ|, gap ≥ 1/11 of it
    A = symmetric(np.r_[rest, top], seed)
    assert sharpness(lambda v: A @ v, d) == pytest.approx(top, rel=1e-10)


@pytest.mark.parametrize(
    "eigenvalues",
    [
        [-50.0, -3.0, 0.5, 2.0, 7.0],  # the largest |λ| is negative: a second, shifted run
        [3.0, -3.0, 1.0, -1.0, 0.2],  # λ_min = −λ_max: the first run never settles
        [3.0, -2.999, 1.0, -1.0],  # almost so: the first settles too slowly
        [-5.0, -2.0, -1.0],  # all negative: λ_max < 0
        [0.0, 0.0, 0.0],
    ],
)
def test_sharpness_is_the_largest_eigenvalue_not_the_largest_in_size(eigenvalues):
    A = symmetric(eigenvalues, seed=3)
    lam = max(eigenvalues)
    assert sharpness(lambda v: A @ v, len(eigenvalues)) == pytest.approx(lam, rel=1e-9, abs=1e-12)


def test_sharpness_is_nan_when_power_iteration_does_not_settle_and_seeded():
    A = symmetric([1.0, 0.999, 0.5], seed=0)
    assert np.isnan(sharpness(lambda v: A @ v, 3, iters=5))
    B = symmetric(np.linspace(-2.0, 4.0, 20), seed=1)
    runs = [sharpness(lambda v: B @ v, 20, tol=1e-3, seed=s) for s in (0, 0, 1)]
    assert runs[0] == runs[1] != runs[2]  # the start vector is seeded
    assert abs(runs[0] - 4.0) <= (1e-3 * 4.0) ** 2 / (6 / 19)  # the bound ‖Hv − λv‖²/gap


@pytest.fixture(scope="module")
def digits_net():
    """Chapter 7's training split, a small tanh network, and a point after 200 SGD steps."""
    X, y = load_digits()
    X_rest, _, y_rest, _ = train_test_split(X, y, test_fraction=0.2, seed=0)
    X_train, _, y_train, _ = train_test_split(X_rest, y_rest, test_fraction=0.2, seed=0)
    net = MLP(X_train, y_train, hidden=4, activation="tanh")
    x0 = net.init_params(np.random.default_rng(0))
    return net, x0, descend(net, SGD(lr=0.4), x0, steps=200, record_points=False).x


def torch_hessian(net, x):
    """The exact Hessian of the network's loss by torch autograd, in float64."""

    def loss(flat):
        p, start = {}, 0
        for name, shape in net.shapes.items():
            p[name] = flat[start : start + int(np.prod(shape))].reshape(shape)
            start += int(np.prod(shape))
        logits = torch.tanh(torch.tensor(net.X) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        return torch.nn.functional.cross_entropy(logits, torch.tensor(net.y))

    return torch.autograd.functional.hessian(loss, torch.tensor(x)).numpy()


@pytest.mark.parametrize("where", ["start", "trained"])
def test_the_documented_hessian_vector_product_matches_torch(digits_net, where):
    net, x0, trained = digits_net
    x = x0 if where == "start" else trained
    H, hvp = torch_hessian(net, x), hessian_vector(net.grad, x)
    rng = np.random.default_rng(1)
    for _ in range(5):
        v = rng.standard_normal(net.size)
        v /= np.linalg.norm(v)
        # measured: 1e-10 relative at eps = 1e-5 (eps² truncation = rounding 1e-16/eps there)
        assert np.linalg.norm(hvp(v) - H @ v) <= 1e-8 * np.linalg.norm(H @ v)


@pytest.mark.parametrize("where", ["start", "trained"])
def test_sharpness_of_the_network_is_the_top_eigenvalue_of_its_dense_hessian(digits_net, where):
    net, x0, trained = digits_net
    x = x0 if where == "start" else trained
    hvp = hessian_vector(net.grad, x)
    H = np.column_stack([hvp(e) for e in np.eye(net.size)])  # column i: H·eᵢ, by differences
    assert np.abs(H - H.T).max() <= 1e-8 * np.abs(H).max()  # differences: symmetric to 1e-10
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    gap = eigenvalues[-1] - eigenvalues[-2]
    assert gap > 0.05 * eigenvalues[-1] and eigenvalues[-1] > -eigenvalues[0]
    # both carry the differences' 1e-10 error, power iteration (1e-6·λ)²/gap ≤ 2e-11·λ more;
    # measured: 5e-10 at the start, 8e-11 after training (and 6e-10, 9e-11 from torch's exact H)
    assert sharpness(hvp, net.size) == pytest.approx(eigenvalues[-1], rel=1e-8)


def test_filter_normalised_direction_has_the_filter_norms_of_x(digits_net):
    net, _, x = digits_net
    d = filter_normalised_direction(x, net.shapes, np.random.default_rng(5))
    parts, of_x = net.unpack(d), net.unpack(x)
    for name in ("W1", "W2"):  # X·W: column j holds the weights into unit j
        np.testing.assert_allclose(
            np.linalg.norm(parts[name], axis=0), np.linalg.norm(of_x[name], axis=0), rtol=1e-14
        )
        assert np.abs(parts[name] / of_x[name]).std() > 0.1  # a direction, not a copy of x
    assert np.all(parts["b1"] == 0) and np.all(parts["b2"] == 0)
    again = filter_normalised_direction(x, net.shapes, np.random.default_rng(5))
    np.testing.assert_array_equal(again, d)
    other = filter_normalised_direction(x, net.shapes, np.random.default_rng(6))
    assert not np.array_equal(other, d)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda x, s, r: filter_normalised_direction(x[:-1], s, r), "shapes"),
        (lambda x, s, r: filter_normalised_direction(x, list(s.values()), r), "shapes"),
        (lambda x, s, r: filter_normalised_direction(x, {**s, "b2": (11,)}, r), "shapes"),
        (lambda x, s, r: filter_normalised_direction(x, {**s, "b3": (1,)}, r), "shapes"),
        (lambda x, s, r: filter_normalised_direction(x[None], s, r), "shapes"),
        (lambda x, s, r: filter_normalised_direction(x * np.nan, s, r), "x"),
        (lambda x, s, r: filter_normalised_direction(x, s, 0), "rng"),
        (lambda x, s, r: sharpness(None, 3), "hvp"),
        (lambda x, s, r: sharpness(lambda v: v, 0), "dim"),
        (lambda x, s, r: sharpness(lambda v: v, 3, iters=0), "iters"),
        (lambda x, s, r: sharpness(lambda v: v, 3, seed=-1), "seed"),
        (lambda x, s, r: sharpness(lambda v: v, 3, tol=0), "tol"),
        (lambda x, s, r: sharpness(lambda v: v * np.nan, 3), "hvp"),
    ],
)
def test_bad_arguments_raise(digits_net, call, name):
    net, x, _ = digits_net
    with pytest.raises(ValueError, match=name):
        call(x, net.shapes, np.random.default_rng(0))
