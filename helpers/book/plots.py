"""The book's pictures: one style, one colour-blind-safe palette.

Call ``use_book_style()`` once at the top of a notebook; nothing changes
matplotlib's settings on import. Every function draws on an ``ax`` (a new
figure is made if none is given) and returns it, so a cell can add to the
picture before ``plt.show()``.

Dark mode: with the environment variable ``GDBOOK_THEME=dark`` the same
drawing code draws every figure for the website's dark theme: the page's
dark background, light text and axes, ``BLACK`` a light grey (it is the
colour of "the ink"), and the colour maps whose light end would be a bright
patch (``DIGITS_CMAP``, ``DIVERGING_CMAP``) swapped for their dark-ended
twins. The book's build runs every notebook once more that way and shows the
twin of each figure in dark mode (``book/_ext/gdbook.py``). Without the
variable nothing differs from the light figures stored in the notebooks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from helpers.problems import Problem
from helpers.validate import finite_array, integer

DARK = os.environ.get("GDBOOK_THEME", "light") == "dark"
# The page colours of the website's dark theme (pydata-sphinx-theme's background and text).
DARK_BACKGROUND, DARK_TEXT, DARK_EDGES = "#14181e", "#ced6dd", "#9ca4af"

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
# Its black is the colour of the ink, so on a dark page it is the page's text colour.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           DARK_TEXT if DARK else "#000000")  # fmt: skip
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, BLACK = PALETTE
# The paper the figures are drawn on: the box behind a label in a figure.
PAPER = DARK_BACKGROUND if DARK else "white"
# Images of digits: dark ink on white paper, or in dark mode light ink on the dark page.
DIGITS_CMAP = "gray" if DARK else "gray_r"
# Signed values (weights): red and blue, with 0 in the colour of the page.
DIVERGING_CMAP, ZERO_COLOUR = ("berlin", "black") if DARK else ("RdBu_r", "white")
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"

BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 11,
    "axes.titlesize": 12,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}
if DARK:
    BOOK_STYLE |= {
        "figure.facecolor": DARK_BACKGROUND,
        "axes.facecolor": DARK_BACKGROUND,
        "savefig.facecolor": DARK_BACKGROUND,
        "text.color": DARK_TEXT,
        "axes.labelcolor": DARK_TEXT,
        "axes.titlecolor": DARK_TEXT,
        "axes.edgecolor": DARK_EDGES,
        "xtick.color": DARK_EDGES,
        "ytick.color": DARK_EDGES,
        "xtick.labelcolor": DARK_TEXT,
        "ytick.labelcolor": DARK_TEXT,
        "grid.color": DARK_EDGES,
        "legend.labelcolor": DARK_TEXT,
        "axes3d.xaxis.panecolor": (1, 1, 1, 0.04),
        "axes3d.yaxis.panecolor": (1, 1, 1, 0.06),
        "axes3d.zaxis.panecolor": (1, 1, 1, 0.08),
    }


def use_book_style() -> None:
    """Apply the book's matplotlib style (palette, sizes, grid) for this session."""
    mpl.rcParams.update(BOOK_STYLE)


def _interval(name: str, value) -> tuple[float, float]:
    """Check an axis range (low, high) with low < high."""
    arr = finite_array(name, value)
    if arr.shape != (2,) or not arr[0] < arr[1]:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got {value!r}")
    return float(arr[0]), float(arr[1])


def _problem(problem, param_shape: tuple) -> Problem:
    if not isinstance(problem, Problem):
        raise ValueError(
            f"problem must be a helpers.problems.Problem, got {type(problem).__name__}"
        )
    if problem.param_shape != param_shape:
        kind = "a function of one number" if param_shape == () else "a function of 2 numbers"
        raise ValueError(f"problem must be {kind} for this plot; {problem.name} is not")
    return problem


def _axes(ax=None, projection=None):
    if ax is not None:
        return ax
    fig = plt.figure()
    return fig.add_subplot(projection=projection)


def plot_steps_1d(
    problem: Problem, points, ax=None, xlim=None, color=VERMILION, label=None, annotate: int = 3
):
    """The curve f(x) with the descent steps x₀, x₁, … drawn on it as dots joined by arrows.

    The first ``annotate`` points are labelled x₀, x₁, … . Chapter 1.
    """
    _problem(problem, ())
    pts = finite_array("points", np.asarray(points, dtype=float)[np.isfinite(points)]).ravel()
    if pts.size == 0:
        raise ValueError("points must hold at least one finite point")
    annotate = integer("annotate", annotate, minimum=0)
    ax = _axes(ax)
    if xlim is None:
        centre = 0.0 if problem.minimiser is None else float(problem.minimiser)
        reach = max(np.abs(pts - centre).max(initial=1.0), 1.0) * 1.15
        xlim = (centre - reach, centre + reach)
    grid = np.linspace(*xlim, 400)
    ax.plot(grid, problem.loss(grid), color=BLUE, label=problem.name)
    ys = problem.loss(pts)
    ax.plot(pts, ys, "o", color=color, markersize=5, label=label, zorder=3)
    # All arrows in one artist: cheap to draw, so explorers stay fast.
    ax.quiver(
        pts[:-1],
        ys[:-1],
        np.diff(pts),
        np.diff(ys),
        angles="xy",
        scale_units="xy",
        scale=1,
        color=color,
        width=0.004,
        headwidth=5,
        headlength=6,
        zorder=3,
    )
    for i, (x, y) in enumerate(zip(pts[:annotate], ys[:annotate], strict=True)):
        ax.annotate(
            f"x{_SUBSCRIPTS[i]}" if i < 10 else f"x{i}",
            (x, y),
            textcoords="offset points",
            xytext=(6, 6),
        )
    ax.set(xlim=xlim, xlabel="x", ylabel="f(x)")
    return ax


