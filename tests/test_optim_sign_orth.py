"""helpers.optim's Lion, Muon (and newton_schulz) and AdamWScheduleFree against their references
in float64: lion_pytorch.Lion, torch.optim.Muon and schedulefree.AdamWScheduleFree, whole runs
side by side, as tests/test_optim.py does for the torch.optim optimizers.

torch's Muon casts the update to bfloat16 before Newton–Schulz (a speed choice for GPUs). The
``float64_reference`` fixture makes that one cast a float64 copy instead, so that the reference
computes all in float64; everything else is torch's own code. test_torch_muon_really_computes_
in_bfloat16 shows the cast is there and what it costs.
"""

import copy
import inspect
import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.optim._muon as torch_muon
from lion_pytorch import Lion as RefLion
from schedulefree import AdamWScheduleFree as RefScheduleFree
from test_optim import assert_steps_leave_inputs_alone, run_until_overflow

from helpers.optim import AdamWScheduleFree, Lion, Muon, Optimizer, newton_schulz

TOL = 1e-12
STEPS = 150
NS_ABC = (3.4445, -4.7750, 2.0315)  # torch's DEFAULT_A, DEFAULT_B, DEFAULT_C


@pytest.fixture(autouse=True)
def float64_reference(monkeypatch):
    """torch in float64 throughout: default dtype, and Muon's bfloat16 cast made a float64 copy."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    monkeypatch.setattr(torch.Tensor, "bfloat16", lambda self, *args, **kwargs: self.clone())
    yield
    torch.set_default_dtype(default)


# ---- gradient sequences: a quadratic (the gradient at the current point) and random ones ----


def quadratic(shape, seed=0):
    """grad(x) of f(x) = ½⟨x, Hx⟩ − ⟨c, x⟩ for x of ``shape`` (H acts on the first axis)."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((shape[0], shape[0]))
    H = M @ M.T / shape[0] + 0.1 * np.eye(shape[0])
    c = rng.standard_normal(shape)
    return lambda x: np.tensordot(H, x, axes=1) - c


def random_gradients(shape, seed=0):
    """grad(x) that ignores x: a fixed sequence of random gradients, one per call."""
    rng = np.random.default_rng(seed)
    return lambda x: rng.standard_normal(shape)


GRADIENTS = {"quadratic": quadratic, "random": random_gradients}


def run_both(ours, make_reference, grad_kind, shape, steps=STEPS, seed=0, every=None):
    """Run ours and the reference from the same x0 on their own gradients; the largest difference
    over the run, and how far ours went. ``every``: also compare the schedule-free eval points."""
    x0 = np.random.default_rng(seed + 100).standard_normal(shape)
    grad_ours, grad_ref = GRADIENTS[grad_kind](shape, seed), GRADIENTS[grad_kind](shape, seed)
    p = torch.tensor(x0, requires_grad=True)
    reference = make_reference([p])
    if every:
        reference.train()
    x, worst = x0.copy(), 0.0
    for k in range(1, steps + 1):
        x = ours.step(x, grad_ours(x))
        with torch.no_grad():
            p.grad = torch.from_numpy(grad_ref(p.detach().numpy().copy()))
        reference.step()
        assert p.dtype == torch.float64
        worst = max(worst, np.abs(x - p.detach().numpy()).max())
        if every and k % every == 0:  # the round trip a user makes: eval(), look, train()
            reference.eval()
            worst = max(worst, np.abs(ours.eval_point() - p.detach().numpy()).max())
            reference.train()
    return worst, np.abs(x - x0).max()


# ---- Lion ----------------------------------------------------------------------------------

LION_CASES = [
    {"lr": 0.01},
    {"lr": 0.02, "betas": (0.5, 0.9)},
    {"lr": 0.01, "betas": (0.95, 0.98), "weight_decay": 0.3},
    {"lr": 0.02, "betas": (0.0, 0.99), "weight_decay": 0.1},
    {"lr": 0.01, "weight_decay": 1e-3, "decoupled_weight_decay": True},
]


