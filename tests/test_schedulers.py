"""helpers.schedulers against torch.optim.lr_scheduler: lr (and momentum) sequences and runs."""

import math
import warnings

import numpy as np
import pytest
import torch

import helpers.optim as ours_optim
import helpers.schedulers as ours_sched
from helpers.optim import SGD, Adagrad, Adam
from helpers.schedulers import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
    WarmupStableDecay,
)

TOL = 1e-12
STEPS = 250
torch_sched = torch.optim.lr_scheduler


def warmup(t):
    return min(1.0, (t + 1) / 10)


# name -> (function building a scheduler from a module and an optimizer, optimizer, its kwargs).
# The module is torch.optim.lr_scheduler or helpers.schedulers: the calls are the same.
SCHEDULES = {
    "StepLR": (lambda m, o: m.StepLR(o, step_size=30), "SGD", {}),
    "StepLR gamma=0.7 size=1": (lambda m, o: m.StepLR(o, 1, gamma=0.7), "SGD", {}),
    "MultiStepLR": (lambda m, o: m.MultiStepLR(o, [20, 60, 61, 200], gamma=0.3), "SGD", {}),
    "ExponentialLR": (lambda m, o: m.ExponentialLR(o, gamma=0.97), "SGD", {}),
    "ExponentialLR growing": (lambda m, o: m.ExponentialLR(o, gamma=1.01), "Adam", {}),
    "CosineAnnealingLR": (lambda m, o: m.CosineAnnealingLR(o, T_max=STEPS), "SGD", {}),
    "CosineAnnealingLR past T_max": (lambda m, o: m.CosineAnnealingLR(o, 40, 0.01), "SGD", {}),
    "CosineAnnealingLR T_max=1": (lambda m, o: m.CosineAnnealingLR(o, 1, eta_min=0.02), "SGD", {}),
    "WarmRestarts T_mult=1": (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10), "SGD", {}),
    "WarmRestarts T_mult=2": (
        lambda m, o: m.CosineAnnealingWarmRestarts(o, 5, T_mult=2, eta_min=0.01),
        "SGD",
        {},
    ),
    "LinearLR": (lambda m, o: m.LinearLR(o), "SGD", {}),
    "LinearLR decay to 0": (
        lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=100),
        "SGD",
        {},
    ),
    "LinearLR long": (lambda m, o: m.LinearLR(o, 0.05, 0.8, total_iters=180), "Adam", {}),
    "LambdaLR warm-up": (lambda m, o: m.LambdaLR(o, warmup), "SGD", {}),
    "LambdaLR 1/sqrt": (lambda m, o: m.LambdaLR(o, lambda t: 1 / math.sqrt(t + 1)), "SGD", {}),
    "SequentialLR warm-up + cosine": (
        lambda m, o: m.SequentialLR(
            o,
            [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=240)],
            milestones=[10],
        ),
        "SGD",
        {},
    ),
    "SequentialLR three": (
        lambda m, o: m.SequentialLR(
            o,
            [
                m.ExponentialLR(o, gamma=0.9),
                m.StepLR(o, step_size=7, gamma=0.5),
                m.CosineAnnealingWarmRestarts(o, T_0=20, T_mult=2),
            ],
            milestones=[5, 50],
        ),
        "SGD",
        {},
    ),
    "SequentialLR lambda + multistep": (
        lambda m, o: m.SequentialLR(
            o, [m.LambdaLR(o, warmup), m.MultiStepLR(o, [30, 80], gamma=0.5)], milestones=[10]
        ),
        "Adam",
        {},
    ),
    "OneCycleLR SGD momentum": (
        lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
        "SGD",
        {"momentum": 0.9},
    ),
    "OneCycleLR Adam betas": (lambda m, o: m.OneCycleLR(o, 0.01, total_steps=STEPS), "Adam", {}),
    "OneCycleLR linear": (
        lambda m, o: m.OneCycleLR(
            o, 0.3, epochs=10, steps_per_epoch=25, anneal_strategy="linear", pct_start=0.25
        ),
        "SGD",
        {"momentum": 0.5},
    ),
    "OneCycleLR three phase": (
        lambda m, o: m.OneCycleLR(o, 0.02, total_steps=STEPS, three_phase=True),
        "AdamW",
        {},
    ),
    "OneCycleLR three phase linear": (
        lambda m, o: m.OneCycleLR(
            o, 1.0, STEPS, anneal_strategy="linear", three_phase=True, div_factor=10.0
        ),
        "RMSprop",
        {"momentum": 0.5},
    ),
    "OneCycleLR no momentum cycling": (
        lambda m, o: m.OneCycleLR(
            o, 0.1, STEPS, cycle_momentum=False, pct_start=0.1, final_div_factor=100.0
        ),
        "Adagrad",
        {},
    ),
    "OneCycleLR momentum from 0": (
        lambda m, o: m.OneCycleLR(o, 0.1, STEPS, base_momentum=0.5, max_momentum=0.9),
        "SGD",
        {},
    ),
}

