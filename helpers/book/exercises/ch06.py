"""Checks for the exercises of chapter 6, learning-rate schedules."""

from __future__ import annotations

import math

import numpy as np

from helpers.book.exercises import (
    ROUNDED,
    Feedback,
    agrees,
    as_number,
    checker,
    close,
    correct,
    hint,
    rounded,
)
from helpers.data import make_regression
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import LinearRegression
from helpers.schedulers import LRScheduler, OneCycleLR, ReduceLROnPlateau

# Exercise 3: SGD(lr=0.05), batches of 10, 200 steps on fixed mini-batches.
FLOOR_LR, FLOOR_STEPS, FLOOR_TARGET, FLOOR_SEED = 0.05, 200, 1e-3, 0


def _lrs(build, base_lr: float, steps: int) -> tuple[np.ndarray | None, Feedback | None]:
    """The lr of each of ``steps`` steps of the scheduler ``build(opt)``, or a hint."""
    opt = SGD(lr=base_lr)
    sched = build(opt)
    if sched is None:
        return None, hint("build(opt) returned None: end it with return and the scheduler.")
    if not isinstance(sched, LRScheduler):
        return None, hint(
            f"build(opt) should return a helpers.schedulers scheduler, got {type(sched).__name__}."
        )
    if sched.optimizer is not opt:
        return None, hint("Build the scheduler on the optimizer opt that build receives.")
    lrs = []
    for _ in range(steps):
        lrs.append(float(opt.lr))
        sched.step()
    return np.array(lrs), None