@pytest.mark.parametrize("grad_kind", GRADIENTS)
@pytest.mark.parametrize("shape", [(7,), (3, 4)])
@pytest.mark.parametrize("kwargs", LION_CASES, ids=str)
def test_lion_matches_lion_pytorch(kwargs, shape, grad_kind):
    worst, moved = run_both(Lion(**kwargs), lambda ps: RefLion(ps, **kwargs), grad_kind, shape)
    assert moved > 0.05
    assert worst <= TOL


def test_lion_moves_every_coordinate_by_exactly_lr():
    opt, x = Lion(lr=0.125), np.array([1.0, -2.0, 3.0])
    for g in ([1e-9, -5.0, 0.0], [3.0, 1e-300, 0.0]):
        x_new = opt.step(x, g)
        assert np.abs(x_new - x).tolist() == [0.125, 0.125, 0.0]
        x = x_new


# ---- newton_schulz --------------------------------------------------------------------------

NS_SHAPES = [(6, 3), (3, 6), (5, 5), (1, 7), (7, 1), (20, 9)]


@pytest.mark.parametrize("steps", [0, 1, 5, 10])
@pytest.mark.parametrize("shape", NS_SHAPES, ids=str)
def test_newton_schulz_matches_torch(shape, steps):
    for coefficients in (NS_ABC, (1.5, -0.5, 0.0), (2.0, -1.5, 0.5)):
        G = np.random.default_rng(steps).standard_normal(shape)
        theirs = torch_muon._zeropower_via_newtonschulz(torch.tensor(G), coefficients, steps, 1e-7)
        assert theirs.dtype == torch.float64
        ours = newton_schulz(G, steps, coefficients)
        assert ours.shape == shape
        assert np.abs(ours - theirs.numpy()).max() <= TOL


def test_newton_schulz_of_zero_is_zero_as_in_torch():
    G = np.zeros((3, 4))
    theirs = torch_muon._zeropower_via_newtonschulz(torch.tensor(G), NS_ABC, 5, 1e-7).numpy()
    np.testing.assert_array_equal(newton_schulz(G), theirs)
    np.testing.assert_array_equal(newton_schulz(G), 0.0)


def test_torch_muon_really_computes_in_bfloat16(monkeypatch):
    """Without the fixture's patch torch works in bfloat16 (8 significant bits): its result is
    bfloat16 and differs from the float64 one by about 1e-2, far above TOL."""
    monkeypatch.undo()
    G = np.random.default_rng(0).standard_normal((6, 3))
    theirs = torch_muon._zeropower_via_newtonschulz(torch.tensor(G), NS_ABC, 5, 1e-7)
    assert theirs.dtype == torch.bfloat16
    difference = np.abs(newton_schulz(G) - theirs.double().numpy()).max()
    assert 1e-4 < difference < 0.1


def singular_values(X):
    return np.linalg.svd(X, compute_uv=False)


def matrix_with_singular_values(s, shape, seed=0):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((shape[0], len(s))))[0]
    V = np.linalg.qr(rng.standard_normal((shape[1], len(s))))[0]
    return U @ np.diag(s) @ V.T


@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (6, 6)], ids=str)
def test_newton_schulz_keeps_the_singular_vectors_and_moves_the_values_near_1(shape):
    """O = U·φ(S)·Vᵀ: Uᵀ·O·V is diagonal. Singular values of at least ‖G‖_F/100 end in
    [0.68, 1.14] after 5 steps, as measured (the Muon post says roughly [0.7, 1.2]), and stay in
    that band however many steps: the quintic does not converge to 1."""
    k = min(shape)
    for seed in range(20):
        s = np.exp(np.random.default_rng(seed).uniform(np.log(0.01), 0, k))
        s[0] = 1.0  # the largest; then every σ/‖G‖_F >= 0.01/√k
        s = np.maximum(s, 0.01 * np.linalg.norm(s))
        G = 3.0 * matrix_with_singular_values(s, shape, seed)
        U, _, Vt = np.linalg.svd(G, full_matrices=False)
        O = newton_schulz(G)
        inner = U.T @ O @ Vt.T
        assert np.abs(inner - np.diag(np.diag(inner))).max() < 1e-12
        for steps in (5, 8, 50):
            sv = singular_values(newton_schulz(G, steps))
            assert 0.68 <= sv.min() and sv.max() <= 1.14, (seed, steps, sv)
    # the band is wide: the values really are not all near 1 after 5 steps
    sv = singular_values(
        newton_schulz(matrix_with_singular_values(np.geomspace(0.02, 1, k), shape))
    )
    assert sv.min() < 0.75 and sv.max() > 1.05