# Ours only (torch has no WSD class; its version is built below): state and array lrs.
OURS_ONLY = {
    "WarmupStableDecay sqrt": (
        lambda m, o: m.WarmupStableDecay(o, 5, 20, 30, eta_min=1e-3, decay_shape="sqrt"),
        "Adam",
        {},
    ),
}


def momentum_of(opt):
    """(momentum or beta1) of a torch or helpers optimizer, None if it has neither."""
    if isinstance(opt, torch.optim.Optimizer):
        group = opt.param_groups[0]
        return group["betas"][0] if "betas" in group else group.get("momentum")
    if hasattr(opt, "betas"):
        return opt.betas[0]
    return getattr(opt, "momentum", None)


def lr_of(opt):
    return opt.param_groups[0]["lr"] if isinstance(opt, torch.optim.Optimizer) else opt.lr


def sequence(module, make, opt_name, opt_kwargs, lr=0.1, steps=STEPS, metrics=None):
    """Build optimizer and scheduler, step both ``steps`` times; return lrs, momenta, opt."""
    if module is torch_sched:
        p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, opt_name)([p], lr=lr, **opt_kwargs)
    else:
        opt = getattr(ours_optim, opt_name)(lr=lr, **opt_kwargs)
    sched = make(module, opt)
    lrs, momenta = [lr_of(opt)], [momentum_of(opt)]
    for k in range(steps):
        if module is torch_sched:
            opt.step()  # no gradient: does nothing, but keeps torch from warning about the order
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[k])
        last = sched.get_last_lr()
        assert len(last) == 1 and np.array_equal(last[0], lr_of(opt))
        lrs.append(lr_of(opt))
        momenta.append(momentum_of(opt))
    return np.array(lrs, dtype=float), np.array(momenta, dtype=float), sched


@pytest.mark.parametrize("name", SCHEDULES)
def test_lr_and_momentum_sequences_match_torch(name):
    make, opt_name, opt_kwargs = SCHEDULES[name]
    lrs, momenta, sched = sequence(ours_sched, make, opt_name, opt_kwargs)
    t_lrs, t_momenta, t_sched = sequence(torch_sched, make, opt_name, opt_kwargs)
    assert lrs.shape == (STEPS + 1,)
    assert len(np.unique(lrs)) > 1  # the schedule did something
    # torch's OneCycleLR extrapolates its last phase at the step after the last one,
    # and with linear annealing that lr is negative: ours is clipped to 0.
    # Ours are closed forms, torch's are partly recursive: they agree to TOL, not bit for bit.
    assert np.abs(lrs - np.maximum(t_lrs, 0.0)).max() <= TOL
    np.testing.assert_array_equal(np.isnan(momenta), np.isnan(t_momenta))
    assert np.nan_to_num(np.abs(momenta - t_momenta)).max() <= TOL
    assert sched.last_epoch == t_sched.last_epoch == STEPS
    if name.startswith("OneCycleLR") and "no momentum" not in name:
        assert len(np.unique(momenta)) > 2


_rng = np.random.default_rng(7)
DECREASING = np.exp(-np.arange(STEPS) / 40.0) + 0.02 * _rng.standard_normal(STEPS)

PLATEAUS = {
    "min rel": ({"patience": 3}, DECREASING),
    "min abs cooldown": (
        {"threshold": 1e-2, "threshold_mode": "abs", "cooldown": 5, "factor": 0.5},
        DECREASING,
    ),
    "max rel": ({"mode": "max", "patience": 2, "factor": 0.7}, -DECREASING),
    "max abs min_lr": (
        {"mode": "max", "threshold_mode": "abs", "patience": 0, "min_lr": 0.004, "factor": 0.5},
        -DECREASING,
    ),
    "eps skips tiny changes": ({"patience": 1, "factor": 0.9, "eps": 1e-3}, DECREASING),
    "defaults on a noisy flat metric": ({}, 1.0 + 0.01 * _rng.standard_normal(STEPS)),
}


