"""helpers.optim against torch.optim in float64: whole trajectories on a random quadratic."""

import functools
import warnings

import numpy as np
import pytest
import torch

from helpers.optim import SGD, Adagrad, Adam, AdamW, RMSprop

TOL = 1e-12
STEPS = 250
D = 7

_rng = np.random.default_rng(20240611)
_M = _rng.standard_normal((D, D))
A = _M @ _M.T / D + 0.1 * np.eye(D)  # symmetric positive definite
B = _rng.standard_normal(D)
X0 = _rng.standard_normal(D)
A_T, B_T = torch.tensor(A), torch.tensor(B)

OURS = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}

# (optimizer, keyword arguments). torch's CPU kernels fuse some multiply-adds (FMA),
# numpy cannot, so single steps differ by up to one unit in the last place (see
# test_single_steps_agree_to_the_last_bits). Whole trajectories agree to 1e-12 only
# where the dynamics do not amplify such differences: RMSprop with a tiny eps, or
# Adam with a small beta1, bounces chaotically around the minimum, and there a
# 1e-16 difference grows to 1e-2 within 200 steps. The settings below were checked
# to stay below 1e-13 on 60 random problems.
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.2}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True}),
    ("Adagrad", {"lr": 0.5}),
    ("Adagrad", {"lr": 0.5, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.5, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.5, "eps": 1e-3}),
    ("RMSprop", {"lr": 0.01, "eps": 0.1}),
    ("RMSprop", {"lr": 0.003, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True, "eps": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "eps": 0.1}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "eps": 0.1}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.95, "eps": 1e-2}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "betas": (0.95, 0.9999)}),
    ("Adam", {"lr": 0.05, "eps": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.1, "betas": (0.95, 0.995)}),
]


def grad(x):
    """Gradient of f(x) = ½xᵀAx − bᵀx, for one point or a batch of rows."""
    return np.stack([A @ row - B for row in np.atleast_2d(x)]).reshape(np.shape(x))


def run_ours(opt, steps=STEPS, x0=X0, lrs=None):
    x, path = np.array(x0), [np.array(x0)]
    for k in range(steps):
        if lrs is not None:
            opt.lr = lrs[k]
        x = opt.step(x, grad(x))
        path.append(x)
    return np.array(path)


def run_torch(name, kwargs, steps=STEPS, lrs=None, x0=X0):
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    path = [np.array(x0)]
    for k in range(steps):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[k]
        with torch.no_grad():
            p.grad = A_T @ p - B_T
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def case_id(case):
    name, kwargs = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kwargs = case
    ours = run_ours(OURS[name](**kwargs))
    theirs = run_torch(name, kwargs)
    assert ours.shape == theirs.shape == (STEPS + 1, D)
    assert np.abs(ours[-1] - X0).max() > 0.1  # the run went somewhere
    assert np.abs(ours - theirs).max() <= TOL


CHAOTIC = [
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.9)}),
]


