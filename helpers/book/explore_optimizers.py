"""Explorer of chapter 5: optimizers race on a surface, one of them driven by sliders.

The race of :mod:`helpers.book.race`: five optimizers, each at the learning rate the
chapter tuned for the surface, run for ``STEPS`` steps from the same start; they are drawn
thin. The optimizer chosen in the dropdown runs again, drawn thick, with the sliders' lr,
momentum, β₁ and β₂ (:func:`helpers.book.race.make_optimizer` says which optimizer uses
which slider). Every run is a call of :func:`helpers.descent.descend`.

Left: the paths on the contours of the surface (a map without tick labels,
which are most of the cost of a redraw). Right: loss − minimum per step on a
log axis, with a key drawn once as an image. The contours of each surface and
the tuned runs are computed once per surface and kept. Chapter 5.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from helpers.book.plots import BLACK, BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILION
from helpers.book.race import (
    OPTIMIZERS,
    RACE_LR,
    STEPS,
    SURFACES,
    Surface,
    make_optimizer,
    make_surfaces,
)
from helpers.book.widgets import Explorer, few_ticks, set_log_ylim
from helpers.descent import descend
from helpers.optim import Optimizer
from helpers.problems import Problem

FLOOR = 1e-16  # loss − minimum is drawn no lower than this on the log axis
RACER_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, SKY)  # vermilion is the sliders' run
SLIDERS_USED = {
    "SGD": ("lr",),
    "momentum": ("lr", "momentum"),
    "Nesterov": ("lr", "momentum"),
    "RMSprop": ("lr", "β₂"),
    "Adam": ("lr", "β₁", "β₂"),
}


def race(problem: Problem, optimizer: Optimizer, x0, steps: int = STEPS):
    """Run ``optimizer`` from ``x0`` with :func:`helpers.descent.descend`: returns the points
    and losses to draw (descend's records without the non-finite ones of a diverged last
    step), the steps taken and whether the run diverged."""
    run = descend(problem, optimizer, x0, steps=steps)
    points = run.points[np.all(np.isfinite(run.points), axis=-1)]
    return points, run.losses[np.isfinite(run.losses)], run.steps, run.diverged


def legend_image(lines, dpi: float) -> np.ndarray:
    """An RGBA image (rows, columns, 4) of a legend for ``lines``, cropped to its box."""
    fig = Figure(figsize=(8.0, 2.0), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    legend = fig.legend(
        handles=[Line2D([], [], color=ln.get_color(), lw=ln.get_linewidth()) for ln in lines],
        labels=[ln.get_label() for ln in lines],
        loc="lower left",
        ncol=3,
        fontsize=8,
        frameon=True,
        framealpha=0.9,
        borderaxespad=0,
    )
    canvas.draw()
    box = legend.get_window_extent()
    rgba = np.asarray(canvas.buffer_rgba())
    top = rgba.shape[0] - int(np.ceil(box.y1))
    return rgba[top : rgba.shape[0] - int(box.y0), int(box.x0) : int(np.ceil(box.x1))].copy()


class OptimizerRace:
    """The view of :func:`optimizer_explorer`: the race on the contours and the loss curves.

    Chapter 5.
    """

    def __init__(self, fig: Figure):
        self.surfaces = make_surfaces()
        self.path_ax, self.loss_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        self.contours = {}
        self.racers = {}  # surface name -> {optimizer: (points, losses)}, filled on first use
        self.shown = None
        (self.star,) = self.path_ax.plot([], [], "*", color=BLACK, markersize=11, zorder=5)
        self.paths, self.curves = {}, {}
        for i, name in enumerate(OPTIMIZERS):
            colour = RACER_COLOURS[i]
            (self.paths[name],) = self.path_ax.plot([], [], "-", color=colour, lw=1.0, alpha=0.8)
            (self.curves[name],) = self.loss_ax.plot([], [], "-", color=colour, lw=1.0, label=name)
        (self.path,) = self.path_ax.plot([], [], "-o", color=VERMILION, lw=1.8, markersize=2.5)
        (self.start,) = self.path_ax.plot([], [], "o", color=BLACK, markersize=6, zorder=5)
        (self.curve,) = self.loss_ax.plot([], [], "-", color=VERMILION, lw=2.0, label="sliders")
        self.path_ax.grid(False)
        # The map needs no numbers on its axes; tick labels are most of the cost of a redraw.
        self.path_ax.set(xticks=[], yticks=[])
        few_ticks(self.loss_ax, log_y=True)
        self.loss_ax.set(xlim=(0, STEPS), xlabel="step k", ylabel="loss − minimum")
        # The key never changes: drawn once into an image, pasted on every redraw
        # (a live legend would lay out its six labels again at every slider move).
        key = legend_image([*self.curves.values(), self.curve], fig.dpi)
        width, height = int(fig.bbox.width), int(fig.bbox.height)
        fig.figimage(key, xo=width - key.shape[1] - 4, yo=height - key.shape[0] - 2, zorder=10)

    def _surface(self, name: str) -> Surface:
        """Show the contours of surface ``name`` (drawn on first use) and return it."""
        if name not in self.surfaces:
            raise ValueError(f"surface must be one of {', '.join(self.surfaces)}, got {name!r}")
        surface = self.surfaces[name]
        if name not in self.contours:
            xs = np.linspace(*surface.xlim, 121)
            ys = np.linspace(*surface.ylim, 91)
            z = surface.problem.loss(np.stack(np.meshgrid(xs, ys), axis=-1))
            gap = z - surface.problem.minimum  # levels evenly spaced in log(loss − minimum)
            levels = surface.problem.minimum + np.geomspace(max(gap.min(), 1e-3), gap.max(), 14)
            cs = self.path_ax.contour(xs, ys, z, levels=levels, cmap="viridis", linewidths=0.7)
            self.contours[name] = cs
            self.racers[name] = {
                opt: race(surface.problem, make_optimizer(opt, RACE_LR[name, opt]), surface.x0)[:2]
                for opt in OPTIMIZERS
            }
        if name != self.shown:
            for other, cs in self.contours.items():
                cs.set_visible(other == name)
            for opt, (points, losses) in self.racers[name].items():
                self.paths[opt].set_data(points[:, 0], points[:, 1])
                self.curves[opt].set_data(np.arange(len(losses)), self.gap(surface, losses))
            self.star.set_data([surface.problem.minimiser[0]], [surface.problem.minimiser[1]])
            self.start.set_data([surface.x0[0]], [surface.x0[1]])
            self.path_ax.set(xlim=surface.xlim, ylim=surface.ylim)
            self.shown = name
        return surface

    @staticmethod
    def gap(surface: Surface, losses) -> np.ndarray:
        """loss − minimum, floored at FLOOR so that the log axis can show it."""
        return np.maximum(np.asarray(losses) - surface.problem.minimum, FLOOR)

    def update(
        self,
        surface: str = "valley",
        optimizer: str = "Adam",
        lr: float = 0.1,
        momentum: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
    ) -> str:
        chosen = self._surface(surface)
        opt = make_optimizer(optimizer, lr, momentum, beta1, beta2)  # ValueError: a message
        points, losses, steps, diverged = race(chosen.problem, opt, chosen.x0)
        self.path.set_data(points[:, 0], points[:, 1])
        gaps = self.gap(chosen, losses)
        self.curve.set_data(np.arange(len(losses)), gaps)
        racer_gaps = [self.gap(chosen, r[1]) for r in self.racers[surface].values()]
        set_log_ylim(self.loss_ax, np.concatenate([gaps, *racer_gaps]))
        self.path_ax.set_title(f"{surface}: {optimizer}, lr = {lr:.3g}")
        return self.message(surface, optimizer, lr, gaps, steps, diverged)

    def message(self, surface, optimizer, lr, gaps, steps, diverged) -> str:
        """One sentence: how the slider run ended, against the tuned run of the same optimizer."""
        used = ", ".join(SLIDERS_USED[optimizer])
        tuned_lr = RACE_LR[surface, optimizer]
        tuned = self.gap(self.surfaces[surface], self.racers[surface][optimizer][1])[-1]
        if diverged:
            result = f"diverged at step {steps}"
        else:
            result = f"loss − minimum after {steps} steps: {gaps[-1]:.3g}"
        return (
            f"{optimizer} (uses {used}) at lr = {lr:.3g}: {result}. "
            f"Tuned {optimizer} (lr = {tuned_lr:.3g}): {tuned:.3g}."
        )


def optimizer_explorer(
    surface: str = "valley",
    optimizer: str = "Adam",
    lr: float = 0.1,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
) -> widgets.Widget:
    """Explorer of chapter 5: five optimizers race on a surface; sliders drive one of them."""
    controls = {
        "surface": widgets.Dropdown(options=list(SURFACES), value=surface, description="surface"),
        "optimizer": widgets.Dropdown(
            options=list(OPTIMIZERS),
            value=optimizer,
            description="optimizer",
        ),
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-4,
            max=np.log10(3.0),
            step=0.05,
            description="lr",
            readout_format=".4f",
        ),
        "momentum": widgets.FloatSlider(
            value=momentum,
            min=0.0,
            max=0.99,
            step=0.01,
            description="momentum",
        ),  # fmt: skip
        "beta1": widgets.FloatSlider(value=beta1, min=0.0, max=0.99, step=0.01, description="β₁"),
        "beta2": widgets.FloatSlider(
            value=beta2,
            min=0.8,
            max=0.999,
            step=0.001,
            description="β₂",
            readout_format=".3f",
        ),
    }
    return Explorer(
        controls,
        OptimizerRace,
        figsize=(9.0, 3.6),
        static={"optimizer": ["SGD", "momentum", "Adam"]},
        control_width="300px",  # six controls: two rows on a narrow page
        label_width="70px",
    ).widget