@pytest.mark.parametrize("name", PLATEAUS)
def test_reduce_lr_on_plateau_matches_torch(name):
    kwargs, metrics = PLATEAUS[name]

    def make(m, o):
        return m.ReduceLROnPlateau(o, **kwargs)

    lrs, _, sched = sequence(ours_sched, make, "SGD", {}, metrics=metrics)
    t_lrs, _, t_sched = sequence(torch_sched, make, "SGD", {}, metrics=metrics)
    assert len(np.unique(lrs)) > 2
    assert np.abs(lrs - t_lrs).max() <= TOL
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter, sched.last_epoch) == (
        t_sched.best,
        t_sched.num_bad_epochs,
        t_sched.cooldown_counter,
        t_sched.last_epoch,
    )


# ---- whole runs: optimizer and scheduler together on a quadratic ----------------------

_prng = np.random.default_rng(3)
_M = _prng.standard_normal((7, 7))
A = _M @ _M.T / 7 + 0.1 * np.eye(7)
B = _prng.standard_normal(7)
X0 = _prng.standard_normal(7)

RUNS = {
    "Adam + OneCycleLR": ("Adam", {}, lambda m, o: m.OneCycleLR(o, 0.05, total_steps=STEPS)),
    "SGD momentum + CosineAnnealingLR": (
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        lambda m, o: m.CosineAnnealingLR(o, T_max=100, eta_min=1e-3),
    ),
    "SGD nesterov + warm-up then cosine": (
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
        lambda m, o: m.SequentialLR(
            o, [m.LinearLR(o, 0.2, total_iters=20), m.CosineAnnealingLR(o, 230)], [20]
        ),
    ),
    "AdamW + OneCycleLR three phase": (
        "AdamW",
        {},
        lambda m, o: m.OneCycleLR(o, 0.05, STEPS, three_phase=True, anneal_strategy="linear"),
    ),
    "RMSprop momentum + WarmRestarts": (
        "RMSprop",
        {"lr": 0.003, "momentum": 0.9},
        lambda m, o: m.CosineAnnealingWarmRestarts(o, 10, T_mult=2),
    ),
    "Adagrad + ExponentialLR": (
        "Adagrad",
        {"lr": 0.5},
        lambda m, o: m.ExponentialLR(o, 0.99),
    ),
}


@pytest.mark.parametrize("name", RUNS)
def test_optimizer_with_scheduler_run_matches_torch(name):
    opt_name, opt_kwargs, make = RUNS[name]
    opt = getattr(ours_optim, opt_name)(**opt_kwargs)
    sched = make(ours_sched, opt)
    p = torch.tensor(X0, requires_grad=True)
    t_opt = getattr(torch.optim, opt_name)([p], foreach=False, **opt_kwargs)
    t_sched = make(torch_sched, t_opt)
    a_t, b_t = torch.tensor(A), torch.tensor(B)
    x, worst = X0.copy(), 0.0
    for _ in range(STEPS):
        x = opt.step(x, A @ x - B)
        sched.step()
        with torch.no_grad():
            p.grad = a_t @ p - b_t
        t_opt.step()
        t_sched.step()
        worst = max(worst, np.abs(x - p.detach().numpy()).max())
    assert np.abs(x - X0).max() > 0.1
    assert worst <= TOL


# ---- array learning rates: many runs at once ------------------------------------------

ARRAY_CASES = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR past T_max",
    "WarmRestarts T_mult=2",
    "LinearLR long",
    "LambdaLR warm-up",
    "SequentialLR three",
    "OneCycleLR Adam betas",
    "WarmupStableDecay sqrt",
]


