"""The explorer of chapter 2: the gradient at a point, and the slope in any direction.

Pick a surface, a point (x₁, x₂) and a direction at an angle θ. The slope of
the surface along the unit direction u = (cos θ, sin θ), the directional
derivative, is

    D_u f = ∇f · u = ‖∇f‖ · cos φ,

with φ the angle between u and the gradient. It is largest, ‖∇f‖, when u
points along ∇f (steepest ascent), smallest, −‖∇f‖, along −∇f (steepest
descent), and zero along the contour line through the point. The view
draws the contours with ∇f, −∇f and u at the point, and D_u f for every
direction beside them; its message sets the directional derivative,
measured by a central difference along u, against ‖∇f‖ · cos φ. Chapter 2.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.book.plots import BLACK, GREEN, PURPLE, VERMILION
from helpers.book.widgets import Explorer
from helpers.gradients import DEFAULT_H
from helpers.problems import Bumpy, Problem, bowl

SURFACES = {"bowl": ("bowl x₁² + 2x₂²", bowl), "bumpy": ("bumpy surface", Bumpy)}


def directional_derivative(problem: Problem, point, angle_deg: float, h: float = DEFAULT_H):
    """The slope of ``problem`` at ``point`` along the unit direction at ``angle_deg`` degrees.

    Measured by a central difference along the direction u:
    (f(p + h·u) − f(p − h·u)) / (2h), two loss evaluations whatever the
    dimension. Chapter 2.
    """
    t = np.deg2rad(angle_deg)
    u = np.array([np.cos(t), np.sin(t)])
    p = np.asarray(point, dtype=float)
    return float((problem.loss(p + h * u) - problem.loss(p - h * u)) / (2 * h))


def angle_between(a_deg: float, b_deg: float) -> float:
    """The angle from direction b to direction a, in degrees, wrapped into (−180, 180]."""
    d = (a_deg - b_deg) % 360.0
    return d - 360.0 if d > 180.0 else d


class GradientView:
    """Contours with ∇f, −∇f and a direction u at a point; D_u f against the angle of u.

    The view of :func:`gradient_explorer`. The contours of every surface are
    drawn once, when the view is made, and only shown or hidden afterwards:
    a slider move only moves three arrows, a segment and two curves.
    """

    LIM = 4.0  # the square [−LIM, LIM]² is drawn
    ARROW = 1.2  # length of the drawn arrows, in data units (they show directions)
    ANGLES = np.linspace(-180.0, 180.0, 361)

    def __init__(self, fig: Figure):
        self.map_ax, self.dir_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
        self.problems = {key: make() for key, (_, make) in SURFACES.items()}
        self.contours = {key: self._draw_contours(p) for key, p in self.problems.items()}
        ax = self.map_ax
        (self.tangent,) = ax.plot([], [], ":", color=BLACK, lw=1.5)
        self.arrows = ax.quiver(
            np.zeros(3), np.zeros(3), np.ones(3), np.zeros(3),
            color=[VERMILION, PURPLE, BLACK], angles="xy", scale_units="xy", scale=1,
            width=0.012, headwidth=3.5, headlength=4, zorder=4,
        )  # fmt: skip
        (self.point,) = ax.plot([], [], "o", color=BLACK, markersize=5, zorder=5)
        ax.set(xlim=(-self.LIM, self.LIM), ylim=(-self.LIM, self.LIM), xlabel="x₁", ylabel="x₂")
        ax.set_aspect("equal")
        ax.grid(False)
        ax.set_xticks([-self.LIM, 0, self.LIM])  # few tick labels: text is the slow part to draw
        ax.set_yticks([-self.LIM, 0, self.LIM])
        d = self.dir_ax
        (self.curve,) = d.plot([], [], color=GREEN)
        self.bounds = [d.axhline(s, color=VERMILION, ls="--", lw=1) for s in (1.0, -1.0)]
        (self.peak,) = d.plot([], [], "o", color=VERMILION, markersize=6)
        (self.chosen,) = d.plot([], [], "s", color=BLACK, markersize=6)
        d.axhline(0, color=BLACK, lw=0.6)
        d.set(xlim=(-180, 180), xlabel="direction θ of u (degrees)", ylabel="slope along u")
        d.set_xticks([-180, -90, 0, 90, 180])
        self.shown = None

    def _draw_contours(self, problem: Problem):
        g = np.linspace(-self.LIM, self.LIM, 121)
        z = problem.loss(np.stack(np.meshgrid(g, g), axis=-1))
        levels = np.unique(np.quantile(z, np.linspace(0.02, 0.98, 16)))
        cs = self.map_ax.contour(g, g, z, levels=levels, cmap="viridis", linewidths=0.8)
        cs.set_visible(False)
        return cs

    def _problem(self, surface: str) -> Problem:
        if surface not in self.problems:
            raise ValueError(f"surface must be one of {', '.join(self.problems)}, got {surface!r}")
        if surface != self.shown:
            for key, cs in self.contours.items():
                cs.set_visible(key == surface)
            self.map_ax.set_title(SURFACES[surface][0])
            self.shown = surface
        return self.problems[surface]

    def update(self, surface: str = "bowl", x1: float = 1.5, x2: float = 1.0, angle: float = 0.0):
        problem = self._problem(surface)
        if max(abs(x1), abs(x2)) > self.LIM:
            raise ValueError(f"the point must lie in the square |x₁|, |x₂| ≤ {self.LIM:g}")
        p = np.array([x1, x2], dtype=float)
        g = problem.grad(p)
        norm = float(np.hypot(*g))
        t = np.deg2rad(angle)
        u = np.array([np.cos(t), np.sin(t)])
        self.point.set_data([x1], [x2])
        slopes = g[0] * np.cos(np.deg2rad(self.ANGLES)) + g[1] * np.sin(np.deg2rad(self.ANGLES))
        self.curve.set_data(self.ANGLES, slopes)
        measured = directional_derivative(problem, p, angle)
        self.chosen.set_data([angle], [float(g @ u)])
        top = 1.15 * max(norm, 0.05)
        self.dir_ax.set_ylim(-top, top)
        self.dir_ax.set_yticks([-norm, 0, norm] if norm > 0 else [0])
        self.dir_ax.yaxis.set_major_formatter("{x:.3g}")
        for line, s in zip(self.bounds, (norm, -norm), strict=True):
            line.set_ydata([s, s])
        if norm == 0:
            self.arrows.set_offsets(np.tile(p, (3, 1)))
            self.arrows.set_UVC([0, 0, self.ARROW * u[0]], [0, 0, self.ARROW * u[1]])
            self.tangent.set_data([], [])
            self.peak.set_data([], [])
            return (
                f"At ({x1:.2f}, {x2:.2f}) the gradient is 0: a stationary point, where the slope "
                f"is 0 in every direction (measured along {angle:.0f}°: {measured:.3f})."
            )
        e = g / norm
        arrows = self.ARROW * np.array([e, -e, u])
        self.arrows.set_offsets(np.tile(p, (3, 1)))
        self.arrows.set_UVC(arrows[:, 0], arrows[:, 1])
        along = 0.8 * self.ARROW * np.array([-e[1], e[0]])  # the contour's tangent
        self.tangent.set_data([x1 - along[0], x1 + along[0]], [x2 - along[1], x2 + along[1]])
        theta_g = float(np.rad2deg(np.arctan2(g[1], g[0])))
        self.peak.set_data([theta_g], [norm])
        phi = angle_between(angle, theta_g)
        return (
            f"At ({x1:.2f}, {x2:.2f}): ∇f = ({g[0]:.3f}, {g[1]:.3f}), ‖∇f‖ = {norm:.3f}, "
            f"pointing at {theta_g:.1f}°. Along θ = {angle:.0f}°, {abs(phi):.1f}° away from ∇f: "
            f"slope measured {measured:.3f}; ‖∇f‖·cos {abs(phi):.1f}° = "
            f"{norm * np.cos(np.deg2rad(phi)):.3f}."
        )


def gradient_explorer(
    surface: str = "bowl", x1: float = 1.5, x2: float = 1.0, angle: float = 0.0
) -> widgets.Widget:
    """Explorer of chapter 2: a point and a direction on a surface, with its gradient."""
    controls = {
        "surface": widgets.Dropdown(options=[(label, key) for key, (label, _) in SURFACES.items()],
                                    value=surface, description="surface"),
        "x1": widgets.FloatSlider(value=x1, min=-4, max=4, step=0.1, description="point x₁"),
        "x2": widgets.FloatSlider(value=x2, min=-4, max=4, step=0.1, description="point x₂"),
        "angle": widgets.FloatSlider(value=angle, min=-180, max=180, step=5,
                                     description="direction θ°"),
    }  # fmt: skip
    return Explorer(
        controls,
        GradientView,
        figsize=(9.0, 3.8),
        static={"angle": [-180.0, -90.0, 0.0, 90.0]},
        control_width="330px",
        label_width="80px",
    ).widget