@checker
def check_step_lr(lr_75) -> Feedback:
    """Exercise 1: StepLR(step_size=30, gamma=0.5) on lr 0.1, after 75 scheduler steps."""
    value = as_number(lr_75)
    if value is None:
        return hint("lr_75 should be a single number.")
    if agrees(value, 0.1 * 0.5 ** (75 // 30)):
        return correct("0.1 · 0.5^⌊75/30⌋ = 0.1 · 0.5² = 0.025: halved at steps 30 and 60.")
    if agrees(value, 0.1 * 0.5**3):
        return hint("That is three halvings. The third comes at step 90: round 75/30 down.")
    if agrees(value, 0.1 * 0.5 ** (75 / 30)):
        return hint("StepLR changes the rate in steps, not smoothly: use ⌊75/30⌋, not 75/30.")
    if agrees(value, 0.05):
        return hint("That is one halving (step 30). There is another at step 60.")
    if agrees(value, 0.1 * 0.1**2):
        return hint("The factor here is gamma=0.5, not StepLR's default 0.1.")
    if agrees(value, 0.1 * 0.5**75):
        return hint("The rate is halved once every step_size = 30 steps, not every step.")
    if rounded(value, 0.1 * 0.5 ** (75 // 30)):
        return hint(ROUNDED)
    return hint("The rate is η₀ · gamma^⌊t / step_size⌋ with η₀ = 0.1, t = 75.")


def _warmup_cosine_target(base_lr: float, steps: int = 100, warmup: int = 10) -> np.ndarray:
    t = np.arange(steps)
    rise = base_lr * (0.01 + 0.99 * t / warmup)
    fall = base_lr * (1 + np.cos(np.pi * (t - warmup) / (steps - warmup))) / 2
    return np.where(t < warmup, rise, fall)


@checker
def check_warmup_cosine(build) -> Feedback:
    """Exercise 2: linear warm-up from 0.01·η₀ over 10 steps, then cosine to 0 at step 100."""
    if not callable(build):
        return hint("Pass your function itself: check_warmup_cosine(build), without calling it.")
    base_lr = 0.1
    lrs, problem = _lrs(build, base_lr, 100)
    if problem is not None:
        return problem
    target = _warmup_cosine_target(base_lr)
    if np.allclose(lrs, target, rtol=1e-9, atol=1e-12):
        return correct(
            "LinearLR for 10 steps, then cosine over the remaining 90: every lr matches."
        )
    k = np.arange(90)  # steps since the milestone
    for t_max in range(1, 301):
        if t_max != 90 and np.allclose(lrs[10:], base_lr * (1 + np.cos(np.pi * k / t_max)) / 2):
            if t_max == 100:
                return hint(
                    "The cosine part starts its own count at the milestone: T_max is 90, not 100."
                )
            return hint(f"Your cosine has T_max = {t_max}; it should last 90 steps: T_max = 90.")
    eta_min = 2 * lrs[55] - base_lr  # halfway down the cosine the lr is (η₀ + eta_min)/2
    if not close(eta_min, 0.0) and np.allclose(
        lrs[10:], eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * k / 90)) / 2
    ):
        return hint(f"Your cosine ends at eta_min = {eta_min:.6g}; it should end at 0 (eta_min=0).")
    bad = int(np.argmax(~np.isclose(lrs, target, rtol=1e-9, atol=1e-12)))  # first mismatch
    if np.allclose(lrs[10:], target[10:]):
        if close(lrs[0], base_lr / 3):
            return hint("The warm-up starts at LinearLR's default 1/3; it should start at 0.01.")
        return hint(
            f"The cosine part is right; the warm-up is not: at step {bad} your lr is "
            f"{lrs[bad]:.6g}, the target is {target[bad]:.6g} "
            "(start_factor = 0.01, total_iters = 10)."
        )
    return hint(
        f"At step {bad} your lr is {lrs[bad]:.6g}, the target is {target[bad]:.6g}. Use "
        "SequentialLR([LinearLR(...), CosineAnnealingLR(...)], milestones=[10])."
    )


def floor_gap(build) -> float:
    """Exercise 3's measure: loss − minimum over the last 50 of 200 SGD steps on fixed batches.

    ``build(opt)`` returns a scheduler or None (a constant lr).
    """
    X, y, _ = make_regression(n=500, d=2, noise=1.0, seed=0)
    problem = LinearRegression(X, y)
    opt = SGD(lr=FLOOR_LR)
    sched = build(opt)
    run = descend(
        problem,
        opt,
        np.zeros(3),
        steps=FLOOR_STEPS,
        batch_size=10,
        scheduler=sched,
        rng=FLOOR_SEED,
        record_points=False,
    )
    if run.stop_reason == "diverged":
        return math.inf
    return float(np.mean(run.losses[-50:] - problem.minimum))


@checker
def check_below_floor(build) -> Feedback:
    """Exercise 3: a schedule that takes SGD(lr=0.05) below 1e-3 above the minimum."""
    if not callable(build):
        return hint("Pass your function itself: check_below_floor(build), without calling it.")
    opt = SGD(lr=FLOOR_LR)
    sched = build(opt)
    if sched is not None and not isinstance(sched, (LRScheduler, ReduceLROnPlateau)):
        return hint(f"build(opt) should return a scheduler or None, got {type(sched).__name__}.")
    if sched is not None and sched.optimizer is not opt:
        return hint("Build the scheduler on the optimizer opt that build receives.")
    gap = floor_gap(build)
    if gap < FLOOR_TARGET:
        return correct(f"Averaged over the last 50 steps the loss is {gap:.2e} above the minimum.")
    if sched is None:
        return hint(
            f"build(opt) returned None, which leaves the lr constant: the loss then stays "
            f"{gap:.2e} above the minimum. Return a scheduler built on opt that lowers the lr."
        )
    if not math.isfinite(gap):
        return hint("The run diverged: your schedule raised the lr too far.")
    lrs, _ = (None, None) if isinstance(sched, ReduceLROnPlateau) else _lrs(build, FLOOR_LR, 200)
    if lrs is not None and lrs[-50:].mean() > 0.2 * FLOOR_LR:
        return hint(
            f"The loss is still {gap:.2e} above the minimum. Over the last 50 steps, where the "
            f"loss is averaged, your lr is {lrs[-50:].mean():.3g} on average: too large to get "
            "through the noise. Let it fall further, and stay low."
        )
    if lrs is not None and lrs[40] < 0.1 * FLOOR_LR:
        return hint(
            f"The loss is still {gap:.2e} above the minimum: your lr falls below 0.005 before "
            "step 40, before the run has got near the minimum. Decay later or more slowly."
        )
    return hint(
        f"The loss is {gap:.2e} above the minimum, not yet below {FLOOR_TARGET:g}. A smooth "
        "decay (cosine) or gentler cuts let the run settle while the rate falls."
    )


@checker
def check_one_cycle_peak(peak_step) -> Feedback:
    """Exercise 4: the step at which OneCycleLR(total_steps=200, pct_start=0.25) peaks."""
    value = as_number(peak_step)
    if value is None:
        return hint("peak_step should be a single whole number.")
    opt = SGD(lr=0.1)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=200, pct_start=0.25, cycle_momentum=False)
    lrs = []
    for _ in range(200):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    true_peak = int(np.argmax(lrs))
    if value == true_peak:
        return correct(
            f"pct_start·total_steps − 1 = {true_peak}: there lr = max_lr = {lrs[true_peak]:g}."
        )
    if value == true_peak + 1:
        return hint(
            "One too far: the climb ends at pct_start·total_steps − 1, since t starts at 0."
        )
    if value == 59 or value == 60:
        return hint("pct_start is 0.25 here, not OneCycleLR's default 0.3.")
    if value == 100 or value == 99:
        return hint("The peak is not in the middle: the climb takes pct_start = 25% of the run.")
    if not float(value).is_integer():
        return hint("Scheduler steps are whole numbers: count the calls of sched.step().")
    return hint("The climb lasts pct_start · total_steps steps, counted from step 0.")