@pytest.mark.parametrize("case", CASES + CHAOTIC, ids=[case_id(c) for c in CASES + CHAOTIC])
def test_single_steps_agree_to_the_last_bits(case):
    """From torch's own state and point, each of our steps lands within 2 ulp of torch's."""
    name, kwargs = case
    ours = OURS[name](**kwargs)
    p = torch.tensor(X0, requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    x = X0.copy()
    for _ in range(100):
        g = grad(x)
        with torch.no_grad():
            p.copy_(torch.from_numpy(x))
            p.grad = torch.from_numpy(g)
        theirs.step()
        x_torch = p.detach().numpy().copy()
        x_ours = ours.step(x, g)
        assert np.abs(x_ours - x_torch).max() <= 2 * np.finfo(float).eps * np.abs(x_torch).max()
        torch_state = {k: v.numpy() for k, v in theirs.state[p].items() if k != "step"}
        assert set(torch_state) == set(ours.state)
        for key, value in torch_state.items():
            ours.state[key][...] = value
        x = x_torch


# Hyperparameters that are powers of two (or whose products below are exact) make
# torch's fused multiply-adds round exactly like numpy's separate ones, on gradients
# that are multiples of 1/8. What is left of the differences comes from torch's sqrt
# (MKL's, not always correctly rounded), so at least 90% of the steps must be
# bit-identical, and all of them for SGD, which has no square root.
DYADIC = [
    ("SGD", {"lr": 0.125}),
    ("SGD", {"lr": 0.125, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.0625}),
    ("SGD", {"lr": 0.25, "momentum": 0.5, "nesterov": True, "weight_decay": 0.125}),
    ("Adagrad", {"lr": 0.25, "lr_decay": 0.1, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.25, "initial_accumulator_value": 0.3}),
    ("RMSprop", {"lr": 0.125, "alpha": 0.75}),
    ("RMSprop", {"lr": 0.125, "alpha": 0.875, "momentum": 0.3, "eps": 1e-3}),
    ("RMSprop", {"lr": 0.125, "alpha": 0.75, "centered": True}),
    ("Adam", {"lr": 0.125, "betas": (0.75, 0.5)}),
    ("Adam", {"lr": 0.1, "betas": (0.75, 0.875), "amsgrad": True, "eps": 1e-3}),
    ("AdamW", {"lr": 0.125, "betas": (0.5, 0.75), "weight_decay": 0.1}),
]


@pytest.mark.parametrize("case", DYADIC, ids=[case_id(c) for c in DYADIC])
def test_steps_are_bit_identical_where_torch_rounds_like_numpy(case):
    name, kwargs = case
    rng = np.random.default_rng(0)
    ours = OURS[name](**kwargs)
    x = rng.integers(-32, 33, D) / 8
    p = torch.tensor(x, requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    identical = 0
    for _ in range(STEPS):
        g = rng.integers(-32, 33, D) / 8
        with torch.no_grad():
            p.copy_(torch.from_numpy(x))
            p.grad = torch.from_numpy(g)
        theirs.step()
        x_torch, x_ours = p.detach().numpy().copy(), ours.step(x, g)
        torch_state = {k: v.numpy() for k, v in theirs.state[p].items() if k != "step"}
        identical += np.array_equal(x_ours, x_torch) and all(
            np.array_equal(ours.state[k], v) for k, v in torch_state.items()
        )
        for key, value in torch_state.items():
            ours.state[key][...] = value
        x = x_torch
    if name == "SGD":  # no square root: always bit-identical
        assert identical == STEPS
    assert identical >= 0.9 * STEPS


@pytest.mark.parametrize("case", CASES[::3], ids=[case_id(c) for c in CASES[::3]])
def test_changing_lr_between_steps_matches_torch(case):
    name, kwargs = case
    lrs = kwargs["lr"] * (1.0 + 0.5 * np.sin(np.arange(STEPS) / 7.0))
    ours = run_ours(OURS[name](**kwargs), lrs=lrs)
    theirs = run_torch(name, kwargs, lrs=lrs)
    assert np.abs(ours - run_ours(OURS[name](**kwargs))).max() > 1e-6  # the lr change mattered
    assert np.abs(ours - theirs).max() <= TOL


def test_changing_momentum_and_betas_between_steps_matches_torch():
    for name, kwargs, key in [
        ("SGD", {"lr": 0.05, "momentum": 0.9}, "momentum"),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5}, "momentum"),
        ("Adam", {"lr": 0.05}, "betas"),
    ]:
        ours_opt = OURS[name](**kwargs)
        p = torch.tensor(X0, requires_grad=True)
        torch_opt = getattr(torch.optim, name)([p], foreach=False, **kwargs)
        x = X0.copy()
        worst = 0.0
        for k in range(100):
            value = 0.5 + 0.4 * np.cos(k / 5.0)
            new = (value, 0.999) if key == "betas" else value
            setattr(ours_opt, key, new)
            torch_opt.param_groups[0][key] = new
            x = ours_opt.step(x, grad(x))
            with torch.no_grad():
                p.grad = A_T @ p - B_T
            torch_opt.step()
            worst = max(worst, np.abs(x - p.detach().numpy()).max())
        assert worst <= TOL, name


