"""Explorer of chapter 6: pick a learning-rate schedule, move its sliders, watch lr and loss.

The fixed problem is the noisy regression of chapter 4 (500 rows, two features,
noise 1), run by mini-batch SGD (batch 10) for 200 steps with the same seeded
mini-batches every time, so that the schedule is the only thing that changes.
Left: the learning rate of every step, as the real scheduler object set it.
Right: loss − minimum per step, beside the run with a constant lr of the same
size (precomputed for every position of the lr slider in one vectorised run).

Three sliders serve every schedule (:func:`make_scheduler` says how):
``lr`` the base (or peak) learning rate, ``gamma`` a factor, ``period`` a
number of steps. Chapter 6.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.book.plots import BLACK, BLUE, VERMILION
from helpers.book.widgets import Explorer, few_ticks, set_log_ylim
from helpers.data import make_regression
from helpers.descent import Trajectory, descend
from helpers.optim import SGD
from helpers.problems import LinearRegression
from helpers.schedulers import (
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)

STEPS = 200
BATCH = 10
SEED = 0  # the mini-batch order, the same for every run
LAST = 20  # the message averages loss − minimum over the last LAST steps
LR_EXPONENTS = (-3.0, np.log10(0.5), 0.05)  # the lr slider: 10^-3 .. 0.5 in steps of 10^0.05

# What the sliders mean for each schedule (shown in the docs and the message).
SCHEDULES = {
    "constant": "lr only",
    "StepLR": "step_size = period, gamma",
    "MultiStepLR": "milestones = [period, 2·period], gamma",
    "ExponentialLR": "falls by gamma every period steps",
    "CosineAnnealingLR": "T_max = period",
    "CosineAnnealingWarmRestarts": "T_0 = period",
    "LinearLR": "warm-up from gamma·lr over period steps",
    "warm-up + cosine": "LinearLR over period steps, then cosine to 0",
    "OneCycleLR": "max_lr = lr, peak at step period − 1",
    "ReduceLROnPlateau": "factor = gamma, patience = period",
    "LambdaLR": "lr·period/(period + t)",
}


def noisy_regression() -> LinearRegression:
    """The explorer's problem: y = x₁/2 + x₂ + noise over 500 seeded rows (chapter 4)."""
    X, y, _ = make_regression(n=500, d=2, noise=1.0, seed=0)
    return LinearRegression(X, y)


def make_scheduler(
    name: str, optimizer: SGD, gamma: float, period: int, steps: int = STEPS
) -> LRScheduler | ReduceLROnPlateau | None:
    """The schedule ``name`` built on ``optimizer``, from the sliders ``gamma`` and ``period``.

    ``None`` for a constant lr. Raises ValueError for a combination that
    cannot be built (e.g. a warm-up as long as the run).
    """
    if name == "constant":
        return None
    if name == "StepLR":
        return StepLR(optimizer, step_size=period, gamma=gamma)
    if name == "MultiStepLR":
        return MultiStepLR(optimizer, milestones=[period, 2 * period], gamma=gamma)
    if name == "ExponentialLR":
        return ExponentialLR(optimizer, gamma=gamma ** (1 / period))
    if name == "CosineAnnealingLR":
        return CosineAnnealingLR(optimizer, T_max=period)
    if name == "CosineAnnealingWarmRestarts":
        return CosineAnnealingWarmRestarts(optimizer, T_0=period)
    if name == "LinearLR":
        return LinearLR(optimizer, start_factor=gamma, total_iters=period)
    if name == "warm-up + cosine":
        if period >= steps:
            raise ValueError(f"the warm-up (period = {period}) must be shorter than the run")
        warm = LinearLR(optimizer, start_factor=gamma, total_iters=period)
        cool = CosineAnnealingLR(optimizer, T_max=steps - period)
        return SequentialLR(optimizer, [warm, cool], milestones=[period])
    if name == "OneCycleLR":
        return OneCycleLR(
            optimizer,
            max_lr=optimizer.lr,
            total_steps=steps,
            pct_start=period / steps,
            cycle_momentum=False,
        )
    if name == "ReduceLROnPlateau":
        return ReduceLROnPlateau(optimizer, factor=gamma, patience=period)
    if name == "LambdaLR":

        def inverse_time(t: int) -> float:
            return period / (period + t)

        return LambdaLR(optimizer, inverse_time)
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {name!r}")