def test_the_classic_cubic_newton_schulz_converges_to_1():
    """With (a, b, c) = (1.5, −0.5, 0), each s ↦ (3s − s³)/2: slow, but all values go to 1."""
    G = matrix_with_singular_values(np.geomspace(0.1, 1, 5), (7, 5))
    np.testing.assert_allclose(
        singular_values(newton_schulz(G, 40, (1.5, -0.5, 0.0))), 1, atol=1e-12
    )
    assert singular_values(newton_schulz(G, 5, (1.5, -0.5, 0.0))).min() < 0.6  # 0.57 measured


def test_newton_schulz_on_a_stack_is_each_matrix_on_its_own():
    G = np.random.default_rng(3).standard_normal((4, 5, 3))
    stacked = newton_schulz(G)
    for i in range(4):
        assert np.abs(stacked[i] - newton_schulz(G[i])).max() <= 1e-15


@pytest.mark.parametrize("shape", [(6, 3), (20, 9), (7, 1)], ids=str)
def test_newton_schulz_works_on_a_tall_matrix_as_on_its_transpose(shape):
    """torch's trick: a tall G is orthogonalised as Gᵀ, so that A = X·Xᵀ is the smaller Gram
    matrix. The same result in exact arithmetic, so only bit equality can see it is done."""
    G = np.random.default_rng(12).standard_normal(shape)
    np.testing.assert_array_equal(newton_schulz(G), newton_schulz(G.T).T)


def test_newton_schulz_leaves_its_input_alone():
    G = np.random.default_rng(4).standard_normal((5, 3))
    before = G.copy()
    newton_schulz(G)
    np.testing.assert_array_equal(G, before)


# ---- Muon -----------------------------------------------------------------------------------

MUON_SHAPES = [(6, 3), (3, 6), (4, 4)]  # tall, wide, square
MUON_OPTIONS = [  # (weight_decay, ns_steps, momentum), taken in turn
    (0.0, 5, 0.95),
    (0.1, 5, 0.9),
    (0.02, 3, 0.5),
    (0.1, 7, 0.0),
]
MUON_CASES = [
    {"lr": 0.02, "nesterov": nesterov, "adjust_lr_fn": adjust, "weight_decay": wd,
     "ns_steps": ns_steps, "momentum": momentum}
    for (nesterov, adjust), (wd, ns_steps, momentum) in zip(
        itertools.product([True, False], [None, "original", "match_rms_adamw"]),
        itertools.cycle(MUON_OPTIONS),
    )
]  # fmt: skip


# Muon without momentum on the quadratic is chaotic, like RMSprop with a tiny eps in
# tests/test_optim.py: each step is the orthogonalised gradient of the point before, and
# Newton–Schulz multiplies a small singular value's relative error by up to a = 3.44 per
# iteration. A last-bit difference (torch's matrix products are not numpy's BLAS calls) grows
# from 1e-16 to 1e-2 within 50 steps, so those runs are checked one step at a time below.
TRAJECTORIES = [
    (kwargs, grad_kind)
    for kwargs in MUON_CASES
    for grad_kind in GRADIENTS
    if kwargs["momentum"] > 0 or grad_kind == "random"
]


@pytest.mark.parametrize("shape", MUON_SHAPES, ids=str)
@pytest.mark.parametrize("kwargs, grad_kind", TRAJECTORIES, ids=str)
def test_muon_matches_torch(kwargs, grad_kind, shape):
    reference = lambda ps: torch.optim.Muon(ps, **kwargs)  # noqa: E731
    worst, moved = run_both(Muon(**kwargs), reference, grad_kind, shape)
    assert moved > 0.1
    assert worst <= TOL


