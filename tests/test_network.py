"""The networks of chapter 7: loss and gradient against torch autograd and the numerical gradient,
the flat parameter vector, and training through the book's optimizers and descend."""

import warnings

import numpy as np
import pytest

from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.gradients import grad_check
from helpers.network import MLP, SoftmaxRegression, cross_entropy, one_hot, softmax
from helpers.optim import SGD, Adam
from helpers.schedulers import CosineAnnealingLR

torch = pytest.importorskip("torch")


def toy(n=30, d=7, k=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)  # every class present
    return X, y


def make(kind, X, y):
    if kind == "softmax":
        return SoftmaxRegression(X, y)
    return MLP(X, y, hidden=5, activation=kind)


def torch_loss_and_grad(net, x, rows=None):
    """The loss and its gradient by torch autograd, from the model's equations in float64."""
    X, y = (net.X, net.y) if rows is None else (net.X[rows], net.y[rows])
    params = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in net.unpack(x).items()}
    Xt = torch.tensor(X)
    if isinstance(net, SoftmaxRegression):
        logits = Xt @ params["W"] + params["b"]
    else:
        act = torch.relu if net.activation == "relu" else torch.tanh
        logits = act(Xt @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    grad = np.concatenate([params[k].grad.numpy().reshape(-1) for k in net.shapes])
    return loss.item(), grad


@pytest.mark.parametrize("kind", ["softmax", "relu", "tanh"])
@pytest.mark.parametrize("rows", [None, np.array([3, 0, 7, 7, 12])])
def test_loss_and_gradient_match_torch_autograd(kind, rows):
    X, y = toy()
    net = make(kind, X, y)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.standard_normal(net.size)
        want_loss, want_grad = torch_loss_and_grad(net, x, rows)
        assert net.loss(x, rows) == pytest.approx(want_loss, rel=1e-13)
        np.testing.assert_allclose(net.grad(x, rows), want_grad, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("kind", ["softmax", "relu", "tanh"])
def test_gradient_passes_the_numerical_check(kind):
    X, y = toy(seed=2)
    net = make(kind, X, y)
    rng = np.random.default_rng(3)
    x = net.init_params(rng)
    check = grad_check(net.loss, net.grad, x)
    assert check.rel_error < 1e-8, check
    rows = np.array([1, 2, 3, 5, 8])
    check = grad_check(lambda v: net.loss(v, rows), lambda v: net.grad(v, rows), x)
    assert check.rel_error < 1e-8, check


def test_a_broken_backward_pass_fails_the_check():
    X, y = toy()
    net = MLP(X, y, hidden=6)
    x = net.init_params(np.random.default_rng(0))

    def no_relu_mask(v):
        p = net.unpack(v)
        Z1 = X @ p["W1"] + p["b1"]
        H = np.maximum(Z1, 0)
        G2 = (softmax(H @ p["W2"] + p["b2"]) - one_hot(y, 4)) / len(y)
        GH = G2 @ p["W2"].T
        return net.pack(W1=X.T @ GH, b1=GH.sum(0), W2=H.T @ G2, b2=G2.sum(0))

    assert not grad_check(net.loss, no_relu_mask, x).passed


def test_softmax_and_cross_entropy_match_torch_and_never_overflow():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((6, 5)) * 3
    y = rng.integers(0, 5, 6)
    zt = torch.tensor(z)
    np.testing.assert_allclose(softmax(z), torch.softmax(zt, 1).numpy(), rtol=1e-14)
    want = float(torch.nn.functional.cross_entropy(zt, torch.tensor(y)))
    assert cross_entropy(z, y) == pytest.approx(want, rel=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = z + 1e4
        np.testing.assert_allclose(softmax(big), softmax(z), rtol=1e-9)
        assert cross_entropy(big, y) == pytest.approx(cross_entropy(z, y), rel=1e-9)
        assert cross_entropy(-big, y) == pytest.approx(
            float(torch.nn.functional.cross_entropy(-torch.tensor(big), torch.tensor(y))), rel=1e-12
        )
    # all scores equal: every class 1/k, the loss is log k
    assert cross_entropy(np.zeros((3, 10)), [0, 4, 9]) == pytest.approx(np.log(10), rel=1e-15)
    with pytest.raises(ValueError, match="one label per row"):
        cross_entropy(np.zeros(3), [1])


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_unpack_gives_named_views_and_pack_inverts_it():
    X, y = toy()
    net = MLP(X, y, hidden=5)
    assert list(net.shapes) == ["W1", "b1", "W2", "b2"]
    assert net.size == 7 * 5 + 5 + 5 * 4 + 4 == net.param_shape[0]
    x = np.arange(net.size, dtype=float)
    p = net.unpack(x)
    np.testing.assert_array_equal(p["W1"].reshape(-1), np.arange(35))  # row-major, in order
    np.testing.assert_array_equal(p["b2"], np.arange(net.size - 4, net.size))
    p["b1"][0] = -1.0
    assert x[35] == -1.0  # a view: writing to a piece writes x
    np.testing.assert_array_equal(net.pack(**p), x)
    with pytest.raises(ValueError, match="W2 must have shape"):
        net.pack(W1=p["W1"], b1=p["b1"], W2=np.zeros((4, 5)), b2=p["b2"])
    with pytest.raises(ValueError, match="pack needs exactly"):
        net.pack(W1=p["W1"])


@pytest.mark.parametrize("kind", ["softmax", "relu"])
def test_a_batch_of_points_or_a_wrong_shape_is_a_clear_value_error(kind):
    X, y = toy()
    net = make(kind, X, y)
    for bad in (np.zeros((2, net.size)), np.zeros(net.size + 1), 0.0):
        for method in (net.loss, net.grad, net.unpack):
            with pytest.raises(ValueError, match=r"one flat parameter vector of shape \(\d+,\)"):
                method(bad)
    with pytest.raises(ValueError, match="one point at a time"):
        descend(net, SGD(lr=np.array([[0.1], [0.2]])), np.zeros(net.size), steps=1)
    with pytest.raises(ValueError, match="rows must be indices"):
        net.loss(np.zeros(net.size), rows=np.array([0, 30]))
    with pytest.raises(ValueError, match="non-empty 1-D array"):
        net.grad(np.zeros(net.size), rows=np.array([0.5]))
    with pytest.raises(ValueError, match="must be finite"):
        net.loss(np.full(net.size, np.inf))


def test_bad_data_is_a_value_error():
    X, y = toy()
    with pytest.raises(ValueError, match="whole-number labels"):
        MLP(X, y.astype(float))
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        SoftmaxRegression(X, y, n_classes=3)
    with pytest.raises(ValueError, match="2-D array"):
        MLP(X[0], y[:1])
    with pytest.raises(ValueError, match="activation"):
        MLP(X, y, activation="sigmoid")
    net = MLP(X, y, hidden=3)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 7\)"):
        net.predict(np.zeros(net.size), np.zeros((2, 6)))
    with pytest.raises(ValueError, match="one label per row"):
        net.accuracy(np.zeros(net.size), X, y[:-1])


def test_init_params_is_seeded_and_has_the_documented_spread():
    X = np.zeros((4, 64))
    y = np.array([0, 1, 2, 9])
    for activation, gain in (("relu", 2.0), ("tanh", 1.0)):
        net = MLP(X, y, hidden=3000, activation=activation)
        x = net.init_params(np.random.default_rng(5))
        np.testing.assert_array_equal(x, net.init_params(np.random.default_rng(5)))
        p = net.unpack(x)
        assert p["W1"].std() == pytest.approx(np.sqrt(gain / 64), rel=0.01)
        assert p["W2"].std() == pytest.approx(np.sqrt(1 / 3000), rel=0.02)
        assert not p["b1"].any() and not p["b2"].any()
    soft = SoftmaxRegression(np.zeros((3, 400)), np.array([0, 1, 2]), n_classes=30)
    W = soft.unpack(soft.init_params(np.random.default_rng(0)))["W"]
    assert W.shape == (400, 30) and W.std() == pytest.approx(1 / 20, rel=0.03)


def test_predictions_and_accuracy_follow_the_largest_score():
    X, y = toy()
    net = MLP(X, y, hidden=4, activation="tanh")
    x = np.random.default_rng(6).standard_normal(net.size)
    p = net.unpack(x)
    logits = np.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(net.logits(x, X), logits, rtol=1e-14)
    np.testing.assert_array_equal(net.predict(x, X), logits.argmax(1))
    np.testing.assert_allclose(net.predict_proba(x, X).sum(1), 1.0, rtol=1e-14)
    assert net.accuracy(x, X, y) == np.mean(logits.argmax(1) == y)
    # a softmax regression that copies the one-hot inputs is always right
    eye = np.eye(4)
    soft = SoftmaxRegression(eye, np.arange(4))
    w = soft.pack(W=10 * eye, b=np.zeros(4))
    assert soft.accuracy(w, eye, np.arange(4)) == 1.0
    assert soft.accuracy(w, eye, np.array([1, 1, 1, 1])) == 0.25


def test_repr_is_readable():
    X, y = toy()
    assert repr(MLP(X, y, hidden=5)) == (
        "MLP(n=30, d=7, hidden=5, activation='relu', classes=4, size=64)"
    )
    assert repr(SoftmaxRegression(X, y)) == "SoftmaxRegression(n=30, d=7, classes=4, size=32)"


def test_descend_one_epoch_at_a_time_equals_one_call():
    X, y = toy(n=50)
    net = MLP(X, y, hidden=6)
    x0 = net.init_params(np.random.default_rng(0))

    def fresh():
        opt = Adam(lr=0.01)
        return opt, CosineAnnealingLR(opt, T_max=40)

    opt, sched = fresh()
    whole = descend(
        net,
        opt,
        x0,
        epochs=5,
        batch_size=7,
        scheduler=sched,
        rng=np.random.default_rng(9),
        record_points=False,
    )
    opt, sched = fresh()
    rng = np.random.default_rng(9)
    x, losses = x0, []
    for _ in range(5):
        part = descend(
            net, opt, x, epochs=1, batch_size=7, scheduler=sched, rng=rng, record_points=False
        )
        x = part.x
        losses.extend(part.losses[1:])
    np.testing.assert_array_equal(x, whole.x)
    np.testing.assert_array_equal(losses, whole.losses[1:])


def test_the_network_learns_the_digits():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    net = MLP(X_train, y_train, hidden=32)
    rng = np.random.default_rng(0)
    x0 = net.init_params(rng)
    assert net.loss(x0) == pytest.approx(np.log(10), abs=0.3)
    run = descend(net, Adam(lr=0.01), x0, epochs=5, batch_size=64, rng=rng, record_points=False)
    assert run.stop_reason == "max_steps" and run.steps == 5 * 23
    assert run.loss < 0.2
    assert net.accuracy(run.x, X_test, y_test) > 0.93