def loss_grid(problem: Problem, xlim, ylim, resolution: int = 200):
    """Loss values of a 2-D problem on a grid: returns (X, Y, Z) for contour plots."""
    _problem(problem, (2,))
    resolution = integer("resolution", resolution, minimum=2)
    xs = np.linspace(*_interval("xlim", xlim), resolution)
    ys = np.linspace(*_interval("ylim", ylim), resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = problem.loss(np.stack([X, Y], axis=-1))
    return X, Y, Z


def plot_contour(
    problem: Problem,
    paths: Sequence | None = None,
    labels: Sequence | None = None,
    ax=None,
    xlim=(-5, 5),
    ylim=(-5, 5),
    levels: int = 20,
    log_levels: bool = True,
    resolution: int = 200,
):
    """Contour lines of a 2-D problem, with descent paths drawn on top.

    ``paths`` is a list of arrays of points (k, 2), for example
    ``trajectory.points``; the start is a circle, the end a cross, the
    minimiser (where known) a star. Levels are spaced evenly in log scale
    above the minimum, so both the valley floor and the walls show.
    Chapters 2, 3 and 5.
    """
    X, Y, Z = loss_grid(problem, xlim, ylim, resolution)
    levels = integer("levels", levels, minimum=2)
    if labels is not None and len(labels) != len(paths or []):
        raise ValueError(f"labels must give one label per path, got {len(labels)} for "
                         f"{len(paths or [])} paths")  # fmt: skip
    ax = _axes(ax)
    if log_levels:
        floor = Z.min()
        span = max(Z.max() - floor, 1e-12)
        lv = floor + np.geomspace(span * 1e-4, span, levels)
    else:
        lv = levels
    ax.contour(X, Y, Z, levels=lv, cmap="viridis", linewidths=0.8, alpha=0.9)
    if problem.minimiser is not None:
        m = np.asarray(problem.minimiser)
        ax.plot(m[0], m[1], "*", color=BLACK, markersize=12, label="minimum", zorder=4)
    for i, path in enumerate(paths or []):
        p = np.asarray(path, dtype=float)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(
                f"paths[{i}] must be an array of points of shape (k, 2), got {p.shape}"
            )
        p = p[np.all(np.isfinite(p), axis=-1)]
        c = PALETTE[(i + 3) % len(PALETTE)] if len(paths) > 1 else VERMILION
        lab = labels[i] if labels is not None else None
        ax.plot(p[:, 0], p[:, 1], "-o", color=c, markersize=3, linewidth=1.5, label=lab, zorder=3)
        ax.plot(p[0, 0], p[0, 1], "o", color=c, markersize=8, zorder=4)
        ax.plot(p[-1, 0], p[-1, 1], "X", color=c, markersize=9, zorder=4)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.grid(False)
    return ax


def plot_losses(
    curves: dict, ax=None, minimum: float | None = None, log: bool = True, xlabel: str = "step"
):
    """Loss curves, one per entry of ``curves`` ({label: losses}), on a log axis.

    With ``minimum`` given, the curve shows f(x_k) − f*, the distance to the
    best value, which makes a linear rate a straight line on the log axis.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict {label: losses}")
    ax = _axes(ax)
    for label, losses in curves.items():
        y = np.asarray(losses, dtype=float)
        if minimum is not None:
            y = y - minimum
        ax.plot(np.arange(len(y)), y, label=label)
    if log and any(np.any(np.asarray(line.get_ydata()) > 0) for line in ax.get_lines()):
        ax.set_yscale("log")  # (a curve that is all zeros, already at the minimum, stays linear)
    ax.set(xlabel=xlabel, ylabel="loss − minimum" if minimum is not None else "loss")
    if len(curves) > 1:
        ax.legend()
    return ax


def plot_surface(
    problem: Problem, ax=None, xlim=(-5, 5), ylim=(-5, 5), resolution: int = 80, path=None
):
    """The loss of a 2-D problem as a 3-D surface, with an optional descent path on it."""
    X, Y, Z = loss_grid(problem, xlim, ylim, resolution)
    ax = _axes(ax, projection="3d")
    ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True, alpha=0.85)
    if path is not None:
        p = np.asarray(path, dtype=float)
        ax.plot(p[:, 0], p[:, 1], problem.loss(p), "-o", color=VERMILION, markersize=3, zorder=5)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", zlabel="loss")
    return ax