@pytest.mark.parametrize("shape", MUON_SHAPES, ids=str)
@pytest.mark.parametrize("kwargs", MUON_CASES, ids=str)
def test_muon_single_steps_agree_to_the_last_bits(kwargs, shape):
    """From torch's own point and momentum buffer, each of our steps on the quadratic lands
    within 16 ulp of max|x| of torch's (12 measured: a square matrix, 7 Newton–Schulz steps)."""
    x, grad = np.random.default_rng(100).standard_normal(shape), quadratic(shape)
    p = torch.tensor(x, requires_grad=True)
    ours, theirs = Muon(**kwargs), torch.optim.Muon([p], **kwargs)
    for _ in range(STEPS):
        g = grad(x)
        with torch.no_grad():
            p.copy_(torch.from_numpy(x))
            p.grad = torch.from_numpy(g)
        theirs.step()
        x_torch, x_ours = p.detach().numpy().copy(), ours.step(x, g)
        assert np.abs(x_ours - x_torch).max() <= 16 * np.finfo(float).eps * np.abs(x_torch).max()
        assert set(ours.state) == set(theirs.state[p]) == {"momentum_buffer"}
        ours.state["momentum_buffer"][...] = theirs.state[p]["momentum_buffer"].numpy()
        x = x_torch


@pytest.mark.parametrize("kwargs", [{}, {"ns_coefficients": (2.0, -1.5, 0.5), "eps": 1e-3}])
def test_muon_defaults_and_other_coefficients_match_torch(kwargs):
    worst, moved = run_both(
        Muon(**kwargs), lambda ps: torch.optim.Muon(ps, **kwargs), "random", (5, 3), steps=200
    )
    assert moved > 0.01 and worst <= TOL


def test_muon_adjusts_the_lr_to_the_shape():
    """One step from b = 0 without weight decay moves x by lr_adj·O: compare the sizes."""
    G = np.random.default_rng(5).standard_normal((8, 2))
    for adjust, ratio in [(None, 2.0), ("original", 2.0), ("match_rms_adamw", 0.2 * np.sqrt(8))]:
        opt = Muon(lr=0.1, weight_decay=0, momentum=0, adjust_lr_fn=adjust)
        step = opt.step(np.zeros((8, 2)), G)
        np.testing.assert_allclose(step, -0.1 * ratio * newton_schulz(G), rtol=1e-14)
        wide = Muon(lr=0.1, weight_decay=0, momentum=0, adjust_lr_fn=adjust)
        wide_step = wide.step(np.zeros((2, 8)), G.T)  # wide: √max(1, 2/8) = 1
        np.testing.assert_allclose(
            wide_step, -0.1 * (1.0 if ratio == 2.0 else ratio) * newton_schulz(G.T)
        )


@pytest.mark.parametrize("x", [np.ones(4), np.ones((2, 3, 4)), 1.0, [[[1.0]]]], ids=str)
def test_muon_refuses_an_x_that_is_not_a_matrix(x):
    opt = Muon()
    with pytest.raises(ValueError, match="x must be 2-D"):
        opt.step(x, np.ones(np.shape(x)))
    assert opt.t == 0 and opt.state == {}
    with pytest.raises(ValueError, match="2D"):  # torch refuses them too
        torch.optim.Muon([torch.ones(np.shape(x), requires_grad=True)])


def test_muon_array_lr_and_momentum_act_entry_by_entry():
    """An array lr or momentum may vary over the matrix (here: constant, so the run is the scalar
    one, bit for bit), but may not make x a stack of matrices."""
    x0, grad = np.random.default_rng(6).standard_normal((4, 3)), quadratic((4, 3))
    for kwargs in [
        {"lr": np.full((4, 1), 0.05), "momentum": 0.9},
        {"lr": 0.05, "momentum": np.full(3, 0.9)},
    ]:
        arrays, scalars, xa, xs = Muon(**kwargs), Muon(lr=0.05, momentum=0.9), x0, x0
        for _ in range(40):
            xa, xs = arrays.step(xa, grad(xa)), scalars.step(xs, grad(xs))
        np.testing.assert_array_equal(xa, xs)
    rows = np.array([[0.0], [0.01], [0.02], [0.03]])
    by_row = Muon(weight_decay=0)
    by_row.lr = rows  # 0 is allowed after construction (a schedule reaches it)
    x = by_row.step(x0, grad(x0))
    np.testing.assert_array_equal(x[0], x0[0])  # the row with lr 0 does not move
    assert np.all(x[1:] != x0[1:])
    opt = Muon(lr=np.full((5, 1, 1), 0.1))
    with pytest.raises(ValueError, match=r"x must be 2-D.*\(5, 1, 1\)"):
        opt.step(x0, grad(x0))
    assert opt.t == 0


