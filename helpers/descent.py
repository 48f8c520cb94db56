"""The descent loop: run an optimizer on a problem and record what happens.

One loop serves every chapter. Each step k it

1. takes the gradient g_k at x_k (over all rows, or over a mini-batch);
2. asks the optimizer for x_{k+1} (plain descent: x_{k+1} = x_k − lr·g_k);
3. records the loss, the gradient norm and the learning rate;
4. checks the stopping criteria and, if a scheduler is given, steps it.

It stops at the first criterion that fires and says which: ``"max_steps"``,
``"grad_norm"`` (‖g_k‖ < grad_tol), ``"loss_change"`` (|f(x_{k+1}) −
f(x_k)| < loss_tol), ``"step_size"`` (‖x_{k+1} − x_k‖ < step_tol) or
``"diverged"`` (a value that is not finite, or a loss above
``diverge_factor · max(|f(x_0)|, 1)``). A diverging run stops cleanly; no
overflow warning reaches the notebook.

Many runs at once: give the optimizer an array of learning rates, or a
batch of start points, and every run goes on in one vectorised step.
Each run stops on its own; its records after that are NaN.
Chapter 1 (plain descent), chapter 3 (stopping), chapter 4 (mini-batches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from helpers.optim import Optimizer, check_optimizer
from helpers.problems import Problem
from helpers.schedulers import LRScheduler, ReduceLROnPlateau
from helpers.validate import finite_array, integer, one_of, positive_number

STOP_REASONS = ("max_steps", "grad_norm", "loss_change", "step_size", "diverged")


@dataclass
class Trajectory:
    """What a descent run did.

    ``points[k]`` is x_k (only if ``record_points``), ``losses[k]`` is
    f(x_k) on all rows, ``grad_norms[k]`` is the norm of the gradient the
    optimizer was given at x_k (the mini-batch one when batches are used;
    the entry for the point where a run ended, which took no step, is over
    all rows), ``lrs[k]`` is the learning rate of step k (for an lr that
    differs between coordinates, its first coordinate's). ``steps`` counts the steps
    taken and ``stop_reason`` says why the run ended; for a batch of runs
    both are arrays with one entry per run. ``x`` and ``loss`` are where
    each run ended.
    """

    points: np.ndarray | None
    losses: np.ndarray
    grad_norms: np.ndarray
    lrs: np.ndarray
    steps: int | np.ndarray
    stop_reason: str | np.ndarray
    x: float | np.ndarray
    loss: float | np.ndarray
    steps_per_epoch: int = 1
    batch_shape: tuple = field(default=())

    @property
    def diverged(self) -> bool | np.ndarray:
        """True where the run stopped because it diverged."""
        return (
            np.asarray(self.stop_reason) == "diverged"
            if self.batch_shape
            else (self.stop_reason == "diverged")
        )

    def __repr__(self) -> str:
        if self.batch_shape:
            reasons, counts = np.unique(np.asarray(self.stop_reason), return_counts=True)
            summary = ", ".join(f"{c} {r}" for r, c in zip(reasons, counts, strict=True))
            return f"Trajectory({int(np.prod(self.batch_shape))} runs: {summary})"
        x = np.array2string(np.asarray(self.x), precision=6, suppress_small=True)
        return (
            f"Trajectory(steps={self.steps}, stop_reason={self.stop_reason!r}, "
            f"loss={self.loss:.6g}, x={x})"
        )


def descend(
    problem: Problem,
    optimizer: Optimizer,
    x0,
    steps: int | None = None,
    *,
    scheduler: LRScheduler | None = None,
    scheduler_interval: str = "step",
    batch_size: int | None = None,
    epochs: int | None = None,
    rng: np.random.Generator | int = 0,
    grad_tol: float | None = None,
    loss_tol: float | None = None,
    step_tol: float | None = None,
    diverge_factor: float = 1e6,
    record_points: bool = True,
) -> Trajectory:
    """Run ``optimizer`` on ``problem`` from ``x0`` and return a :class:`Trajectory`.

    ``steps`` is the most steps to take (default 100) (or give ``epochs``: passes over
    the data, for problems with rows). ``batch_size`` draws mini-batches of
    that many rows, reshuffled every epoch with ``rng`` (a seeded
    ``np.random.Generator``, or an int seed); the last batch of an epoch
    may be smaller, as in PyTorch's DataLoader. The scheduler steps after
    every optimizer step, or after every epoch with
    ``scheduler_interval="epoch"``; a ``ReduceLROnPlateau`` is given the
    loss. The optimizer keeps its state after the run, so a second call
    continues where the first stopped.
    """
    param_ndim = len(problem.param_shape) if isinstance(problem, Problem) else None
    if param_ndim is None:
        raise ValueError(
            f"problem must be a helpers.problems.Problem, got {type(problem).__name__}"
        )
    check_optimizer(optimizer)
    if scheduler is not None:
        if not isinstance(scheduler, (LRScheduler, ReduceLROnPlateau)):
            raise ValueError(f"scheduler must be a helpers.schedulers scheduler, got {scheduler!r}")
        if scheduler.optimizer is not optimizer:
            raise ValueError("scheduler must be built on the same optimizer that is passed in")
    one_of("scheduler_interval", scheduler_interval, ("step", "epoch"))
    diverge_factor = positive_number("diverge_factor", diverge_factor)
    tols = {
        name: (None if v is None else positive_number(name, v))
        for name, v in (("grad_tol", grad_tol), ("loss_tol", loss_tol), ("step_tol", step_tol))
    }
    x = finite_array("x0", x0)
    if x.shape[x.ndim - param_ndim :] != problem.param_shape or x.ndim < param_ndim:
        raise ValueError(
            f"x0 must have shape {problem.param_shape} (or a batch of them), got {x.shape}"
        )

    n_rows = getattr(problem, "n", None)
    if batch_size is not None:
        if n_rows is None:
            raise ValueError(f"batch_size needs a problem with data rows; {problem.name} has none")
        batch_size = integer("batch_size", batch_size, minimum=1)
        if batch_size > n_rows:
            raise ValueError(
                f"batch_size must be in [1, {n_rows}] (the number of rows), got {batch_size}"
            )
    per_epoch = 1 if batch_size is None else math.ceil(n_rows / batch_size)
    if epochs is not None:
        if steps is not None:
            raise ValueError("give either steps or epochs, not both")
        steps = integer("epochs", epochs, minimum=0) * per_epoch
    steps = integer("steps", 100 if steps is None else steps, minimum=0)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(integer("rng", rng, minimum=0))

    # The batch of runs: the shape of x0 broadcast against every hyperparameter that is an
    # array, such as lr of shape (100, 1) for 100 learning rates.
    arrays = optimizer._array_shapes()
    try:
        x = np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, *arrays.values())))
    except ValueError:
        given = ", ".join(f"{name} of shape {shape}" for name, shape in arrays.items())
        raise ValueError(f"x0 of shape {x.shape} and the optimizer's {given} must broadcast "
                         "together (one run per row)") from None  # fmt: skip
    batch_shape = x.shape[: x.ndim - param_ndim]
    if batch_shape and isinstance(scheduler, ReduceLROnPlateau):
        raise ValueError(
            "scheduler ReduceLROnPlateau follows one loss: use a single run, not a batch"
        )
    param_axes = tuple(range(len(batch_shape), x.ndim))

    def norm(v):
        return np.sqrt(np.sum(v * v, axis=param_axes))

    def run_lr():
        lr = np.broadcast_to(np.asarray(optimizer.lr, dtype=float), x.shape)
        return lr[(...,) + (0,) * param_ndim].copy()

    def expand(mask):
        return mask.reshape(mask.shape + (1,) * param_ndim)

    def batch_rows():
        while True:
            order = rng.permutation(n_rows)
            for start in range(0, n_rows, batch_size):
                yield order[start : start + batch_size]

    rows = batch_rows() if batch_size is not None else None

    def gradient(x):
        return problem.grad(x, next(rows)) if rows is not None else problem.grad(x)

    points = np.full((steps + 1,) + x.shape, np.nan) if record_points else None
    losses = np.full((steps + 1,) + batch_shape, np.nan)
    grad_norms = np.full((steps + 1,) + batch_shape, np.nan)
    lrs = np.full((steps,) + batch_shape, np.nan)
    active = np.ones(batch_shape, dtype=bool)
    taken = np.zeros(batch_shape, dtype=int)
    reason = np.full(batch_shape, "max_steps", dtype=object)

    def stop(mask, why, k):
        mask = mask & active
        reason[mask] = why
        taken[mask] = k
        active[mask] = False

    with np.errstate(all="ignore"):
        loss = np.asarray(problem.loss(x), dtype=float)
        limit = diverge_factor * np.maximum(np.abs(loss), 1.0)
        if record_points:
            points[0] = x
        losses[0] = loss
        k = 0
        while k < steps and active.any():
            g = gradient(x)
            g_norm = norm(g)
            grad_norms[k] = np.where(active, g_norm, np.nan)
            stop(~np.isfinite(g_norm), "diverged", k)
            if tols["grad_tol"] is not None:
                stop(g_norm < tols["grad_tol"], "grad_norm", k)
            if not active.any():
                break
            lrs[k] = np.where(active, run_lr(), np.nan)
            x_new = optimizer.step(x, np.where(expand(active), g, 0.0))
            finite_x = np.all(np.isfinite(x_new), axis=param_axes)
            loss_new = np.asarray(problem.loss(np.where(expand(finite_x), x_new, 0.0)), float)
            bad = ~finite_x | ~np.isfinite(loss_new)
            loss_new = np.where(bad, np.inf, loss_new)
            k += 1
            moved = active.copy()
            if record_points:
                points[k] = np.where(expand(moved), x_new, np.nan)
            losses[k] = np.where(moved, loss_new, np.nan)
            stop(bad | (loss_new > limit), "diverged", k)
            if tols["loss_tol"] is not None:
                stop(np.abs(loss_new - loss) < tols["loss_tol"], "loss_change", k)
            if tols["step_tol"] is not None:
                stop(norm(x_new - x) < tols["step_tol"], "step_size", k)
            # A run that stopped earlier stays where it was; one that just
            # diverged keeps its last finite point, so gradients stay defined.
            keep = moved & ~bad
            x = np.where(expand(keep), x_new, x)
            loss = np.where(keep, loss_new, loss)
            if scheduler is not None and (scheduler_interval == "step" or k % per_epoch == 0):
                scheduler.step(float(loss) if loss.ndim == 0 else None)
        taken[active] = k
        # The gradient norm where each run ended (over all rows), unless it was recorded.
        at_end = np.take_along_axis(grad_norms, taken[None, ...], axis=0)[0]
        fill = np.isnan(at_end) & (reason != "diverged")
        if fill.any():
            at_end = np.where(fill, norm(problem.grad(x)), at_end)
            np.put_along_axis(grad_norms, taken[None, ...], at_end[None, ...], axis=0)

    last = int(taken.max()) if taken.size else 0
    single = batch_shape == ()
    return Trajectory(
        points=None if points is None else points[: last + 1],
        losses=losses[: last + 1],
        grad_norms=grad_norms[: last + 1],
        lrs=lrs[:last],
        steps=int(taken) if single else taken,
        stop_reason=str(reason[()]) if single else reason.astype(str),
        x=float(x) if x.ndim == 0 else x,
        loss=float(loss) if single else loss,
        steps_per_epoch=per_epoch,
        batch_shape=batch_shape,
    )
