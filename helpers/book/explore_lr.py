"""The explorer of chapter 3: learning rate, start point and condition number on sliders.

Plain gradient descent on the quadratic valley ``ill_conditioned(kappa)``
(curvatures L = 1 and mu = 1/kappa). Along each eigenvector of the Hessian
one step multiplies the error by (1 − lr·λ), so the distance to the
minimiser shrinks, after a while, by the largest of those factors per step:

    predicted contraction = max |1 − lr·λ| over the directions the start has,

stable exactly when lr·L < 2. The view draws the path on the contour plot
and the loss per step beside it, and its message sets lr·L against 2 and
the predicted contraction (:func:`helpers.theory.gd_rate`) against the one measured from
the run (:func:`helpers.theory.contraction`). Chapter 3.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.book.plots import BLACK, VERMILION
from helpers.book.widgets import Explorer, few_ticks, set_log_ylim
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import Quadratic, ill_conditioned
from helpers.theory import contraction, gd_rate

KAPPAS = (1, 2, 5, 10, 20, 50, 100)


def predicted_contraction(problem: Quadratic, lr: float, x0) -> float:
    """``gd_rate`` over the eigen-directions in which x0 − x* has a component (0 if none)."""
    eigenvalues, vectors = np.linalg.eigh(problem.H)
    error = np.asarray(x0, dtype=float) - problem.centre
    present = eigenvalues[np.abs(error @ vectors) > 1e-12 * max(np.linalg.norm(error), 1e-300)]
    return float(gd_rate(lr, present.max(), present.min())) if present.size else 0.0


class LearningRateValley:
    """Plain descent on ``ill_conditioned(kappa)``: the path on the contours, the loss per step.

    The view of :func:`lr_explorer`. The contour set of every kappa in
    ``KAPPAS`` is drawn once, hidden, and only shown or hidden afterwards,
    so a slider move only moves two lines. Chapter 3.
    """

    XLIM = (-10.0, 10.0)
    YLIM = (-4.5, 4.5)
    STEPS = 100
    LEVELS = np.geomspace(0.005, 40.0, 14)

    def __init__(self, fig: Figure):
        self.path_ax, self.loss_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
        self.problems = {k: ill_conditioned(k) for k in KAPPAS}
        self.contours = {k: self._draw_contours(p) for k, p in self.problems.items()}
        self.shown = None
        self.path_ax.plot(0, 0, "*", color=BLACK, markersize=11, zorder=4)
        (self.path,) = self.path_ax.plot([], [], "-o", color=VERMILION, markersize=2.5, lw=1.2)
        (self.start,) = self.path_ax.plot([], [], "o", color=VERMILION, markersize=7, zorder=4)
        self.path_ax.set(xlim=self.XLIM, ylim=self.YLIM, xlabel="$x_1$", ylabel="$x_2$")
        self.path_ax.set_aspect("equal")
        self.path_ax.grid(False)
        few_ticks(self.path_ax)
        few_ticks(self.loss_ax, log_y=True)
        self.loss_ax.set(xlim=(0, self.STEPS), xlabel="step k", ylabel="loss f(x_k)")
        (self.loss_line,) = self.loss_ax.plot([], [], "-", color=VERMILION)

    def _draw_contours(self, problem: Quadratic):
        xs = np.linspace(*self.XLIM, 161)
        ys = np.linspace(*self.YLIM, 81)
        z = problem.loss(np.stack(np.meshgrid(xs, ys), axis=-1))
        cs = self.path_ax.contour(xs, ys, z, levels=self.LEVELS, cmap="viridis", linewidths=0.8)
        cs.set_visible(False)
        return cs

    def _problem(self, kappa) -> Quadratic:
        """The valley for ``kappa``; a value the slider does not offer is drawn once, then kept."""
        if kappa not in self.problems:
            self.problems[kappa] = ill_conditioned(kappa)  # ValueError if kappa < 1
            self.contours[kappa] = self._draw_contours(self.problems[kappa])
        if kappa != self.shown:
            for k, cs in self.contours.items():
                cs.set_visible(k == kappa)
            self.shown = kappa
        return self.problems[kappa]

    def update(self, lr: float, kappa: float = 10, x1: float = -8.0, x2: float = 3.0) -> str:
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        problem = self._problem(kappa)
        run = descend(problem, SGD(lr=lr), [x1, x2], steps=self.STEPS)
        points = run.points
        self.path.set_data(points[:, 0], points[:, 1])
        self.start.set_data([x1], [x2])
        self.loss_line.set_data(np.arange(len(run.losses)), run.losses)
        set_log_ylim(self.loss_ax, run.losses)
        self.path_ax.set_title(f"κ = {kappa:g}, lr = {lr:.3g}")
        return self.message(problem, lr, run)

    @staticmethod
    def message(problem: Quadratic, lr: float, run) -> str:
        """What the run did, in one sentence: lr·L against 2, predicted and measured factors."""
        x0 = run.points[0]
        distances = np.linalg.norm(run.points - problem.minimiser, axis=-1)
        if distances[0] == 0:
            return "The start is the minimiser: the gradient is zero there and no step moves."
        edge = lr * problem.L
        if np.isclose(edge, 2, rtol=1e-12, atol=0):
            stability = "= 2: the edge of stability"
        elif edge < 2:
            stability = "< 2: stable"
        else:
            stability = "> 2: unstable"
        predicted = predicted_contraction(problem, lr, x0)
        measured = contraction(distances)
        text = (
            f"lr·L = {edge:.3f} {stability}. Contraction per step: "
            f"predicted {predicted:.4f}, measured {measured:.4f}. "
        )
        if run.stop_reason == "diverged":
            return text + f"Diverged at step {run.steps}."
        return text + f"Distance to the minimum after {run.steps} steps: {distances[-1]:.3g}."


def lr_explorer(
    lr: float = 0.5, kappa: int = 10, x1: float = -8.0, x2: float = 3.0
) -> widgets.Widget:
    """Explorer of chapter 3: learning rate, condition number and start on the quadratic valley."""
    controls = {
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-2,
            max=np.log10(2.4),
            step=0.01,
            description="lr",
            readout_format=".3f",
        ),
        "kappa": widgets.SelectionSlider(options=list(KAPPAS), value=kappa, description="κ"),
        "x1": widgets.FloatSlider(value=x1, min=-10, max=10, step=0.5, description="start x₁"),
        "x2": widgets.FloatSlider(value=x2, min=-4, max=4, step=0.5, description="start x₂"),
    }
    # Frames of the static (no-kernel) version: a crawl, the best lr for kappa = 10, the edge.
    lrs = [0.1, 0.5, 1.0, 1.5, round(2 / 1.1, 3), 2.0, 2.2]
    return Explorer(
        controls,
        LearningRateValley,
        figsize=(9.0, 3.4),
        static={"lr": lrs},
        control_width="330px",  # four sliders: two rows on a narrow page
        label_width="60px",
    ).widget