# ---- AdamWScheduleFree ----------------------------------------------------------------------

SF_CASES = [
    {"lr": 0.01},
    {"lr": 0.02, "warmup_steps": 10},
    {"lr": 0.02, "warmup_steps": 50, "weight_decay": 0.05},
    {"lr": 0.01, "r": 1.0, "weight_lr_power": 0.0},
    {"lr": 0.05, "betas": (0.5, 0.99), "r": 2.5, "warmup_steps": 20},
    {"lr": 0.01, "betas": (0.95, 0.9999), "weight_lr_power": 1.0, "weight_decay": 0.01},
    {"lr": 0.02, "eps": 1e-3, "r": 0.5, "weight_lr_power": 3.0, "warmup_steps": 5},
]


@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("grad_kind", GRADIENTS)
@pytest.mark.parametrize("shape", [(7,), (3, 4)], ids=str)
@pytest.mark.parametrize("kwargs", SF_CASES, ids=str)
def test_schedule_free_matches_schedulefree_in_train_and_eval_mode(
    kwargs, shape, grad_kind, foreach
):
    """step returns the train-mode parameters (y); every 25 steps the reference is put in eval
    mode, its parameters (x) compared with eval_point(), and put back in train mode."""
    reference = lambda ps: RefScheduleFree(ps, foreach=foreach, **kwargs)  # noqa: E731
    ours = AdamWScheduleFree(**kwargs)
    worst, moved = run_both(ours, reference, grad_kind, shape, every=25)
    assert moved > 0.05
    assert worst <= TOL


def test_schedule_free_is_the_three_point_form_of_its_docstring():
    """z ← z − lr_t·d;  x ← (1 − c)x + c·z;  y ← (1 − β₁)z + β₁x, written out with x kept."""
    lr, (beta1, beta2), eps, lam, warmup, r, power = 0.03, (0.8, 0.99), 1e-8, 0.05, 10, 1.0, 2.0
    opt = AdamWScheduleFree(lr, (beta1, beta2), eps, lam, warmup, r, power)
    grad = quadratic((5,), seed=2)
    y = z = x = np.random.default_rng(7).standard_normal(5)
    v, weight_sum, lr_max = 0.0, 0.0, 0.0
    for t in range(1, 101):
        g = grad(y)
        y_ours = opt.step(y, g)
        lr_t = lr * min(1.0, t / warmup)
        v = beta2 * v + (1 - beta2) * g * g
        d = g / (np.sqrt(v / (1 - beta2**t)) + eps) + lam * y
        lr_max = max(lr_max, lr_t)
        weight_sum += t**r * lr_max**power
        c = t**r * lr_max**power / weight_sum
        z = z - lr_t * d
        x = (1 - c) * x + c * z
        y = (1 - beta1) * z + beta1 * x
        assert np.abs(y_ours - y).max() <= 1e-12 and np.abs(opt.eval_point() - x).max() <= 1e-12
        y = y_ours
    assert np.abs(x - y).max() > 1e-3  # x and y are different points


def test_schedule_free_eval_point():
    opt = AdamWScheduleFree()
    with pytest.raises(ValueError, match="step first"):
        opt.eval_point()
    y = opt.step(np.ones(3), np.arange(3.0))
    x = opt.eval_point()
    assert isinstance(x, np.ndarray) and not np.shares_memory(x, y)
    y[...] = 100.0  # the caller's y is its own: eval_point is unchanged
    np.testing.assert_array_equal(opt.eval_point(), x)
    opt.betas = (0.0, 0.999)  # y = z then, and x cannot be recovered from them
    with pytest.raises(ValueError, match=r"betas\[0\]"):
        opt.eval_point()


