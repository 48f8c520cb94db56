"""Property-based tests (hypothesis): what must hold on every input, not just the ones we picked."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.descent import descend
from helpers.optim import (
    SGD,
    Adafactor,
    Adagrad,
    Adam,
    AdamW,
    AdamWScheduleFree,
    Lion,
    NAdam,
    RAdam,
    RMSprop,
)
from helpers.problems import Bumpy, Quadratic, Rosenbrock
from helpers.schedulers import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def convex_quadratics(draw):
    """A random convex quadratic in 1-4 dimensions with curvatures in [mu, L]."""
    d = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    L = draw(st.floats(0.1, 100.0))
    kappa = draw(st.floats(1.0, 50.0))
    eig = np.concatenate([[L, L / kappa], rng.uniform(L / kappa, L, max(d - 2, 0))])[:d]
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    H = (Q * eig) @ Q.T
    centre = rng.uniform(-5, 5, d)
    start = centre + rng.uniform(-5, 5, d)
    return Quadratic(0.5 * (H + H.T), minimiser=centre), start


@SETTINGS
@given(convex_quadratics(), st.floats(0.01, 0.99))
def test_descent_below_two_over_L_contracts_at_the_predicted_rate(problem_start, u):
    problem, start = problem_start
    lr = u * 2 / problem.L
    rate = np.abs(1 - lr * problem.eigenvalues).max()  # < 1 whenever 0 < lr < 2/L
    run = descend(problem, SGD(lr=lr), start, steps=60)
    errors = np.linalg.norm(run.points - problem.minimiser, axis=1)
    assert run.stop_reason == "max_steps"
    assert np.all(errors[1:] <= rate * errors[:-1] * (1 + 1e-9) + 1e-12)
    assert errors[-1] <= rate**60 * errors[0] * (1 + 1e-6) + 1e-12


@SETTINGS
@given(convex_quadratics(), st.floats(0.01, 1.0))
def test_with_lr_at_most_one_over_L_the_loss_never_rises(problem_start, u):
    problem, start = problem_start
    run = descend(problem, SGD(lr=u / problem.L), start, steps=60)
    assert np.all(np.diff(run.losses) <= 1e-12 * (1 + np.abs(run.losses[:-1])))


@SETTINGS
@given(convex_quadratics(), st.floats(1.01, 3.0))
def test_above_two_over_L_descent_diverges(problem_start, u):
    problem, start = problem_start
    # Start on the stiffest direction, so the unstable mode is present.
    direction = np.linalg.eigh(problem.H)[1][:, -1]
    run = descend(problem, SGD(lr=u * 2 / problem.L), problem.minimiser + direction, steps=2_000)
    assert run.stop_reason == "diverged"


# Muon is left out: it moves one matrix, and these problems' points are vectors.
OPTIMIZERS = st.one_of(
    st.builds(SGD, lr=st.floats(1e-6, 1e3), momentum=st.floats(0, 0.99),
              weight_decay=st.floats(0, 1)),
    st.builds(SGD, lr=st.floats(1e-6, 1e3), momentum=st.floats(0.01, 0.99), nesterov=st.just(True)),
    st.builds(Adagrad, lr=st.floats(1e-6, 1e3), lr_decay=st.floats(0, 1)),
    st.builds(RMSprop, lr=st.floats(1e-6, 1e3), alpha=st.floats(0, 0.999),
              momentum=st.floats(0, 0.99), centered=st.booleans()),
    st.builds(Adam, lr=st.floats(1e-6, 1e3), betas=st.tuples(st.floats(0, 0.999),
              st.floats(0, 0.9999)), amsgrad=st.booleans()),
    st.builds(AdamW, lr=st.floats(1e-6, 1e2), weight_decay=st.floats(0, 1)),
    st.builds(Lion, lr=st.floats(1e-6, 1e3), betas=st.tuples(st.floats(0, 0.999),
              st.floats(0, 0.999)), weight_decay=st.floats(0, 1)),
    st.builds(AdamWScheduleFree, lr=st.floats(1e-6, 1e2), weight_decay=st.floats(0, 1),
              warmup_steps=st.integers(0, 60), r=st.floats(0, 3)),
    st.builds(NAdam, lr=st.floats(1e-6, 1e3), betas=st.tuples(st.floats(0, 0.999),
              st.floats(0, 0.9999)), momentum_decay=st.floats(0, 1),
              decoupled_weight_decay=st.booleans()),
    st.builds(RAdam, lr=st.floats(1e-6, 1e3), betas=st.tuples(st.floats(0, 0.999),
              st.floats(0, 0.9999)), weight_decay=st.floats(0, 1)),
    st.builds(Adafactor, lr=st.floats(1e-6, 1e3), beta2_decay=st.floats(-2, 0),
              d=st.floats(1, 10), weight_decay=st.floats(0, 1)),
)  # fmt: skip
PROBLEMS = st.sampled_from([Rosenbrock(), Bumpy(), Quadratic(np.diag([1.0, 1e4]))])
STARTS = st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)).map(np.array)


@SETTINGS
@given(OPTIMIZERS, PROBLEMS, STARTS)
def test_any_optimizer_stays_finite_or_the_loop_says_diverged(optimizer, problem, start):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning on the way
        run = descend(problem, optimizer, start, steps=50)
    if run.stop_reason != "diverged":
        assert np.all(np.isfinite(run.points)) and np.all(np.isfinite(run.losses))
    assert np.all(np.isfinite(run.x))


def scheduler_cases(draw):
    opt = SGD(lr=draw(st.floats(1e-6, 10.0)), momentum=0.9)
    kind = draw(st.sampled_from(["step", "multistep", "exp", "cos", "warm", "linear", "onecycle"]))
    n = draw(st.integers(1, 100))
    if kind == "step":
        return StepLR(opt, step_size=n, gamma=draw(st.floats(1e-3, 1.0)))
    if kind == "multistep":
        return MultiStepLR(opt, milestones=[n, n + 10, n + 50], gamma=draw(st.floats(1e-3, 1.0)))
    if kind == "exp":
        return ExponentialLR(opt, gamma=draw(st.floats(1e-3, 1.0)))
    if kind == "cos":
        return CosineAnnealingLR(opt, T_max=n, eta_min=draw(st.floats(0, 1e-3)))
    if kind == "warm":
        return CosineAnnealingWarmRestarts(opt, T_0=n, T_mult=draw(st.integers(1, 3)))
    if kind == "linear":
        return LinearLR(
            opt,
            start_factor=draw(st.floats(1e-3, 1.0)),
            end_factor=draw(st.floats(0, 1.0)),
            total_iters=n,
        )
    return OneCycleLR(opt, max_lr=draw(st.floats(1e-4, 10.0)), total_steps=300,
                      anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
                      three_phase=draw(st.booleans()))  # fmt: skip


@SETTINGS
@given(st.data())
def test_schedulers_never_produce_a_negative_or_non_finite_lr(data):
    scheduler = scheduler_cases(data.draw)
    lrs = [scheduler.get_last_lr()[0]]
    for _ in range(299):
        scheduler.optimizer.step(np.zeros(2), np.ones(2))
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    lrs = np.array(lrs, dtype=float)
    assert np.all(np.isfinite(lrs)) and np.all(lrs >= 0)


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), st.floats(1e-3, 0.9))
def test_plateau_scheduler_only_ever_lowers_the_lr(metrics, factor):
    opt = SGD(lr=0.1)
    scheduler = ReduceLROnPlateau(opt, factor=factor, patience=2)
    lrs = []
    for m in metrics:
        scheduler.step(m)
        lrs.append(opt.lr)
    assert np.all(np.diff([0.1] + lrs) <= 0) and min(lrs) >= 0
