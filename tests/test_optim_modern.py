"""NAdam, RAdam and Adafactor (chapter 8) against torch.optim in float64, as test_optim.py does
for the optimizers of chapter 5: whole trajectories on quadratics and on random gradients."""

import copy
import warnings

import numpy as np
import pytest
import torch
from test_optim import assert_steps_leave_inputs_alone, run_until_overflow

from helpers.descent import descend
from helpers.optim import Adafactor, NAdam, RAdam
from helpers.problems import Rosenbrock

TOL = 1e-12
STEPS = 200
SEED = 29  # of the problems the trajectories are compared on
OURS = {"NAdam": NAdam, "RAdam": RAdam, "Adafactor": Adafactor}


@pytest.fixture(autouse=True)
def torch_in_float64():
    """torch keeps NAdam's mu_product (and every optimizer's step count) in the default dtype:
    in float32, Π_t is rounded to 7 digits and torch's NAdam drifts from float64 by 1e-8. The
    book computes in float64 throughout, so torch is asked to as well."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def as_tensor(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))  # a copy, also of a 0-d array


def spd(n, rng):
    m = rng.standard_normal((n, n))
    return m @ m.T / n + 0.5 * np.eye(n)  # the minimum not far: |x| stays below 3


class Quadratic:
    """f(x) = ½ vec(x)ᵀ A vec(x) − bᵀ vec(x), for x of any shape: every entry coupled to every
    other, so a 2-D x is a matrix whose rows and columns differ in scale."""

    def __init__(self, shape, seed):
        rng = np.random.default_rng(seed)
        n = int(np.prod(shape))
        self.shape, self.A, self.b = shape, spd(n, rng), rng.standard_normal(n)
        self.x0 = rng.standard_normal(shape) * rng.uniform(0.5, 2.0, shape)

    def grad(self, x, k):
        return (self.A @ np.ravel(x) - self.b).reshape(self.shape)


class RandomGradients:
    """Gradients drawn from np.random.default_rng(seed), scaled differently along each axis."""

    def __init__(self, shape, seed):
        rng = np.random.default_rng(seed)
        self.shape, self.x0 = shape, rng.standard_normal(shape)
        scale = np.exp(rng.uniform(-2, 2, shape))
        self.g = rng.standard_normal((STEPS, *shape)) * scale + 0.3 * scale

    def grad(self, x, k):
        return self.g[k]


def run_both(name, kwargs, problem, steps=STEPS, flip=False):
    """Trajectories of ours and torch's, each from its own points; ``flip`` feeds −g with
    maximize=True. Returns (ours, theirs, our optimizer, torch's)."""
    sign = -1.0 if flip else 1.0
    extra = {"maximize": True} if flip else {}
    ours = OURS[name](**kwargs, **extra)
    p = torch.tensor(problem.x0.copy(), requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, **kwargs, **extra)
    x, path_ours, path_theirs = problem.x0.copy(), [problem.x0.copy()], [problem.x0.copy()]
    for k in range(steps):
        x = ours.step(x, sign * problem.grad(x, k))
        p.grad = as_tensor(sign * problem.grad(p.detach().numpy(), k))
        theirs.step()
        path_ours.append(x)
        path_theirs.append(p.detach().numpy().copy())
    return np.array(path_ours), np.array(path_theirs), ours, theirs


VECTOR, MATRIX = (7,), (4, 6)
# Whole trajectories agree to 1e-12 only where the dynamics do not amplify a difference in the
# last bit. Near the minimum of a quadratic, these methods take steps of about lr whatever g
# is (Adafactor's is α = RMS(x)·ρ), so an entry whose g is near 0 overshoots back and forth
# and a one-ulp difference grows: our own run started one ulp away ends 0.2 away. The settings
# in CASES were checked to agree below 1e-13 on 16 random quadratics (seeds 0 to 15); those in
# CHAOTIC follow random gradients, which do not feed back, and on a quadratic one step at a
# time from torch's own state (test_single_steps_agree_to_the_last_bits).
CASES = [
    ("NAdam", {"lr": 0.005}, VECTOR),
    ("NAdam", {"lr": 0.005, "momentum_decay": 0.05}, VECTOR),
    ("NAdam", {"lr": 0.005, "momentum_decay": 0.0}, VECTOR),
    ("NAdam", {"lr": 0.005, "weight_decay": 0.1}, VECTOR),
    ("NAdam", {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True}, VECTOR),
    ("NAdam", {"lr": 0.005, "eps": 1e-3, "betas": (0.9, 0.9999)}, MATRIX),
    ("RAdam", {"lr": 0.02}, VECTOR),  # ρ_∞ = 1999: rectified from t = 6
    ("RAdam", {"lr": 0.02, "betas": (0.9, 0.6)}, VECTOR),  # ρ_∞ = 4: never rectified
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1}, VECTOR),
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}, VECTOR),
    ("RAdam", {"lr": 0.01, "eps": 1e-3}, MATRIX),
    ("Adafactor", {}, MATRIX),
    ("Adafactor", {"lr": 0.01}, (6, 4)),
    ("Adafactor", {"lr": 0.0025}, (5, 1)),
    ("Adafactor", {"lr": 0.0025}, (1, 5)),
    ("Adafactor", {"lr": 0.005}, (2, 3, 4)),  # matrices stacked along the first axis, as torch
    ("Adafactor", {"lr": 0.01}, ()),
    ("Adafactor", {"lr": 0.00125, "beta2_decay": -0.5}, MATRIX),
    ("Adafactor", {"lr": 0.01, "beta2_decay": 0.0}, VECTOR),  # v is the last g² alone
    ("Adafactor", {"lr": 0.01, "eps": (1e-2, 1e-3)}, MATRIX),  # ε₁ clamps mean(R) and v
    ("Adafactor", {"lr": 0.01, "weight_decay": 0.2}, MATRIX),
    ("Adafactor", {"lr": 0.005, "weight_decay": 0.2, "eps": (1e-3, 1e-2), "d": 1.5}, (3, 5)),
]
CHAOTIC = [
    ("NAdam", {"lr": 0.02, "betas": (0.8, 0.99)}, VECTOR),
    ("NAdam", {"lr": 0.1, "betas": (0.3, 0.9)}, VECTOR),
    ("RAdam", {"lr": 0.02, "betas": (0.8, 0.9)}, VECTOR),  # ρ_∞ = 19: rectified from t = 7
    ("RAdam", {"lr": 0.02, "betas": (0.9, 0.8)}, VECTOR),  # ρ_∞ = 9: momentum only till t = 8
    ("RAdam", {"lr": 0.1, "betas": (0.3, 0.9)}, VECTOR),
    ("Adafactor", {}, VECTOR),
    ("Adafactor", {"lr": 0.3}, VECTOR),  # ρ = 1/√t from t = 12 on
    ("Adafactor", {"lr": 0.5, "d": 2.0}, MATRIX),
    ("Adafactor", {"lr": 0.01, "eps": (1e-30, 3.0)}, VECTOR),  # ε₂ > RMS(x): α = ε₂·ρ
    ("Adafactor", {"lr": 0.05, "weight_decay": 0.1}, (5, 3)),
]