@pytest.mark.parametrize("kwargs", [{"lr": 0.1, "weight_lr_power": 400.0}, {"lr": 1e-200}])
def test_schedule_free_with_all_weights_zero_takes_c_0_as_the_package(kwargs):
    """Every w_t = tʳ·lr_max^weight_lr_power underflows to 0 (0.1⁴⁰⁰, (1e-200)²): the package
    catches its ZeroDivisionError and takes c = 0; here too, without a warning."""
    ours, p = AdamWScheduleFree(**kwargs), torch.tensor(np.ones(3), requires_grad=True)
    reference = RefScheduleFree([p], foreach=False, **kwargs)
    reference.train()
    x, grad = np.ones(3), quadratic((3,), seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(50):
            x = ours.step(x, grad(x))
            p.grad = torch.from_numpy(grad(p.detach().numpy().copy()))
            reference.step()
    assert ours.state["weight_sum"] == 0 and reference.param_groups[0]["weight_sum"] == 0
    assert np.abs(x - p.detach().numpy()).max() <= TOL
    if kwargs["lr"] == 0.1:
        assert np.abs(x - 1).max() > 0.1  # c = 0: x stays at the start, y = (1 − β₁)z + β₁x moves


def test_schedule_free_array_lr_runs_like_separate_scalar_runs():
    lrs = np.array([0.005, 0.02, 0.1])
    x0 = np.random.default_rng(8).standard_normal((3, 4))
    grad = quadratic((4,), seed=3)
    batch, xb = AdamWScheduleFree(lr=lrs[:, None], warmup_steps=5, r=1.0), x0
    for _ in range(60):
        xb = batch.step(xb, np.stack([grad(row) for row in xb]))
    for i, lr in enumerate(lrs):
        single, x = AdamWScheduleFree(lr=lr, warmup_steps=5, r=1.0), x0[i]
        for _ in range(60):
            x = single.step(x, grad(x))
        assert np.abs(xb[i] - x).max() <= 1e-15
        assert np.abs(batch.eval_point()[i] - single.eval_point()).max() <= 1e-15


def test_lion_array_lr_runs_like_separate_scalar_runs():
    lrs = np.array([0.001, 0.01, 0.1])
    x0 = np.random.default_rng(9).standard_normal((3, 4))
    grad = quadratic((4,), seed=4)
    batch, xb = Lion(lr=lrs[:, None], weight_decay=0.1), x0
    for _ in range(60):
        xb = batch.step(xb, np.stack([grad(row) for row in xb]))
    for i, lr in enumerate(lrs):
        single, x = Lion(lr=lr, weight_decay=0.1), x0[i]
        for _ in range(60):
            x = single.step(x, grad(x))
        np.testing.assert_array_equal(xb[i], x)


# ---- what every optimizer of helpers.optim does ---------------------------------------------

# (class, keyword arguments, shape of x): one setting of each, run on the quadratic
OURS = [
    (Lion, {"lr": 0.01, "weight_decay": 0.1}, (7,)),
    (Muon, {"lr": 0.02}, (4, 3)),
    (AdamWScheduleFree, {"lr": 0.02, "warmup_steps": 5, "weight_decay": 0.01}, (7,)),
]
IDS = [cls.__name__ for cls, _, _ in OURS]


def run(opt, shape, steps, x=None):
    grad = quadratic(shape, seed=1)
    x = np.random.default_rng(10).standard_normal(shape) if x is None else x
    for _ in range(steps):
        x = opt.step(x, grad(x))
    return x


@pytest.mark.parametrize("cls, kwargs, shape", OURS, ids=IDS)
def test_state_dict_resumes_the_run_exactly(cls, kwargs, shape):
    whole = cls(**kwargs)
    x_whole = run(whole, shape, 60)
    first = cls(**kwargs)
    x = run(first, shape, 30)
    saved = first.state_dict()
    run(first, shape, 5, x)  # the saved state is a copy: this changes nothing in it
    second = cls(lr=0.5)
    second.load_state_dict(saved)
    np.testing.assert_array_equal(run(second, shape, 30, x), x_whole)
    assert second.t == 60 and repr(second) == repr(whole)
    if cls is AdamWScheduleFree:
        np.testing.assert_array_equal(second.eval_point(), whole.eval_point())
    with pytest.raises(ValueError, match="state_dict"):
        cls().load_state_dict({"t": 3})


@pytest.mark.parametrize("cls, kwargs, shape", OURS, ids=IDS)
def test_reset_gives_a_fresh_optimizer(cls, kwargs, shape):
    opt = cls(**kwargs)
    run(opt, shape, 30)
    assert opt.t == 30 and opt.state
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    np.testing.assert_array_equal(run(opt, shape, 40), run(cls(**kwargs), shape, 40))
    if cls is AdamWScheduleFree:
        opt.reset()
        with pytest.raises(ValueError, match="step first"):
            opt.eval_point()


@pytest.mark.parametrize("cls, kwargs, shape", OURS, ids=IDS)
def test_step_leaves_its_inputs_alone_and_returns_a_new_array(cls, kwargs, shape):
    x0 = np.random.default_rng(11).standard_normal(shape)
    assert_steps_leave_inputs_alone(cls(**kwargs), x0, quadratic(shape)(x0))


@pytest.mark.parametrize("cls, kwargs, shape", OURS, ids=IDS)
def test_step_rejects_nan_and_wrong_shapes(cls, kwargs, shape):
    opt, ones = cls(**kwargs), np.ones(shape)
    with pytest.raises(ValueError, match="x must not contain NaN"):
        opt.step(np.where(ones > 0, np.nan, 1.0), ones)
    with pytest.raises(ValueError, match="grad must not contain NaN"):
        opt.step(ones, np.full(shape, np.nan))
    with pytest.raises(ValueError, match="grad must have the shape of x"):
        opt.step(ones, np.ones((5, 5)))
    assert opt.t == 0 and opt.state == {}
    opt.step(ones, ones)
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.ones((2, 2)), np.ones((2, 2)))