@pytest.mark.parametrize("name", ARRAY_CASES)
def test_array_lr_schedules_like_separate_runs(name):
    make, opt_name, opt_kwargs = {**SCHEDULES, **OURS_ONLY}[name]
    base = np.array([[0.01], [0.1], [0.3]])
    if name.startswith("OneCycleLR"):

        def make(m, o):
            return m.OneCycleLR(o, max_lr=base * 2, total_steps=STEPS)

    lrs, _, _ = sequence(ours_sched, make, opt_name, opt_kwargs, lr=base, steps=60)
    for i in range(3):
        if name.startswith("OneCycleLR"):

            def make(m, o, i=i):
                return m.OneCycleLR(o, max_lr=base[i, 0] * 2, total_steps=STEPS)

        single, _, _ = sequence(ours_sched, make, opt_name, opt_kwargs, lr=base[i, 0], steps=60)
        np.testing.assert_array_equal(lrs[:, i, 0], single)


def test_plateau_with_array_lr_reduces_each_entry_on_its_own():
    opt = SGD(lr=np.array([1.0, 1e-3, 1e-9]))
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=np.array([0.0, 5e-4, 0.0]))
    sched.step(1.0)
    sched.step(2.0)  # worse: reduce
    np.testing.assert_array_equal(opt.lr, [0.1, 5e-4, 1e-9])  # clamped / change below eps
    assert isinstance(sched.get_last_lr()[0], np.ndarray)


def test_get_last_lr_is_a_copy():
    opt = SGD(lr=np.array([0.1, 0.2]))
    sched = StepLR(opt, step_size=2)
    last = sched.get_last_lr()
    assert isinstance(last, list) and len(last) == 1
    last[0][:] = 5.0
    np.testing.assert_array_equal(opt.lr, [0.1, 0.2])