@pytest.mark.parametrize("name", OURS)
def test_array_lr_runs_like_separate_scalar_runs(name):
    lrs = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
    x0 = np.random.default_rng(1).standard_normal((5, D))
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    batch = run_ours(OURS[name](lr=lrs[:, None], **kwargs), steps=60, x0=x0)
    assert batch.shape == (61, 5, D)
    for i, lr in enumerate(lrs):
        single = run_ours(OURS[name](lr=lr, **kwargs), steps=60, x0=x0[i])
        np.testing.assert_array_equal(batch[:, i], single)


@pytest.mark.parametrize("name", OURS)
def test_maximize_matches_torch(name):
    kwargs = next(k for n, k in CASES if n == name)
    ours, x = OURS[name](**kwargs, maximize=True), X0.copy()
    p = torch.tensor(X0.copy(), requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, maximize=True, **kwargs)
    for _ in range(STEPS):
        x = ours.step(x, -grad(x))
        with torch.no_grad():
            p.grad = torch.tensor(-grad(p.detach().numpy()))
        theirs.step()
    assert np.abs(x - p.detach().numpy()).max() <= TOL
    with pytest.raises(ValueError, match="maximize must be True or False"):
        OURS[name](maximize="yes")


@pytest.mark.parametrize("dampening", [0.0, 0.5])
def test_array_momentum_with_zeros_runs_like_separate_scalar_runs(dampening):
    """An entry with momentum 0 is plain SGD, as in torch, whatever the dampening."""
    momenta = np.array([0.0, 0.5, 0.9])
    x0 = np.random.default_rng(2).standard_normal((3, D))
    kwargs = {"lr": 0.05, "dampening": dampening, "weight_decay": 0.01}
    make = functools.partial(SGD, **kwargs)
    batch = run_ours(make(momentum=momenta[:, None]), steps=40, x0=x0)
    for i, momentum in enumerate(momenta):
        single = run_ours(make(momentum=float(momentum)), steps=40, x0=x0[i])
        np.testing.assert_array_equal(batch[:, i], single)
        theirs = run_torch("SGD", {**kwargs, "momentum": float(momentum)}, steps=40, x0=x0[i])
        assert np.abs(batch[:, i] - theirs).max() <= TOL