def case_id(case):
    name, kwargs, shape = case
    return name + str(shape) + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


IDS, CHAOTIC_IDS = [case_id(c) for c in CASES], [case_id(c) for c in CHAOTIC]
PROBLEMS = {"quadratic": Quadratic, "random": RandomGradients}


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_trajectory_matches_torch(case, problem):
    name, kwargs, shape = case
    ours, theirs, _, _ = run_both(name, kwargs, PROBLEMS[problem](shape, seed=SEED))
    assert ours.shape == theirs.shape == (STEPS + 1, *shape)
    assert np.abs(ours[-1] - ours[0]).max() > 0.02  # the run went somewhere
    assert np.abs(ours - theirs).max() <= TOL


@pytest.mark.parametrize("case", CHAOTIC, ids=CHAOTIC_IDS)
def test_chaotic_settings_follow_random_gradients_as_torch(case):
    name, kwargs, shape = case
    ours, theirs, _, _ = run_both(name, kwargs, RandomGradients(shape, seed=SEED))
    assert np.abs(ours[-1] - ours[0]).max() > 0.05
    # relative to the size of x: Adafactor's steps grow with x, to |x| = 2000 with lr = 0.5
    assert np.abs(ours - theirs).max() <= TOL * max(1.0, np.abs(theirs).max())


