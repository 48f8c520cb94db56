"""Mini-batch gradients: their noise, the loss floor it causes, and the explorer of chapter 4.

For least squares with rows aᵢ = (xᵢ, 1) and residuals rᵢ = aᵢ·x − yᵢ the
gradient of the loss is the mean of n per-example gradients gᵢ = 2·rᵢ·aᵢ.
A mini-batch of B rows drawn without replacement averages B of them. Its
distance from the full gradient has the root-mean-square size

    σ_B = √(tr Σ / B) · √((n − B) / (n − 1)),

with Σ the covariance of the gᵢ (dividing by n): 1/√B, times the
finite-population correction that makes it 0 at B = n. Near the minimum
x* this noise keeps SGD with a constant learning rate lr from settling: the
mean excess loss stays near lr·tr Σ*/(4B) (``noise_floor`` gives the exact
value for batches drawn independently at every step).
Chapter 4.
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
from helpers.validate import finite_array, integer, positive

GREY = "0.55"  # the full-batch reference in the explorer


def _design(problem: LinearRegression) -> np.ndarray:
    X = problem.X
    return np.hstack([X, np.ones((problem.n, 1))]) if problem.fit_intercept else X


def _batch_size(problem: LinearRegression, batch_size) -> int:
    batch_size = integer("batch_size", batch_size, minimum=1)
    if batch_size > problem.n:
        raise ValueError(f"batch_size must be in [1, {problem.n}], got {batch_size}")
    return batch_size


def per_example_grads(problem: LinearRegression, x) -> np.ndarray:
    """The gradient of the loss on each row alone, gᵢ = 2·rᵢ·aᵢ: an array (n, d + 1).

    Their mean over the rows is ``problem.grad(x)``. Chapter 4.
    """
    if not isinstance(problem, LinearRegression):
        raise ValueError(f"problem must be a LinearRegression, got {type(problem).__name__}")
    x = finite_array("x", x)
    if x.shape != problem.param_shape:
        raise ValueError(f"x must have shape {problem.param_shape}, got {x.shape}")
    return 2 * problem.residuals(x)[:, None] * _design(problem)


def predicted_noise(grads, batch_size) -> np.ndarray | float:
    """σ_B = √(tr Σ / B · (n − B)/(n − 1)) for per-example gradients ``grads`` (n, p).

    ``batch_size`` may be an array of batch sizes. Chapter 4.
    """
    G = finite_array("grads", grads)
    if G.ndim != 2 or len(G) < 2:
        raise ValueError(f"grads must be an array (n, p) with n >= 2, got shape {G.shape}")
    n = len(G)
    B = np.asarray(batch_size)
    if B.dtype.kind not in "iu" or np.any(B < 1) or np.any(B > n):
        raise ValueError(f"batch_size must be whole numbers in [1, {n}], got {batch_size!r}")
    trace = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))
    spread = np.sqrt(trace / B * (n - B) / (n - 1))
    return float(spread) if spread.ndim == 0 else spread


def measured_noise(grads, batch_sizes, rng: np.random.Generator, batches: int = 1000) -> np.ndarray:
    """Root-mean-square distance of ``batches`` random mini-batch gradients from the full one.

    Each batch is B distinct rows (drawn without replacement, as within an
    epoch). The same ``batches`` random orders of the rows serve every
    batch size: batch b of size B is the first B rows of order b. Chapter 4.
    """
    G = finite_array("grads", grads)
    if G.ndim != 2 or len(G) < 2:
        raise ValueError(f"grads must be an array (n, p) with n >= 2, got shape {G.shape}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {rng!r}")
    batches = integer("batches", batches, minimum=1)
    n = len(G)
    sizes = [integer("batch_size", B, minimum=1) for B in np.atleast_1d(batch_sizes).tolist()]
    if max(sizes) > n:
        raise ValueError(f"batch sizes must be at most n = {n}, got {max(sizes)}")
    orders = rng.permuted(np.tile(np.arange(n), (batches, 1)), axis=1)
    total = G.sum(axis=0)
    chunk = max(1, 2_000_000 // (n * G.shape[1]))  # batches per chunk: a few MB at a time
    spread = []
    for B in sizes:
        squares = 0.0
        for part in np.array_split(orders, -(-batches // chunk)):
            # the sum of the first B rows; for large B, the total minus the rows left out
            if B <= n // 2:
                sums = G[part[:, :B]].sum(axis=1)
            else:
                sums = total - G[part[:, B:]].sum(axis=1)
            dev = sums / B - total / n
            squares += np.sum(dev * dev)
        spread.append(np.sqrt(squares / batches))
    return np.array(spread)


def noise_floor(problem: LinearRegression, lr, batch_size) -> np.ndarray | float:
    """The mean excess loss f − f* at which SGD with constant ``lr`` and batches of B settles.

    With e = x − x*, a mini-batch step is e ← (I − lr·H_B)·e − lr·ḡ_B, where
    H_B and ḡ_B are the batch's means of the per-example Hessians 2·aᵢaᵢᵀ and
    of the per-example gradients at x*. For batches drawn independently from
    step to step the second moment P = E[e eᵀ] settles where

        P = E[(I − lr·H_B) P (I − lr·H_B)] + lr²·E[ḡ_B ḡ_Bᵀ],

    a linear equation for P; the floor is ½·tr(H P). The first term is
    (I − lr·H) P (I − lr·H) plus the batch's error in the curvature, which
    matters only for small batches and large steps; without it the answer
    is the sum over the eigenvectors of H of lr·sⱼ/(2B(2 − lr·λⱼ))·(n − B)/(n − 1)
    ≈ lr·tr Σ*/(4B). ``inf`` where P has no finite solution (the run
    diverges in mean square). ``lr`` may be an array. Chapter 4.
    """
    B = _batch_size(problem, batch_size)
    lr = np.asarray(positive("lr", lr), dtype=float)
    A = _design(problem)
    n, p = A.shape
    scale = (n - B) / (n - 1) / B  # the variance of a batch mean, per unit of the rows' variance
    G = per_example_grads(problem, problem.minimiser)
    noise = scale * (G.T @ G) / n  # E[ḡ_B ḡ_Bᵀ]; the gᵢ average to zero at x*
    hessians = 2 * A[:, :, None] * A[:, None, :]  # 2·aᵢaᵢᵀ for every row
    H = hessians.mean(axis=0)
    D = hessians - H
    # E[Δ P Δ] for Δ = H_B − H, as a matrix acting on P flattened row by row
    wobble = scale * np.einsum("nik,njl->ijkl", D, D).reshape(p * p, p * p) / n
    eye = np.eye(p)
    floors = []
    for r in lr.ravel():
        M = eye - r * H
        T = np.kron(M, M) + r * r * wobble
        if np.max(np.abs(np.linalg.eigvals(T))) >= 1:
            floors.append(np.inf)
            continue
        P = np.linalg.solve(np.eye(p * p) - T, r * r * noise.ravel()).reshape(p, p)
        floors.append(0.5 * np.sum(H * P))
    floor = np.array(floors).reshape(lr.shape)
    return float(floor) if floor.ndim == 0 else floor


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
        A = _design(self.problem)
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