def test_array_lr_broadcasts_a_single_point_to_a_batch():
    opt = Adam(lr=np.array([[0.1], [0.2], [0.3]]))
    x = opt.step(np.ones(2), np.ones(2))
    assert x.shape == (3, 2)
    assert opt.state["exp_avg"].shape == (3, 2)
    np.testing.assert_allclose(x[:, 0], 1 - np.array([0.1, 0.2, 0.3]), rtol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_reset_gives_a_fresh_optimizer(case):
    name, kwargs = case
    opt = OURS[name](**kwargs)
    run_ours(opt, steps=30)
    assert opt.t == 30
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    np.testing.assert_array_equal(run_ours(opt, steps=40), run_ours(OURS[name](**kwargs), 40))


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_step_leaves_its_inputs_alone_and_returns_a_new_array(case):
    name, kwargs = case
    assert_steps_leave_inputs_alone(OURS[name](**kwargs), X0, grad(X0))


def assert_steps_leave_inputs_alone(opt, x0, g0, steps=3):
    """``steps`` steps from copies of x0 and g0 leave both as they were, and each returns a new
    float64 array that shares memory with neither of them nor with any state buffer."""
    x, g = x0.copy(), g0.copy()
    for _ in range(steps):
        x_new = opt.step(x, g)
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(g, g0)
        assert isinstance(x_new, np.ndarray) and x_new.dtype == np.float64
        assert not any(np.shares_memory(x_new, a) for a in [x, g, *opt.state.values()])


def test_scalar_and_integer_points():
    x = SGD(lr=0.1).step(3, 2)
    assert isinstance(x, np.ndarray) and x.shape == () and x == pytest.approx(2.8)
    assert Adam(lr=0.1).step([1, 2], [1, -1]).tolist() == pytest.approx([0.9, 2.1])


def test_defaults_are_torchs():
    p = [torch.zeros(1, requires_grad=True)]
    for name, cls in OURS.items():
        theirs = getattr(torch.optim, name)(p).defaults
        ours = cls()
        keys = set(theirs) - {"maximize", "foreach", "differentiable", "fused", "capturable"}
        for key in keys:
            assert getattr(ours, key) == theirs[key], (name, key)
    assert SGD().lr == 1e-3


def test_repr():
    assert repr(Adam(lr=0.1)) == (
        "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False)"
    )
    assert repr(SGD(lr=0.1, momentum=0.9, nesterov=True)) == (
        "SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=True)"
    )
    assert repr(AdamW()).startswith(
        "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01"
    )
    assert "lr=array(shape=(100, 1))" in repr(RMSprop(lr=np.full((100, 1), 0.1)))
    assert "Adagrad(lr=0.01, lr_decay=0" in repr(Adagrad())
    for cls in OURS.values():  # the keyword-only flags appear when they are set
        assert repr(cls(maximize=True)).endswith("maximize=True)") and "maxim" not in repr(cls())
    assert repr(Adam(decoupled_weight_decay=True)).endswith("decoupled_weight_decay=True)")
    assert "decoupled" not in repr(Adam()) + repr(AdamW())


def test_base_lr_and_initial_lr():
    opt = SGD(lr=0.1)
    opt.lr = 0.5
    assert opt.base_lr == 0.1 and opt.lr == 0.5 and opt.initial_lr is None


BAD_ARGS = [
    (lambda: SGD(lr=0), "lr"),
    (lambda: SGD(lr=-0.1), "lr"),
    (lambda: SGD(lr=np.inf), "lr"),
    (lambda: SGD(lr=np.nan), "lr"),
    (lambda: SGD(lr=np.array([0.1, -0.1])), "lr"),
    (lambda: SGD(lr="fast"), "lr"),
    (lambda: SGD(lr=0.1, momentum=-0.5), "momentum"),
    (lambda: SGD(lr=0.1, dampening=-1), "dampening"),
    (lambda: SGD(lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda: SGD(lr=0.1, nesterov=True), "nesterov"),
    (lambda: SGD(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda: Adagrad(lr_decay=-1), "lr_decay"),
    (lambda: Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda: Adagrad(eps=0), "eps"),
    (lambda: Adagrad(weight_decay=-0.1), "weight_decay"),
    (lambda: RMSprop(alpha=1.0), "alpha"),
    (lambda: RMSprop(alpha=-0.1), "alpha"),
    (lambda: RMSprop(eps=-1e-8), "eps"),
    (lambda: RMSprop(momentum=-0.1), "momentum"),
    (lambda: Adam(betas=(1.0, 0.999)), "betas"),
    (lambda: Adam(betas=(0.9, -0.1)), "betas"),
    (lambda: Adam(betas=0.9), "betas"),
    (lambda: Adam(eps=0.0), "eps"),
    (lambda: AdamW(weight_decay=-0.01), "weight_decay"),
    (lambda: Adam(amsgrad="yes"), "amsgrad"),
    (lambda: Adam(decoupled_weight_decay=1), "decoupled_weight_decay"),
    (lambda: RMSprop(centered=None), "centered"),
]


@pytest.mark.parametrize("make, name", BAD_ARGS)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_bad_values_set_later_raise():
    opt = SGD(lr=0.1, momentum=0.9)
    for value in (-0.1, np.nan, np.inf, np.array([0.1, -1.0])):
        with pytest.raises(ValueError, match="lr"):
            opt.lr = value
    with pytest.raises(ValueError, match="momentum"):
        opt.momentum = -0.9
    adam = Adam()
    with pytest.raises(ValueError, match="betas"):
        adam.betas = (0.9, 1.5)
    assert opt.lr == 0.1 and opt.momentum == 0.9 and adam.betas == (0.9, 0.999)
    opt.lr = 0.0  # schedulers reach 0 (cosine annealing to eta_min=0), as in torch
    np.testing.assert_array_equal(SGD(lr=0.1).step(np.ones(2), np.ones(2)), [0.9, 0.9])


@pytest.mark.parametrize("cls", OURS.values())
def test_step_rejects_nan_and_wrong_shapes(cls):
    opt = cls(lr=0.1)
    with pytest.raises(ValueError, match="x"):
        opt.step(np.array([1.0, np.nan]), np.ones(2))
    with pytest.raises(ValueError, match="grad"):
        opt.step(np.ones(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"grad.*\(3,\)"):
        opt.step(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="x"):
        opt.step(["a", "b"], np.ones(2))
    assert opt.t == 0  # nothing was counted
    opt.step(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.ones(3), np.ones(3))
    opt.lr = np.full((4, 1), 0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.step(np.ones(2), np.ones(2))


def run_until_overflow(opt, x, grad, steps=50):
    """Step ``opt`` from x with gradient grad(x) until x is not finite, ``steps`` at most. The
    caller makes warnings errors around it: a diverging run must overflow quietly."""
    for _ in range(steps):
        with np.errstate(over="ignore"):  # the test's own gradient may overflow, not the step
            g = grad(x)
        x = opt.step(x, g)
        if not np.isfinite(x).all():
            break
    return x


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_divergence_overflows_without_warnings_or_errors(case):
    name, kwargs = case
    opt = OURS[name](**{**kwargs, "lr": 1e200})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = run_until_overflow(opt, np.array([1.0, -2.0]), lambda x: 2.0 * x)
        # adaptive methods divide by the overflowed √v and stop moving; SGD's x overflows
        overflowed = [x, *opt.state.values()]
        assert not all(np.isfinite(a).all() for a in overflowed)
        # infinite input is accepted too (only NaN is refused)
        OURS[name](lr=0.1).step(np.array([np.inf, 1.0]), np.array([1.0, -np.inf]))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_divergence_reaches_inf(momentum):
    opt = SGD(lr=10.0, momentum=momentum)
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(400):
            with np.errstate(over="ignore"):
                g = 2.0 * x
            x = opt.step(x, g)
            if not np.isfinite(x).all():
                break
    assert np.isinf(x).any()


def test_a_refused_step_changes_nothing():
    opt = SGD(lr=0.1, momentum=0.9)
    x = opt.step(X0, grad(X0))
    before = opt.state_dict()
    for bad_x, bad_g, message in [
        (np.where(np.arange(D) == D - 1, np.nan, x), grad(x), "x must not contain NaN"),
        (x, np.where(np.arange(D) == D - 1, np.nan, grad(x)), "grad must not contain NaN"),
        (x[:3], grad(x)[:3], "reset"),
    ]:
        with pytest.raises(ValueError, match=message):
            opt.step(bad_x, bad_g)
    after = opt.state_dict()
    assert after["t"] == before["t"] == 1 and after["_shape"] == (D,)
    np.testing.assert_array_equal(after["state"]["momentum_buffer"], grad(X0))


# A larger elementwise problem, f(x) = ½Σ cᵢxᵢ² − bᵢxᵢ, with curvatures over a wide range.
BIG = 2 * 2**17 + 1234
_big_rng = np.random.default_rng(7)
CURV = _big_rng.uniform(0.1, 2.0, BIG)
LIN = _big_rng.standard_normal(BIG)
BIG_X0 = _big_rng.standard_normal(BIG)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_large_run_matches_torch(case):
    name, kwargs = case
    opt, x = OURS[name](**kwargs), BIG_X0.copy()
    for _ in range(30):
        x = opt.step(x, CURV * x - LIN)
    p = torch.tensor(BIG_X0.copy(), requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    curv, lin = torch.tensor(CURV), torch.tensor(LIN)
    for _ in range(30):
        with torch.no_grad():
            p.grad = curv * p - lin
        theirs.step()
    assert np.abs(x - p.detach().numpy()).max() <= TOL