class ScheduleView:
    """The lr per step (left) and loss − minimum per step (right) for one schedule.

    The view of :func:`schedule_explorer`; every run is a call of
    :func:`helpers.descent.descend`. Chapter 6.
    """

    def __init__(self, fig: Figure):
        self.problem = noisy_regression()
        self.x0 = np.zeros(self.problem.param_shape)
        self.minimum = self.problem.minimum
        # Constant-lr runs for every position of the lr slider, in one call.
        self.lr_grid = 10.0 ** np.arange(*LR_EXPONENTS)
        self.constant = self._descend(SGD(lr=self.lr_grid[:, None])).losses
        self._extra: dict[float, np.ndarray] = {}  # constant runs for lrs off the slider
        self.lr_ax, self.loss_ax = fig.subplots(1, 2)
        steps = np.arange(STEPS + 1)
        (self.lr_line,) = self.lr_ax.plot(steps[:-1], np.zeros(STEPS), color=BLUE)
        (self.ref_line,) = self.loss_ax.plot(
            steps, np.ones(STEPS + 1), color=BLACK, lw=1, alpha=0.5
        )
        (self.loss_line,) = self.loss_ax.plot(steps, np.ones(STEPS + 1), color=VERMILION, lw=1.5)
        few_ticks(self.lr_ax)
        few_ticks(self.loss_ax, log_y=True)
        self.lr_ax.set(xlim=(0, STEPS), xlabel="step t", ylabel="lr")
        self.loss_ax.set(xlim=(0, STEPS), xlabel="step t", ylabel="loss − minimum")

    def _descend(self, optimizer: SGD, scheduler=None) -> Trajectory:
        """``optimizer`` (and ``scheduler``) from x0 for STEPS steps, on the same mini-batches."""
        return descend(self.problem, optimizer, self.x0, steps=STEPS, scheduler=scheduler,
                       batch_size=BATCH, rng=SEED, record_points=False)  # fmt: skip

    def reference(self, lr: float) -> np.ndarray:
        """Losses of the constant-lr run with this lr (precomputed when lr is on the slider)."""
        i = int(np.argmin(np.abs(np.log10(self.lr_grid) - np.log10(lr))))
        if abs(self.lr_grid[i] - lr) <= 1e-9 * lr:
            return self.constant[:, i]
        if lr not in self._extra:
            self._extra[lr] = self._descend(SGD(lr=lr)).losses
        return self._extra[lr]

    def run(self, schedule: str, lr: float, gamma: float, period: int):
        """(lrs, losses, diverged) of SGD with this schedule: the lr of each step, the loss at
        each point, and whether the run diverged (then both end where descend stopped it)."""
        optimizer = SGD(lr=lr)
        run = self._descend(optimizer, make_scheduler(schedule, optimizer, gamma, period))
        return run.lrs, run.losses, run.diverged

    def update(
        self,
        schedule: str = "CosineAnnealingLR",
        lr: float = 0.05,
        gamma: float = 0.5,
        period: int = 100,
    ) -> str:
        lrs, losses, diverged = self.run(schedule, lr, gamma, period)
        ref = self.reference(lr) - self.minimum
        gap = losses - self.minimum
        self.lr_line.set_data(np.arange(len(lrs)), lrs)
        self.lr_ax.set_ylim(0, 1.05 * max(lrs.max(initial=0.0), lr))
        self.loss_line.set_data(np.arange(len(gap)), gap)
        self.ref_line.set_data(np.arange(len(ref)), ref)
        set_log_ylim(self.loss_ax, np.concatenate([gap, ref]))
        if diverged:
            return f"{schedule} with lr {lr:.3g} diverged at step {len(gap) - 1}: lower the lr."
        constant = (
            f"{np.mean(ref[-LAST:]):.2e}"
            if len(ref) == STEPS + 1 and np.all(np.isfinite(ref))
            else "diverged"
        )
        return (
            f"{schedule} ({SCHEDULES[schedule]}), lr {lr:.3g}: loss − minimum over the last "
            f"{LAST} steps {np.mean(gap[-LAST:]):.2e} (red); with a constant lr {constant} (grey)."
        )


def schedule_explorer(
    schedule: str = "CosineAnnealingLR",
    lr: float = 0.05,
    gamma: float = 0.5,
    period: int = 100,
    static: dict | None = None,
) -> widgets.Widget:
    """Explorer of chapter 6: a schedule (dropdown) and its lr, gamma and period (sliders).

    ``static`` picks the frames of the static HTML version (see
    :func:`helpers.book.widgets.static_html`); by default one frame per schedule.
    """
    low, high, step = LR_EXPONENTS
    controls = {
        "schedule": widgets.Dropdown(
            options=list(SCHEDULES), value=schedule, description="schedule"
        ),
        "lr": widgets.FloatLogSlider(
            value=lr, base=10, min=low, max=high, step=step, description="lr", readout_format=".3g"
        ),
        "gamma": widgets.FloatSlider(
            value=gamma, min=0.05, max=0.95, step=0.05, description="gamma"
        ),
        "period": widgets.IntSlider(value=period, min=5, max=STEPS, step=5, description="period"),
    }
    static = {"schedule": list(SCHEDULES)} if static is None else static
    return Explorer(controls, ScheduleView, figsize=(9.0, 3.4), static=static).widget