@pytest.mark.parametrize("case", CASES + CHAOTIC, ids=IDS + CHAOTIC_IDS)
def test_state_matches_torchs_names_shapes_and_values(case):
    name, kwargs, shape = case
    _, _, ours, theirs = run_both(name, kwargs, RandomGradients(shape, seed=3), steps=20)
    torch_state = {k: v.numpy() for k, v in next(iter(theirs.state.values())).items()}
    assert set(ours.state) == set(torch_state) - {"step"} and torch_state["step"] == ours.t == 20
    for key, value in ours.state.items():
        assert np.shape(value) == torch_state[key].shape, key
        np.testing.assert_allclose(value, torch_state[key], rtol=1e-13, atol=0, err_msg=key)
    if name == "Adafactor" and len(shape) >= 2:  # factored: a column and a row, not a matrix
        assert ours.state["row_var"].shape == (*shape[:-1], 1)
        assert ours.state["col_var"].shape == (*shape[:-2], 1, shape[-1])


@pytest.mark.parametrize("case", CASES + CHAOTIC, ids=IDS + CHAOTIC_IDS)
def test_single_steps_agree_to_the_last_bits(case):
    """From torch's own state and point, each of our steps lands within 4 ulp of torch's."""
    name, kwargs, shape = case
    problem = Quadratic(shape, seed=1)
    ours = OURS[name](**kwargs)
    p = torch.tensor(problem.x0.copy(), requires_grad=True)
    theirs = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    x = problem.x0.copy()
    for k in range(100):
        g = problem.grad(x, k)
        with torch.no_grad():
            p.copy_(as_tensor(x))
        p.grad = as_tensor(g)
        theirs.step()
        x_torch = p.detach().numpy().copy()
        x_ours = ours.step(x, g)
        assert np.abs(x_ours - x_torch).max() <= 4 * np.finfo(float).eps * np.abs(x_torch).max()
        for key, value in theirs.state[p].items():
            if key != "step":
                ours.state[key] = value.numpy().copy() if value.ndim else value.item()
        x = x_torch


@pytest.mark.parametrize("name", OURS)
def test_maximize_matches_torch(name):
    for case in [c for c in CASES if c[0] == name][:4]:
        _, kwargs, shape = case
        problem = Quadratic(shape, seed=SEED)  # as in test_trajectory_matches_torch
        ours, theirs, opt, _ = run_both(name, kwargs, problem, flip=True)
        assert opt.maximize and np.abs(ours - theirs).max() <= TOL
        minimized, _, _, _ = run_both(name, kwargs, problem)
        np.testing.assert_array_equal(ours, minimized)  # −g maximized is g minimized


