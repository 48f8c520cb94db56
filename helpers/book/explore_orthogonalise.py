"""Explorer of chapter 8: what Newton–Schulz does to the singular values of a gradient.

Muon replaces a weight matrix's gradient G = U·S·Vᵀ by about U·Vᵀ, computed by
:func:`helpers.optim.newton_schulz`: X = G/‖G‖_F (every singular value ≤ 1), then
``steps`` times X ← aX + (bA + cA²)·X with A = X·Xᵀ. Since X·Xᵀ = U·S²·Uᵀ, one step
leaves U and V alone and maps each singular value on its own, s ↦ p(s) = as + bs³ + cs⁵;
k steps map it by p applied k times, pᵏ.

Left: the singular values of G/‖G‖_F (grey) and of ``newton_schulz(G, steps, (a, b, c))``
(blue), each sorted, on a log axis, with exact orthogonalisation (all of them 1) dashed.
Right: the scalar map s ↦ pᵏ(s) with the singular values of G/‖G‖_F marked on it (blue):
their heights are the blue values on the left. The message counts only the singular
values of G that are at least ‖G‖_F/1000 (dotted): smaller ones would need many more
steps, and a zero one stays zero (p(0) = 0). By default G is the gradient of the
chapter 7 network's hidden matrix W₁ (64 × 32, rank 30) at its seeded start. Chapter 8.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

from helpers.book.exercises.ch07 import chapter7_digits
from helpers.book.plots import BLACK, BLUE
from helpers.book.widgets import Explorer, few_ticks
from helpers.network import MLP
from helpers.optim import newton_schulz
from helpers.validate import finite_array, integer

COEFFICIENTS = {  # (a, b, c) of p(s) = as + bs³ + cs⁵
    "Muon quintic": (3.4445, -4.7750, 2.0315),  # torch.optim.Muon's: fast, p(1) ≈ 0.70
    "cubic": (1.5, -0.5, 0.0),  # the classic Newton–Schulz: p(1) = 1, p'(1) = 0
    "quintic, converging": (15 / 8, -10 / 8, 3 / 8),  # p(1) = 1, p'(1) = p''(1) = 0
}
MAX_STEPS = 6
THRESHOLD = 1e-3  # the message counts singular values ≥ THRESHOLD·‖G‖_F
PRODUCTS_PER_STEP = 3  # newton_schulz forms A = X·Xᵀ, A·A and (bA + cA²)·X, even when c = 0
YLIM = (1e-4, 2.0)  # every singular value above THRESHOLD stays in this range


@functools.cache
def chapter7_gradient() -> np.ndarray:
    """∂loss/∂W₁ (64 × 32) of the chapter 7 network at its seeded start, on its training set."""
    X_train, _, y_train, _ = chapter7_digits()
    net = MLP(X_train, y_train, hidden=32)
    G = net.unpack(net.grad(net.init_params(np.random.default_rng(0))))["W1"]
    G.setflags(write=False)  # one array for every caller: nobody may change it
    return G


def scalar_map(s, steps: int, coefficients: tuple) -> np.ndarray:
    """pᵏ(s): p(s) = as + bs³ + cs⁵ applied ``steps`` times to each number in ``s``."""
    a, b, c = coefficients
    s = np.asarray(s, dtype=float)
    for _ in range(steps):
        s = a * s + b * s**3 + c * s**5
    return s


def check_settings(steps, coefficients) -> tuple[int, tuple]:
    """(steps, (a, b, c)) checked; a ValueError names the argument that is wrong."""
    steps = integer("steps", steps)
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps}")
    if coefficients not in COEFFICIENTS:
        raise ValueError(f"coefficients must be one of {list(COEFFICIENTS)}, got {coefficients!r}")
    return steps, COEFFICIENTS[coefficients]


def check_matrix(G) -> np.ndarray:
    G = finite_array("G", G)
    if G.ndim != 2 or 0 in G.shape or not np.any(G):
        raise ValueError(f"G must be a non-zero finite matrix (2-D), got shape {G.shape}")
    return G


class OrthogonaliseView:
    """Singular values before and after k steps (left), and the map pᵏ that took them there.

    The view of :func:`newton_schulz_explorer`. G's own singular values, the axes and
    the reference lines are drawn once; a move redraws two sets of dots and one curve.
    """

    def __init__(self, fig: Figure, G):
        self.G = check_matrix(G)
        self.U, self.s_in, Vt = np.linalg.svd(self.G / np.linalg.norm(self.G), full_matrices=False)
        self.V = Vt.T
        self.counted = self.s_in >= THRESHOLD
        self.grid = np.geomspace(1e-4, 1.0, 300)
        self.sv_ax, self.map_ax = fig.subplots(1, 2)
        index = np.arange(1, len(self.s_in) + 1)
        self.sv_ax.plot(index, self.s_in, "o", color=BLACK, alpha=0.4, markersize=4)
        (self.s_out,) = self.sv_ax.plot(index, self.s_in, "o", color=BLUE, markersize=4)
        self.map_ax.plot(self.grid, self.grid, ":", color=BLACK, alpha=0.4, lw=1)  # k = 0
        (self.curve,) = self.map_ax.plot(self.grid, self.grid, color=BLACK, lw=1.5)
        (self.dots,) = self.map_ax.plot(self.s_in, self.s_in, "o", color=BLUE, markersize=4)
        for ax in (self.sv_ax, self.map_ax):
            ax.axhline(1.0, color=BLACK, ls="--", lw=1, alpha=0.6)
            few_ticks(ax, log_y=True)
            ax.set_ylim(*YLIM)
        self.sv_ax.axhline(THRESHOLD, color=BLACK, ls=":", lw=1, alpha=0.6)
        self.map_ax.axvline(THRESHOLD, color=BLACK, ls=":", lw=1, alpha=0.6)
        self.map_ax.set_xscale("log")
        self.map_ax.xaxis.set_major_locator(LogLocator(numticks=5))
        self.map_ax.xaxis.set_minor_locator(NullLocator())
        self.sv_ax.set(xlim=(0.5, len(self.s_in) + 0.5), xlabel="index i (sorted)",
                       ylabel="singular value")  # fmt: skip
        self.map_ax.set(xlim=(1e-4, 1.0), xlabel=r"singular value $s$ of $G/\|G\|_F$",
                        ylabel=r"$p^k(s)$")  # fmt: skip

    def update(self, steps: int = 5, coefficients: str = "Muon quintic") -> str:
        steps, abc = check_settings(steps, coefficients)
        O = newton_schulz(self.G, steps, abc)
        self.s_out.set_ydata(np.linalg.svd(O, compute_uv=False))
        self.curve.set_ydata(scalar_map(self.grid, steps, abc))
        self.dots.set_ydata(scalar_map(self.s_in, steps, abc))
        self.sv_ax.set_title(rf"$G/\|G\|_F$ (grey), after k = {steps} (blue)")
        self.map_ax.set_title(rf"$s \mapsto p^k(s)$, k = {steps}, $p(s) = as + bs^3 + cs^5$")
        return self.message(steps, coefficients, self.follow(O))

    def follow(self, O) -> np.ndarray:
        """What became of each singular value sᵢ of G: uᵢᵀ·O·vᵢ, with G's singular vectors.

        Sorting O's singular values would lose which is which, since pᵏ need not keep order."""
        return np.einsum("ij,ij->j", self.U, O @ self.V)

    def message(self, steps: int, coefficients: str, after) -> str:
        """One line: the range of the counted singular values, the cost, the worst one."""
        kept = after[self.counted]
        products = PRODUCTS_PER_STEP * steps
        cubic = f", of which a cubic needs {2 * steps}" if coefficients == "cubic" and steps else ""
        return (
            f"{coefficients}, {steps} step{'s' * (steps != 1)} = {products} matrix products"
            f"{cubic}: the {len(kept)} singular values ≥ ‖G‖_F/1000 (of {len(self.s_in)}) lie in "
            f"[{kept.min():.3g}, {kept.max():.3g}], the worst {np.abs(kept - 1).max():.3g} from 1."
        )


def newton_schulz_explorer(
    G=None, steps: int = 5, coefficients: str = "Muon quintic"
) -> widgets.Widget:
    """Explorer of chapter 8: Newton–Schulz steps (slider) and coefficients (dropdown) on G.

    ``G`` defaults to :func:`chapter7_gradient`. The static version has one frame per
    (steps, coefficients) pair.
    """
    G = check_matrix(chapter7_gradient() if G is None else G)
    check_settings(steps, coefficients)
    controls = {
        "steps": widgets.IntSlider(value=steps, min=0, max=MAX_STEPS, description="steps"),
        "coefficients": widgets.Dropdown(
            options=list(COEFFICIENTS), value=coefficients, description="coefficients"
        ),
    }
    static = {"steps": list(range(MAX_STEPS + 1)), "coefficients": list(COEFFICIENTS)}
    view = functools.partial(OrthogonaliseView, G=G)
    # label_width: room for the whole label "coefficients"
    return Explorer(controls, view, figsize=(9.0, 3.4), static=static, label_width="90px").widget
