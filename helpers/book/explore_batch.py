"""The explorer of chapter 4: batch size and learning rate for SGD on a one-feature regression.

Mini-batch noise keeps SGD with a constant learning rate from settling at the minimum: the
mean excess loss stays near the noise floor (:func:`helpers.theory.noise_floor`), drawn dashed
beside the run. Chapter 4.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.book.plots import BLACK, BLUE, VERMILION, loss_grid
from helpers.book.widgets import Explorer, few_ticks
from helpers.data import make_regression
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import LinearRegression
from helpers.theory import noise_floor
from helpers.validate import finite_array, integer, positive

GREY = "0.55"  # the full-batch reference in the explorer


def _batch_size(problem: LinearRegression, batch_size) -> int:
    batch_size = integer("batch_size", batch_size, minimum=1)
    if batch_size > problem.n:
        raise ValueError(f"batch_size must be in [1, {problem.n}], got {batch_size}")
    return batch_size


class BatchPath:
    """Mini-batch SGD on a one-feature regression: the path over the (w, b) contours and the loss.

    ``steps`` steps from ``x0``, with batches drawn from the same ``seed``
    for every slider position, so that moving the learning rate changes the
    steps, not the batches. In grey, full-batch descent with the same lr,
    computed in closed form (e_k = (I − lr·H)^k e_0 for the error e = x − x*);
    dashed, the predicted noise floor. The view of ``batch_explorer``. Chapter 4.
    """

    LOSS_RANGE = (1e-6, 1e2)  # fixed, so that the axes can be drawn once

    def __init__(
        self,
        fig: Figure,
        problem: LinearRegression | None = None,
        x0=(-1.0, 2.5),
        steps: int = 100,
        seed: int = 0,
    ):
        self.problem = problem or one_feature_problem()
        if self.problem.param_shape != (2,):
            raise ValueError("the explorer draws two parameters (w, b): use one feature")
        self.x0 = finite_array("x0", x0)
        self.steps = integer("steps", steps, minimum=1)
        self.seed = integer("seed", seed, minimum=0)
        A = self.problem.A
        self.curvatures, self.axes = np.linalg.eigh(2 * A.T @ A / self.problem.n)
        self.path_ax, self.loss_ax = fig.subplots(1, 2)
        centre = self.problem.minimiser
        reach = 1.25 * np.abs(self.x0 - centre).max()
        xlim = (centre[0] - reach, centre[0] + reach)
        ylim = (centre[1] - reach, centre[1] + reach)
        # The contours are computed and drawn once; a slider move only moves lines.
        X, Y, Z = loss_grid(self.problem, xlim, ylim, resolution=120)
        levels = self.problem.minimum + np.geomspace(1e-3, 1, 12) * (Z.max() - Z.min())
        self.path_ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.7)
        self.path_ax.plot(*centre, "*", color=BLACK, markersize=10)
        self.path_ax.plot(*self.x0, "o", color=VERMILION, markersize=6)
        (self.full_path,) = self.path_ax.plot([], [], "-", color=GREY, lw=1.2)
        (self.path,) = self.path_ax.plot([], [], "-", color=VERMILION, lw=1)
        (self.end,) = self.path_ax.plot([], [], "X", color=VERMILION, markersize=8)
        self.path_ax.set(xlim=xlim, ylim=ylim, xlabel="w", ylabel="b", aspect="equal")
        self.path_ax.grid(False)
        few_ticks(self.path_ax)
        few_ticks(self.loss_ax, log_y=True)
        (self.full_loss,) = self.loss_ax.plot([], [], color=GREY, lw=1.2)
        (self.loss_line,) = self.loss_ax.plot([], [], color=VERMILION, lw=1)
        self.floor_line = self.loss_ax.axhline(1.0, color=BLUE, ls="--", lw=1)
        self.loss_ax.set(
            xlim=(0, self.steps), ylim=self.LOSS_RANGE, xlabel="step", ylabel="loss − minimum"
        )
        self.loss_ax.set_title("mini-batch, full batch (grey), floor (dashed)", y=1.02)
        self._freeze_background(fig)

    def _freeze_background(self, fig: Figure) -> None:
        """Draw everything that never moves once, into an image behind the axes.

        The axes, ticks, labels and contours cost most of a redraw (text is
        slow to render); from here on a redraw pastes this image and draws
        the few lines that move.
        """
        moving = {
            self.path,
            self.end,
            self.full_path,
            self.loss_line,
            self.full_loss,
            self.floor_line,
        }
        for artist in moving:
            artist.set_visible(False)
        fig.canvas.draw()
        image = np.array(fig.canvas.buffer_rgba())
        for ax in (self.path_ax, self.loss_ax):
            for artist in ax.get_children():
                artist.set_visible(artist in moving)
        background = fig.add_axes((0, 0, 1, 1), zorder=-1)
        background.imshow(image, aspect="auto", interpolation="nearest")
        background.set_axis_off()

    @property
    def max_lr(self) -> float:
        """2/L: full-batch descent diverges from here on."""
        return 2 / self.curvatures.max()

    def full_batch_path(self, lr: float) -> np.ndarray:
        """x_0 … x_steps of full-batch descent with ``lr``: x* + Q·diag(1 − lr·λ)^k·Qᵀ(x_0 − x*)."""
        x_star, Q = self.problem.minimiser, self.axes
        factors = (1 - lr * self.curvatures) ** np.arange(self.steps + 1)[:, None]
        return x_star + (factors * ((self.x0 - x_star) @ Q)) @ Q.T

    def update(self, batch_size: int, lr: float) -> str:
        B = _batch_size(self.problem, batch_size)
        lr = positive("lr", lr)
        if lr >= self.max_lr:
            raise ValueError(
                f"lr = {lr:.3g} is at or above 2/L = {self.max_lr:.3g}, where even "
                "full-batch descent diverges"
            )
        mini = descend(self.problem, SGD(lr=lr), self.x0, self.steps, batch_size=B, rng=self.seed)
        full = self.full_batch_path(lr)
        f_min = self.problem.minimum
        points = mini.points[np.all(np.isfinite(mini.points), axis=1)]
        self.path.set_data(points[:, 0], points[:, 1])
        self.end.set_data(points[-1:, 0], points[-1:, 1])
        self.full_path.set_data(full[:, 0], full[:, 1])
        excess, full_excess = mini.losses - f_min, self.problem.loss(full) - f_min
        finite = np.isfinite(excess)
        self.loss_line.set_data(np.flatnonzero(finite), excess[finite])
        self.full_loss.set_data(np.arange(self.steps + 1), full_excess)
        floor = noise_floor(self.problem, lr, B)
        shown = 0 < floor < np.inf
        self.floor_line.set_ydata([floor, floor] if shown else [np.nan, np.nan])
        seen = f"{self.steps} steps of B = {B} use {self.steps * B / self.problem.n:.3g} epochs."
        if floor == np.inf:
            note = f"no finite floor: on average, batches of {B} diverge at this lr"
        elif floor == 0:
            note = "no noise: B = n"
        else:
            note = f"predicted floor {floor:.2g}"
        if mini.stop_reason == "diverged":
            return f"{seen} The mini-batch run diverged at step {mini.steps} ({note})."
        tail = max(float(excess[-(self.steps // 4) :].mean()), 0.0)
        return f"{seen} Mean loss − minimum over the last quarter: {tail:.2g} ({note})."


def one_feature_problem(n: int = 500, seed: int = 0) -> LinearRegression:
    """y = 2x − 1 + noise on ``n`` rows: the two-parameter (w, b) problem the explorer draws."""
    X, y, _ = make_regression(n=n, d=1, noise=1.0, seed=seed, w=[2.0], b=-1.0)
    return LinearRegression(X, y)


def batch_explorer(n: int = 500, seed: int = 0, steps: int = 100) -> widgets.Widget:
    """Explorer of chapter 4: batch size and learning rate for SGD on a one-feature regression."""
    problem = one_feature_problem(n, seed)
    sizes = sorted({1, 2, 5, 10, 20, 50, 100, 200, n} & set(range(1, n + 1)))
    controls = {
        "batch_size": widgets.SelectionSlider(options=sizes, value=10, description="batch B"),
        "lr": widgets.FloatLogSlider(
            value=0.1,
            base=10,
            min=-2.5,
            max=-0.1,
            step=0.05,
            description="lr",
            readout_format=".3f",
        ),
    }

    def view(fig):
        return BatchPath(fig, problem, steps=steps, seed=seed)

    # The static (no-kernel) version of the website: one frame per batch size.
    return Explorer(controls, view, figsize=(9.0, 3.8), static={"batch_size": sizes}).widget