# A wrong hyperparameter, or the other setting of a flag, must break the agreement above.
WRONG = [
    ("NAdam", {"lr": 0.02}, {"betas": (0.9001, 0.999)}),
    ("NAdam", {"lr": 0.02}, {"betas": (0.9, 0.9991)}),
    ("NAdam", {"lr": 0.02}, {"momentum_decay": 0.0041}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1}, {"decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.02}, {"eps": 1e-7}),
    ("RAdam", {"lr": 0.02}, {"betas": (0.9001, 0.999)}),
    ("RAdam", {"lr": 0.02}, {"betas": (0.9, 0.9991)}),
    ("RAdam", {"lr": 0.02, "weight_decay": 0.1}, {"decoupled_weight_decay": True}),
    ("Adafactor", {"lr": 0.01}, {"beta2_decay": -0.8001}),
    ("Adafactor", {"lr": 0.01}, {"eps": (0.5, 1e-3)}),
    ("Adafactor", {"lr": 0.01}, {"eps": (None, 2.0)}),
    ("Adafactor", {"lr": 0.01}, {"d": 1.001}),
    ("Adafactor", {"lr": 0.01}, {"weight_decay": 1e-3}),
    ("Adafactor", {"lr": 0.5}, {"lr": 0.4}),  # only the first steps: ρ = 1/√t afterwards
]


@pytest.mark.parametrize("name, kwargs, wrong", WRONG)
@pytest.mark.parametrize("shape", [VECTOR, MATRIX])
def test_the_comparison_fails_for_a_wrong_hyperparameter(name, kwargs, wrong, shape):
    problem = Quadratic(shape, seed=2) if name != "Adafactor" else RandomGradients(shape, 2)
    right, _, _, _ = run_both(name, kwargs, problem, steps=60)
    _, theirs, _, _ = run_both(name, {**kwargs, **wrong}, problem, steps=60)
    assert np.abs(right - theirs).max() > 1e3 * TOL


def test_the_comparison_fails_for_unfactored_second_moments():
    """A matrix with a full v, as a 1-D x has, is not what torch does with a matrix."""
    problem = RandomGradients(MATRIX, seed=4)
    ours, theirs, _, _ = run_both("Adafactor", {"lr": 0.01}, problem, steps=60)
    flat = Adafactor(lr=0.03)
    x = problem.x0.ravel()
    for k in range(60):
        x = flat.step(x, problem.grad(None, k).ravel())
    assert np.abs(ours - theirs).max() <= TOL
    assert np.abs(x.reshape(MATRIX) - theirs[-1]).max() > 1e-3


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_array_lr_runs_like_separate_scalar_runs(name):
    lrs = np.array([0.005, 0.01, 0.02, 0.05])
    problem = Quadratic(VECTOR, seed=6)
    x0 = np.random.default_rng(1).standard_normal((4, 7))
    batch, x = OURS[name](lr=lrs[:, None]), x0.copy()
    singles = [OURS[name](lr=lr) for lr in lrs]
    xs = [row.copy() for row in x0]
    for k in range(60):
        x = batch.step(x, np.stack([problem.grad(row, k) for row in x]))
        xs = [opt.step(xi, problem.grad(xi, k)) for opt, xi in zip(singles, xs, strict=True)]
    np.testing.assert_array_equal(x, np.stack(xs))


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("shape", [VECTOR, MATRIX])
def test_state_dict_resumes_the_same_trajectory(name, shape):
    problem = RandomGradients(shape, seed=8)
    whole, x = OURS[name](lr=0.03), problem.x0.copy()
    path = []
    for k in range(80):
        x = whole.step(x, problem.grad(x, k))
        path.append(x)
    first, y = OURS[name](lr=0.03), problem.x0.copy()
    for k in range(30):
        y = first.step(y, problem.grad(y, k))
    saved = first.state_dict()
    for k in range(30, 50):  # moves on; the saved state must not
        first.step(y, problem.grad(y, k))
    resumed = OURS[name]()
    resumed.load_state_dict(saved)
    assert resumed.t == 30 and resumed.lr == 0.03
    for k in range(30, 80):
        y = resumed.step(y, problem.grad(y, k))
        np.testing.assert_array_equal(y, path[k])
    with pytest.raises(ValueError, match="state_dict"):
        resumed.load_state_dict({"t": 3})


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reset_gives_a_fresh_optimizer(case):
    name, kwargs, shape = case
    problem = RandomGradients(shape, seed=9)
    opt = OURS[name](**kwargs)
    for k in range(30):
        opt.step(problem.x0, problem.grad(None, k))
    assert opt.t == 30 and opt.state
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    fresh, x, y = OURS[name](**kwargs), problem.x0.copy(), problem.x0.copy()
    for k in range(40):
        x, y = opt.step(x, problem.grad(x, k)), fresh.step(y, problem.grad(y, k))
    np.testing.assert_array_equal(x, y)
    if len(shape) == 2:  # after reset, x may have another shape, even another number of axes
        opt.reset()
        assert opt.step(np.ones(5), np.ones(5)).shape == (5,)


@pytest.mark.parametrize("case", CASES[::4], ids=IDS[::4])
def test_step_leaves_its_inputs_alone_and_returns_a_new_array(case):
    name, kwargs, shape = case
    problem = Quadratic(shape, seed=10)
    opt, x0, g0 = OURS[name](**kwargs), problem.x0.copy(), problem.grad(problem.x0, 0)
    assert_steps_leave_inputs_alone(opt, x0, g0)


def test_defaults_are_torchs():
    p = [torch.zeros(3, requires_grad=True)]
    for name, cls in OURS.items():
        theirs = getattr(torch.optim, name)(p).defaults
        ours = cls()
        keys = set(theirs) - {"maximize", "foreach", "differentiable", "fused", "capturable"}
        assert keys == set(ours.hyperparameters) - {"maximize"}, name
        for key in keys:
            assert getattr(ours, key) == theirs[key], (name, key)
        assert not ours.maximize
    assert NAdam().lr == 2e-3 and RAdam().lr == 1e-3 and Adafactor().lr == 1e-2


def test_repr():
    assert repr(NAdam()) == (
        "NAdam(lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, momentum_decay=0.004)"
    )
    assert repr(RAdam(lr=0.1, decoupled_weight_decay=True)) == (
        "RAdam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, decoupled_weight_decay=True)"
    )
    assert repr(Adafactor()) == (
        "Adafactor(lr=0.01, beta2_decay=-0.8, eps=(None, 0.001), d=1.0, weight_decay=0.0)"
    )
    assert repr(Adafactor(eps=[1e-30, 1e-3])).startswith(
        "Adafactor(lr=0.01, beta2_decay=-0.8, eps=(1e-30, 0.001)"
    )
    assert "lr=array(shape=(100, 1))" in repr(NAdam(lr=np.full((100, 1), 0.1)))
    for cls in OURS.values():  # maximize appears when it is set
        assert repr(cls(maximize=True)).endswith("maximize=True)") and "maxim" not in repr(cls())


BAD_ARGS = [
    (lambda: NAdam(lr=0), "lr"),
    (lambda: NAdam(lr=-0.1), "lr"),
    (lambda: NAdam(betas=(1.0, 0.999)), "betas"),
    (lambda: NAdam(betas=(0.9, -0.1)), "betas"),
    (lambda: NAdam(betas=0.9), "betas"),
    (lambda: NAdam(eps=0.0), "eps"),
    (lambda: NAdam(weight_decay=-0.1), "weight_decay"),
    (lambda: NAdam(momentum_decay=-4e-3), "momentum_decay"),
    (lambda: NAdam(momentum_decay=np.inf), "momentum_decay"),
    (lambda: NAdam(decoupled_weight_decay="yes"), "decoupled_weight_decay"),
    (lambda: NAdam(maximize=1), "maximize"),
    (lambda: RAdam(lr=np.nan), "lr"),
    (lambda: RAdam(betas=(0.9, 1.0)), "betas"),
    (lambda: RAdam(eps=-1e-8), "eps"),
    (lambda: RAdam(weight_decay=-1), "weight_decay"),
    (lambda: RAdam(decoupled_weight_decay=None), "decoupled_weight_decay"),
    (lambda: Adafactor(lr=0), "lr"),
    (lambda: Adafactor(lr=np.array([0.01, 0.02])), "lr must be a single number"),
    (lambda: Adafactor(lr=np.full((3, 1), 0.01)), "lr must be a single number"),
    (lambda: Adafactor(weight_decay=np.array([0.1, 0.2])), "weight_decay must be a single"),
    (lambda: Adafactor(weight_decay=-0.1), "weight_decay"),
    (lambda: Adafactor(beta2_decay=0.5), "beta2_decay"),
    (lambda: Adafactor(beta2_decay=-np.inf), "beta2_decay"),
    (lambda: Adafactor(beta2_decay="fast"), "beta2_decay"),
    (lambda: Adafactor(d=0.5), "d must be"),
    (lambda: Adafactor(d=np.inf), "d must be"),
    (lambda: Adafactor(eps=1e-3), "eps must be a pair"),
    (lambda: Adafactor(eps=(None, 1e-3, 1e-3)), "eps must be a pair"),
    (lambda: Adafactor(eps=(None, None)), r"eps\[1\]"),
    (lambda: Adafactor(eps=(None, 0.0)), r"eps\[1\]"),
    (lambda: Adafactor(eps=(0.0, 1e-3)), r"eps\[0\]"),
    (lambda: Adafactor(eps=(-1e-30, 1e-3)), r"eps\[0\]"),
    (lambda: Adafactor(eps=(np.array([1e-30, 1e-20]), 1e-3)), r"eps\[0\]"),
    (lambda: Adafactor(maximize="no"), "maximize"),
]


@pytest.mark.parametrize("make, message", BAD_ARGS)
def test_bad_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_values_set_later_raise_and_change_nothing():
    nadam, adafactor = NAdam(), Adafactor()
    with pytest.raises(ValueError, match="momentum_decay"):
        nadam.momentum_decay = -1.0
    for name, value in [("lr", np.array([0.1, 0.2])), ("eps", 1e-8), ("d", 0.0),
                        ("beta2_decay", 0.1), ("weight_decay", np.ones(2))]:  # fmt: skip
        with pytest.raises(ValueError, match=name):
            setattr(adafactor, name, value)
    assert nadam.momentum_decay == 4e-3 and repr(adafactor) == repr(Adafactor())
    adafactor.eps, adafactor.lr = [1e-20, np.float64(1e-2)], 0.0  # lr 0: a schedule's end
    assert adafactor.eps == (1e-20, 0.01) and type(adafactor.eps[1]) is float
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(adafactor.step(x, np.ones((2, 3))), x)  # ρ = 0: no step


@pytest.mark.parametrize("name", OURS)
def test_step_rejects_nan_and_wrong_shapes(name):
    opt = OURS[name](lr=0.1)
    with pytest.raises(ValueError, match="x"):
        opt.step(np.array([1.0, np.nan]), np.ones(2))
    with pytest.raises(ValueError, match=r"grad.*\(3,\)"):
        opt.step(np.ones(2), np.ones(3))
    assert opt.t == 0
    opt.step(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.ones(3), np.ones(3))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_divergence_overflows_without_warnings(case):
    name, kwargs, shape = case
    opt = OURS[name](**{**kwargs, "lr": 1e200 if name != "Adafactor" else 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = run_until_overflow(opt, np.full(shape, 1e300), lambda x: 1e10 * x, steps=20)
        OURS[name](**kwargs).step(np.full(shape, np.inf), np.full(shape, -np.inf))
        OURS[name](**kwargs).step(np.zeros(shape), np.zeros(shape))  # 0/0 is not taken either
    assert not all(np.isfinite(a).all() for a in [x, *opt.state.values()])


@pytest.mark.parametrize("name", OURS)
def test_descend_runs_them_on_a_problem_of_the_book(name):
    run = descend(Rosenbrock(), OURS[name](lr=2e-3), np.array([-1.0, 1.5]), steps=300)
    assert run.stop_reason == "max_steps" and run.loss < run.losses[0]


def test_adafactor_steps_are_relative_to_the_size_of_x():
    """Scale x and g by s: the same step, scaled by s (while RMS(x) > ε₂ and ρ = lr)."""
    problem = RandomGradients(MATRIX, seed=11)
    a, b, x, y = Adafactor(), Adafactor(), problem.x0.copy(), 1e3 * problem.x0
    for k in range(50):
        x, y = a.step(x, problem.grad(x, k)), b.step(y, 1e3 * problem.grad(y, k))
    np.testing.assert_allclose(y, 1e3 * x, rtol=1e-12)
    copied = copy.deepcopy(a)
    assert copied.state_dict()["state"].keys() == {"row_var", "col_var"}


class TinyGradients(RandomGradients):
    """Random gradients whose first entry (first row of a matrix) is 1e-20 times smaller: its v
    falls below ε₁², the default ε₁ = 2.2e-16 bounds u = g/√max(v, ε₁²)."""

    def __init__(self, shape, seed):
        super().__init__(shape, seed)
        self.g[:, 0] *= 1e-20


@pytest.mark.parametrize("shape", [VECTOR, MATRIX])
def test_adafactor_eps1_defaults_to_float64_eps_as_torch(shape):
    problem = TinyGradients(shape, seed=12)
    ours, theirs, _, _ = run_both("Adafactor", {}, problem, steps=60)
    assert np.abs(ours - theirs).max() <= TOL
    other, _, _, _ = run_both("Adafactor", {"eps": (1e-15, 1e-3)}, problem, steps=60)
    assert np.abs(other - theirs).max() > 1e-9