def test_one_cycle_past_total_steps_raises_like_torch():
    opt = SGD(lr=0.1, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    p = torch.zeros(1, requires_grad=True)
    t_opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    t_sched = torch_sched.OneCycleLR(t_opt, max_lr=1.0, total_steps=10)
    for _ in range(10):
        t_opt.step()
        sched.step()
        t_sched.step()
    assert opt.lr == t_opt.param_groups[0]["lr"] > 1.0 / 25 / 1e4  # extrapolated
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()
    with pytest.raises(ValueError, match="total steps"):
        t_sched.step()


def test_one_cycle_linear_clips_the_extrapolated_last_lr_at_zero():
    def make(m, o):
        return m.OneCycleLR(o, 0.1, total_steps=20, anneal_strategy="linear")

    lrs, _, _ = sequence(ours_sched, make, "SGD", {"momentum": 0.9}, steps=20)
    t_lrs, _, _ = sequence(torch_sched, make, "SGD", {"momentum": 0.9}, steps=20)
    assert t_lrs[-1] < 0 and lrs[-1] == 0.0
    np.testing.assert_array_equal(lrs[:-1], t_lrs[:-1])


def test_one_cycle_needs_momentum_or_betas_like_torch():
    with pytest.raises(ValueError, match="optimizer"):
        OneCycleLR(Adagrad(), max_lr=0.1, total_steps=10)
    p = torch.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer"):
        torch_sched.OneCycleLR(torch.optim.Adagrad([p]), max_lr=0.1, total_steps=10)
    OneCycleLR(Adagrad(), max_lr=0.1, total_steps=10, cycle_momentum=False)


def test_construction_sets_initial_lr_and_performs_the_first_step():
    opt = SGD(lr=0.2)
    sched = LinearLR(opt, start_factor=0.5, total_iters=4)
    assert sched.last_epoch == 0 and opt.initial_lr == 0.2 and sched.base_lrs == [0.2]
    assert opt.lr == 0.1 and sched.get_last_lr() == [0.1]
    opt2 = Adam(lr=0.2)
    OneCycleLR(opt2, max_lr=1.0, total_steps=100)
    assert opt2.initial_lr == 1.0 / 25 and opt2.lr == pytest.approx(0.04) and opt2.betas[0] == 0.95


def test_repr():
    opt = SGD(lr=0.1)
    assert repr(StepLR(opt, step_size=30)) == "StepLR(SGD, step_size=30, gamma=0.1)"
    assert repr(CosineAnnealingLR(opt, 100)) == "CosineAnnealingLR(SGD, T_max=100, eta_min=0.0)"
    seq = SequentialLR(opt, [LinearLR(opt), ExponentialLR(opt, 0.9)], [5])
    assert repr(seq) == (
        "SequentialLR(SGD, schedulers=[LinearLR(SGD, start_factor=0.3333333333333333, "
        "end_factor=1.0, total_iters=5), ExponentialLR(SGD, gamma=0.9)], milestones=[5])"
    )
    assert repr(LambdaLR(opt, warmup)) == "LambdaLR(SGD, lr_lambda=warmup)"
    assert repr(ReduceLROnPlateau(opt)).startswith("ReduceLROnPlateau(SGD, mode='min', factor=0.1")


BAD = [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: StepLR(o, step_size=2.5), "step_size"),
    (lambda o: StepLR(o, 10, gamma=0), "gamma"),
    (lambda o: StepLR(o, 10, gamma=-0.5), "gamma"),
    (lambda o: MultiStepLR(o, [30, 10]), "milestones"),
    (lambda o: MultiStepLR(o, [10, 10]), "milestones"),
    (lambda o: MultiStepLR(o, 10), "milestones"),
    (lambda o: MultiStepLR(o, [0.5]), "milestones"),
    (lambda o: ExponentialLR(o, gamma=0.0), "gamma"),
    (lambda o: CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: CosineAnnealingLR(o, T_max=10.0), "T_max"),
    (lambda o: CosineAnnealingLR(o, 10, eta_min=-1), "eta_min"),
    (lambda o: CosineAnnealingWarmRestarts(o, T_0=0), "T_0"),
    (lambda o: CosineAnnealingWarmRestarts(o, 10, T_mult=0), "T_mult"),
    (lambda o: CosineAnnealingWarmRestarts(o, 10, T_mult=1.5), "T_mult"),
    (lambda o: CosineAnnealingWarmRestarts(o, 10, eta_min=np.nan), "eta_min"),
    (lambda o: LinearLR(o, start_factor=0), "start_factor"),
    (lambda o: LinearLR(o, start_factor=1.5), "start_factor"),
    (lambda o: LinearLR(o, end_factor=-0.1), "end_factor"),
    (lambda o: LinearLR(o, total_iters=0), "total_iters"),
    (lambda o: LambdaLR(o, 0.5), "lr_lambda"),
    (lambda o: WarmupStableDecay(o, -1, 10, 10), "warmup_steps"),
    (lambda o: WarmupStableDecay(o, 10, 2.5, 10), "stable_steps"),
    (lambda o: WarmupStableDecay(o, 10, 10, 0), "decay_steps"),
    (lambda o: WarmupStableDecay(o, 10, 10, 10, eta_min=-0.1), "eta_min"),
    (lambda o: WarmupStableDecay(o, 10, 10, 10, decay_shape="exp"), "decay_shape"),
    (lambda o: OneCycleLR(o, max_lr=0.1), "total_steps"),
    (lambda o: OneCycleLR(o, max_lr=0.1, total_steps=0), "total_steps"),
    (lambda o: OneCycleLR(o, max_lr=0.1, epochs=0, steps_per_epoch=10), "epochs"),
    (lambda o: OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=1.5), "steps_per_epoch"),
    (lambda o: OneCycleLR(o, max_lr=-0.1, total_steps=10), "max_lr"),
    (lambda o: OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), "pct_start"),
    (lambda o: OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=0.1), "pct_start"),
    (lambda o: OneCycleLR(o, 0.1, 10, anneal_strategy="exp"), "anneal_strategy"),
    (lambda o: OneCycleLR(o, 0.1, 10, div_factor=0), "div_factor"),
    (lambda o: OneCycleLR(o, 0.1, 10, final_div_factor=-1), "final_div_factor"),
    (lambda o: OneCycleLR(o, 0.1, 10, base_momentum=-0.1), "base_momentum"),
    (lambda o: OneCycleLR(o, 0.1, 10, max_momentum=1.0), "max_momentum"),
    (lambda o: ReduceLROnPlateau(o, mode="lowest"), "mode"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), "factor"),
    (lambda o: ReduceLROnPlateau(o, factor=-0.1), "factor"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), "patience"),
    (lambda o: ReduceLROnPlateau(o, threshold=-1), "threshold"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="relative"), "threshold_mode"),
    (lambda o: ReduceLROnPlateau(o, cooldown=1.5), "cooldown"),
    (lambda o: ReduceLROnPlateau(o, min_lr=-1e-3), "min_lr"),
    (lambda o: ReduceLROnPlateau(o, eps=-1), "eps"),
    (lambda o: SequentialLR(o, [], []), "schedulers"),
    (lambda o: SequentialLR(o, [StepLR(o, 5), ReduceLROnPlateau(o)], [3]), "schedulers"),
    (lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(SGD(lr=0.1), 5)], [3]), "schedulers"),
    (lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(o, 5)], [3, 6]), "milestones"),
    (lambda o: SequentialLR(o, [StepLR(o, 5), StepLR(o, 5), StepLR(o, 5)], [6, 3]), "milestones"),
    (lambda o: StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 5), "optimizer"),
    (lambda o: CosineAnnealingLR(None, 10), "optimizer"),
    (lambda o: ReduceLROnPlateau("adam"), "optimizer"),
    (lambda o: SequentialLR(object(), [StepLR(o, 5)], []), "optimizer"),
    (lambda o: OneCycleLR([o], 0.1, 10), "optimizer"),
]