@pytest.mark.parametrize("cls, kwargs, shape", OURS, ids=IDS)
def test_divergence_overflows_without_warnings_or_errors(cls, kwargs, shape):
    opt = cls(**{**kwargs, "lr": 1e200, "weight_decay": 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = run_until_overflow(opt, np.ones(shape), lambda x: 2.0 * x)
        if cls is AdamWScheduleFree:
            opt.eval_point()
    assert not np.isfinite(x).all()


def test_defaults_and_argument_order_are_the_references():
    p = torch.zeros((2, 2), requires_grad=True)
    references = [
        (Lion, RefLion, {"use_triton", "decoupled_weight_decay"}),
        (Muon, torch.optim.Muon, set()),
        (AdamWScheduleFree, RefScheduleFree, {"foreach"}),
    ]
    for cls, ref, left_out in references:
        theirs = inspect.signature(ref).parameters
        names = [n for n in theirs if n != "params" and n not in left_out]
        assert cls().hyperparameters == tuple(names) + (
            ("decoupled_weight_decay",) if cls is Lion else ()
        )
        defaults = ref([p]).defaults
        for name in names:
            assert getattr(cls(), name) == defaults[name] == theirs[name].default, (cls, name)
    assert inspect.signature(RefLion).parameters["decoupled_weight_decay"].default is False
    assert Lion().decoupled_weight_decay is False
    assert all(issubclass(cls, Optimizer) for cls, _, _ in references)


def test_repr():
    assert repr(Lion()) == "Lion(lr=0.0001, betas=(0.9, 0.99), weight_decay=0.0)"
    assert repr(Lion(decoupled_weight_decay=True)).endswith(", decoupled_weight_decay=True)")
    assert repr(Muon(lr=0.02)) == (
        "Muon(lr=0.02, weight_decay=0.1, momentum=0.95, nesterov=True, "
        "ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-07, ns_steps=5, adjust_lr_fn=None)"
    )
    assert repr(Muon(adjust_lr_fn="match_rms_adamw")).endswith("adjust_lr_fn='match_rms_adamw')")
    assert repr(AdamWScheduleFree()) == (
        "AdamWScheduleFree(lr=0.0025, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, "
        "warmup_steps=0, r=0.0, weight_lr_power=2.0)"
    )
    assert "lr=array(shape=(10, 1))" in repr(Lion(lr=np.full((10, 1), 0.1)))


BAD_ARGS = [
    (lambda: Lion(lr=0), "lr"),
    (lambda: Lion(lr=-1e-4), "lr"),
    (lambda: Lion(betas=(1.0, 0.99)), "betas"),
    (lambda: Lion(betas=(0.9, -0.1)), "betas"),
    (lambda: Lion(betas=0.9), "betas"),
    (lambda: Lion(weight_decay=-0.1), "weight_decay"),
    (lambda: Lion(weight_decay=np.nan), "weight_decay"),
    (lambda: Lion(decoupled_weight_decay="yes"), "decoupled_weight_decay"),
    (lambda: Muon(lr=0), "lr"),
    (lambda: Muon(weight_decay=-0.1), "weight_decay"),
    (lambda: Muon(momentum=-0.5), "momentum"),
    (lambda: Muon(nesterov=1), "nesterov"),
    (lambda: Muon(ns_coefficients=(3.4, -4.8)), "ns_coefficients"),
    (lambda: Muon(ns_coefficients="abc"), "ns_coefficients"),
    (lambda: Muon(ns_coefficients=(3.4, np.nan, 2.0)), r"ns_coefficients\[1\]"),
    (lambda: Muon(eps=0), "eps"),
    (lambda: Muon(ns_steps=-1), "ns_steps"),
    (lambda: Muon(ns_steps=2.5), "ns_steps"),
    (lambda: Muon(ns_steps=True), "ns_steps"),
    (lambda: Muon(adjust_lr_fn="rms"), "adjust_lr_fn"),
    (lambda: AdamWScheduleFree(lr=0), "lr"),
    (lambda: AdamWScheduleFree(betas=(0.9, 1.0)), "betas"),
    (lambda: AdamWScheduleFree(eps=-1e-8), "eps"),
    (lambda: AdamWScheduleFree(weight_decay=-1), "weight_decay"),
    (lambda: AdamWScheduleFree(warmup_steps=-1), "warmup_steps"),
    (lambda: AdamWScheduleFree(warmup_steps=1.5), "warmup_steps"),
    (lambda: AdamWScheduleFree(r=-1.0), "r"),
    (lambda: AdamWScheduleFree(weight_lr_power=-2.0), "weight_lr_power"),
    (lambda: AdamWScheduleFree(weight_lr_power=np.inf), "weight_lr_power"),
    (lambda: newton_schulz(np.ones(3)), "G must be a matrix"),
    (lambda: newton_schulz([[1.0, np.nan]]), "G must not contain NaN"),
    (lambda: newton_schulz(np.eye(2), steps=-1), "steps"),
    (lambda: newton_schulz(np.eye(2), ns_coefficients=(1, 2)), "ns_coefficients"),
    (lambda: newton_schulz(np.eye(2), eps=0), "eps"),
]


@pytest.mark.parametrize(
    "make, name", BAD_ARGS, ids=[f"{i}-{n}" for i, (_, n) in enumerate(BAD_ARGS)]
)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_bad_values_set_later_raise_and_change_nothing():
    opt = Muon()
    for name, value in [("ns_steps", -2), ("adjust_lr_fn", "adamw"), ("momentum", -1.0)]:
        with pytest.raises(ValueError, match=name):
            setattr(opt, name, value)
    assert opt.ns_steps == 5 and opt.adjust_lr_fn is None and opt.momentum == 0.95
    sf = AdamWScheduleFree()
    with pytest.raises(ValueError, match="warmup_steps"):
        sf.warmup_steps = -3
    assert sf.warmup_steps == 0


def test_a_test_here_can_fail():
    """The comparison catches a wrong update: Lion with β₁ and β₂ swapped differs from the
    reference by far more than TOL, and Muon without Nesterov differs from torch's with it."""
    swapped = Lion(lr=0.01, betas=(0.99, 0.9))
    worst, _ = run_both(swapped, lambda ps: RefLion(ps, lr=0.01, betas=(0.9, 0.99)), "random", (7,))
    assert worst > 1e-3
    no_nesterov = Muon(lr=0.02, nesterov=False)
    worst, _ = run_both(no_nesterov, lambda ps: torch.optim.Muon(ps, lr=0.02), "random", (4, 3))
    assert worst > 1e-3


def test_copies_are_independent():
    opt = AdamWScheduleFree(lr=0.01)
    run(opt, (7,), 10)
    twin = copy.deepcopy(opt)
    run(opt, (7,), 10)
    assert twin.t == 10 and opt.t == 20