@pytest.mark.parametrize("make, name", BAD)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make(SGD(lr=0.1, momentum=0.9))


@pytest.mark.parametrize("metric", [np.nan, np.inf, -np.inf, "0.5", None, [0.1], True])
def test_plateau_needs_a_finite_number(metric):
    sched = ReduceLROnPlateau(SGD(lr=0.1))
    with pytest.raises(ValueError, match="metrics"):
        sched.step(metric)
    assert sched.last_epoch == 0
    sched.step(np.float32(0.5))
    sched.step(torch.tensor(0.25, dtype=torch.float64))
    assert sched.best == 0.25


def test_a_scheduler_that_sets_a_bad_lr_raises():
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        LambdaLR(opt, lambda t: -1.0)
    sched = LambdaLR(SGD(lr=0.1), lambda t: 1.0 if t < 3 else math.nan)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="lr"):
        sched.step()


def test_cosine_annealing_reaches_zero_and_the_optimizer_accepts_it():
    opt = SGD(lr=0.1)
    sched = CosineAnnealingLR(opt, T_max=4)
    for _ in range(4):
        sched.step()
    assert opt.lr == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(opt.step(np.ones(2), np.ones(2)), np.ones(2))


def test_a_formula_that_rounds_below_zero_sets_lr_zero():
    # LinearLR's closed form η₀(s + (e − s)·t/n) lands on -1.4e-17 at t = n for these
    # factors (torch's recursive form on -8.9e-20 for others); a learning rate is never negative.
    s, n = 0.1, 3
    assert 1.0 * (s + (0.0 - s) * n / n) < 0
    opt = SGD(lr=1.0)
    sched = LinearLR(opt, start_factor=s, end_factor=0.0, total_iters=n)
    for _ in range(n + 2):
        sched.step()
        assert opt.lr >= 0
    assert sched.get_last_lr() == [0.0]


@pytest.mark.parametrize("name", {**SCHEDULES, **OURS_ONLY})
def test_a_saved_run_resumes_exactly(name):
    """Save optimizer and scheduler after 30 steps, load both into fresh ones built the same
    way, and the next 40 steps are bit for bit those of the run that went on."""
    make, opt_name, opt_kwargs = {**SCHEDULES, **OURS_ONLY}[name]

    def build():
        opt = getattr(ours_optim, opt_name)(lr=0.1, **opt_kwargs)
        return opt, make(ours_sched, opt)

    def run(opt, sched, x, steps):
        lrs = []
        for _ in range(steps):
            x = opt.step(x, 2 * x - 1)  # f(x) = ‖x‖² − Σx, so the state is not trivial
            sched.step()
            lrs.append(lr_of(opt))
        return x, lrs

    opt, sched = build()
    x, _ = run(opt, sched, np.array([1.0, -2.0, 0.5]), 30)
    saved = opt.state_dict(), sched.state_dict()
    x_on, lrs_on = run(opt, sched, x, 40)
    opt2, sched2 = build()
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    x_resumed, lrs_resumed = run(opt2, sched2, x, 40)
    np.testing.assert_array_equal(lrs_resumed, lrs_on)
    np.testing.assert_array_equal(x_resumed, x_on)


def test_state_dicts_are_copies_and_are_checked():
    opt = ours_optim.SGD(lr=0.1, momentum=0.9)
    sched = ours_sched.StepLR(opt, step_size=2)
    opt.step(np.ones(2), np.ones(2))
    saved = opt.state_dict()
    saved["state"]["momentum_buffer"][:] = 7.0  # changing the copy changes nothing
    assert opt.state["momentum_buffer"][0] == 1.0
    with pytest.raises(ValueError, match="state_dict must come from state_dict"):
        ours_optim.Adam(lr=0.1).load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="state_dict must come from state_dict"):
        ours_sched.ExponentialLR(ours_optim.SGD(lr=0.1), 0.9).load_state_dict({"step_size": 2})
    assert "optimizer" not in sched.state_dict()


def test_a_saved_plateau_scheduler_resumes_exactly():
    metrics = np.r_[np.linspace(1.0, 0.5, 10), np.full(30, 0.5)]

    def build():
        opt = ours_optim.SGD(lr=0.1)
        return opt, ours_sched.ReduceLROnPlateau(opt, patience=3, cooldown=2)

    opt, sched = build()
    for metric in metrics[:12]:
        sched.step(metric)
    saved = sched.state_dict()
    opt2, sched2 = build()
    sched2.load_state_dict(saved)
    opt2.lr = opt.lr  # the optimizer's lr is the optimizer's state (opt.state_dict() has it)
    for metric in metrics[12:]:
        sched.step(metric)
        sched2.step(metric)
        assert opt2.lr == opt.lr
    assert opt.lr < 0.1  # the plateau did cut the rate after the save


# WarmupStableDecay has no torch class: torch builds it from its own schedulers, chained by its
# SequentialLR at milestones W, W + S, W + S + D (LambdaLR where torch has no closed form).
def torch_wsd(opt, W, S, D, eta_min, shape):
    r = eta_min / opt.param_groups[0]["lr"]
    decay = {
        "linear": lambda: torch_sched.LinearLR(opt, 1.0, r, total_iters=D),
        "cosine": lambda: torch_sched.CosineAnnealingLR(opt, T_max=D, eta_min=eta_min),
        "sqrt": lambda: torch_sched.LambdaLR(opt, lambda t: r + (1 - r) * (1 - math.sqrt(t / D))),
    }[shape]
    phases = [
        torch_sched.LambdaLR(opt, lambda t: t / W),
        torch_sched.ConstantLR(opt, factor=1.0, total_iters=S),
        decay(),
        torch_sched.ConstantLR(opt, factor=r, total_iters=10**9),
    ]
    return torch_sched.SequentialLR(opt, phases, milestones=[W, W + S, W + S + D])


@pytest.mark.parametrize("shape", ["linear", "cosine", "sqrt"])
@pytest.mark.parametrize("W, S, D, eta_min", [(10, 100, 60, 0.01), (25, 1, 200, 0.0)])
def test_warmup_stable_decay_matches_torch(shape, W, S, D, eta_min):
    def make(m, o):
        if m is torch_sched:
            return torch_wsd(o, W, S, D, eta_min, shape)
        return m.WarmupStableDecay(o, W, S, D, eta_min=eta_min, decay_shape=shape)

    lrs, _, _ = sequence(ours_sched, make, "SGD", {}, steps=W + S + D + 20)
    t_lrs, _, _ = sequence(torch_sched, make, "SGD", {}, steps=W + S + D + 20)
    assert np.abs(lrs - t_lrs).max() <= TOL
    t = np.arange(len(lrs))
    np.testing.assert_allclose(lrs[t <= W], 0.1 * t[t <= W] / W, rtol=0, atol=1e-17)
    assert np.all(lrs[W : W + S + 1] == 0.1) and np.all(lrs[W + S + D :] == eta_min)
    assert np.all(np.diff(lrs[W + S :]) <= 0)  # the decay only goes down


def test_warmup_stable_decay_without_warmup_is_a_cosine_annealing():
    a, b = SGD(lr=0.1), SGD(lr=0.1)
    wsd = WarmupStableDecay(a, 0, 0, 40, eta_min=0.001, decay_shape="cosine")
    cosine = CosineAnnealingLR(b, T_max=40, eta_min=0.001)
    for _ in range(40):
        assert a.lr == pytest.approx(b.lr, rel=0, abs=1e-15)
        wsd.step()
        cosine.step()
    assert a.lr == 0.001 and repr(wsd) == (
        "WarmupStableDecay(SGD, warmup_steps=0, stable_steps=0, decay_steps=40, eta_min=0.001, "
        "decay_shape='cosine')"
    )
