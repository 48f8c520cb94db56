"""The descent loop of every chapter: run an optimizer on a problem and record what happens."""

from dataclasses import dataclass

import numpy as np

from helpers.optim import Adafactor, Muon, check_optimizer
from helpers.problems import Problem
from helpers.schedulers import ReduceLROnPlateau
from helpers.validate import finite_array, integer, one_of, positive_number

STOP_REASONS = ("max_steps", "grad_norm", "loss_change", "step_size", "diverged")
DIVERGE_FACTOR = 1e6  # a loss above DIVERGE_FACTOR·max(|f(x_0)|, 1) has diverged


@dataclass
class Trajectory:
    """What a run did; for a batch of runs, ``steps`` to ``loss`` hold one entry per run."""

    points: np.ndarray | None  # x_k (None unless record_points)
    losses: np.ndarray  # f(x_k), on all rows
    grad_norms: np.ndarray  # ‖g_k‖, the gradient the optimizer got (on all rows at the end)
    lrs: np.ndarray  # the lr of step k (its first coordinate's, if it has several)
    steps: int | np.ndarray  # how many steps the run took
    stop_reason: str | np.ndarray  # one of STOP_REASONS
    x: float | np.ndarray  # where the run ended
    loss: float | np.ndarray
    steps_per_epoch: int = 1

    @property
    def diverged(self) -> bool | np.ndarray:
        return self.stop_reason == "diverged"

    def __repr__(self) -> str:
        if isinstance(self.stop_reason, np.ndarray):
            reasons, counts = np.unique(self.stop_reason, return_counts=True)
            summary = ", ".join(f"{c} {r}" for r, c in zip(reasons, counts, strict=True))
            return f"Trajectory({self.stop_reason.size} runs: {summary})"
        x = np.array2string(np.asarray(self.x), precision=6, suppress_small=True)
        return (f"Trajectory(steps={self.steps}, stop_reason={self.stop_reason!r}, "
                f"loss={self.loss:.6g}, x={x})")  # fmt: skip


def descend(problem, optimizer, x0, steps=None, *, scheduler=None, scheduler_interval="step",
            batch_size=None, epochs=None, rng=0, grad_tol=None, loss_tol=None, step_tol=None,
            diverge_factor=DIVERGE_FACTOR, record_points=True) -> Trajectory:  # fmt: skip
    """Run ``optimizer`` on ``problem`` from ``x0``: x_{k+1} from x_k and the gradient g_k (on all
    rows, or on mini-batches of ``batch_size`` rows reshuffled each epoch), then a scheduler step,
    until ``steps`` (or ``epochs``), ‖g_k‖ < grad_tol, |f(x_{k+1}) − f(x_k)| < loss_tol, ‖x_{k+1}
    − x_k‖ < step_tol, or a value not finite or a loss > diverge_factor·max(|f(x_0)|, 1). Array
    hyperparameters or a batch of x0 make a batch of runs. Chapters 1, 3 (stops), 4 (batches)."""
    x, steps, per_epoch, rng = check_arguments(problem, optimizer, x0, steps, epochs, batch_size,
        rng, scheduler, scheduler_interval, grad_tol, loss_tol, step_tol,
        diverge_factor)  # fmt: skip
    batch = x.shape[: x.ndim - len(problem.param_shape)]  # the leading axes: one entry per run
    coordinates = tuple(range(len(batch), x.ndim))  # the axes of one run's point
    first = (...,) + (0,) * len(problem.param_shape)  # the first coordinate of each run's point
    rows = None if batch_size is None else mini_batches(problem.n, batch_size, rng)
    points = np.full((steps + 1, *x.shape), np.nan)
    losses, grad_norms = np.full((steps + 1, *batch), np.nan), np.full((steps + 1, *batch), np.nan)
    lrs, reason = np.full((steps, *batch), np.nan), np.full(batch, "max_steps", dtype=object)
    going = np.ones(batch, dtype=bool)  # the runs that have not stopped yet
    taken = np.zeros(batch, dtype=int)  # the number of steps each run has taken

    def stop(**criteria):  # each run still going stops at the first criterion that holds for it
        for why, holds in criteria.items():
            reason[holds & going] = why
            going[holds] = False

    with np.errstate(all="ignore"):  # a diverging run overflows quietly; the loop stops it
        loss = np.asarray(problem.loss(x), dtype=float)
        limit = diverge_factor * np.maximum(np.abs(loss), 1.0)  # a loss above it has diverged
        losses[0], points[0], k = loss, x, 0
        while k < steps and going.any():
            g = problem.grad(x) if rows is None else problem.grad(x, next(rows))
            grad_norms[k] = np.where(going, norms(g, coordinates), np.nan)
            stop(diverged=~np.isfinite(grad_norms[k]), grad_norm=below(grad_norms[k], grad_tol))
            if not going.any():
                break
            lrs[k] = np.where(going, np.broadcast_to(optimizer.lr, x.shape)[first], np.nan)
            x_new, loss_new, finite = take_step(problem, optimizer, x, g, going, coordinates)
            k += 1
            moved = going.copy()  # the runs that took step k (the stop below may end some)
            taken[moved] = k
            losses[k, moved] = loss_new[moved]
            points[k, moved] = x_new[moved]
            stop(diverged=~finite | (loss_new > limit),
                 loss_change=below(np.abs(loss_new - loss), loss_tol),
                 step_size=below(norms(x_new - x, coordinates), step_tol))  # fmt: skip
            x[finite] = x_new[finite]  # a run that left the finite numbers keeps its last point
            loss[finite] = loss_new[finite]
            if scheduler is not None and (scheduler_interval == "step" or k % per_epoch == 0):
                scheduler.step(float(loss) if loss.ndim == 0 else None)  # a loss for one run only
        at_end = np.take_along_axis(grad_norms, taken[None], axis=0)  # ‖g‖ where each run ended
        missing = np.isnan(at_end) & (reason != "diverged")  # the loop ended before computing it
        at_end = np.where(missing, norms(problem.grad(x), coordinates), at_end)
        np.put_along_axis(grad_norms, taken[None], at_end, axis=0)
    last = int(taken.max(initial=0)) + 1  # the rows the longest run filled
    # steps, stop_reason, x and loss of each run: plain numbers, not 0-d arrays, for one run
    ends = [a.item() if a.ndim == 0 else a for a in (taken, reason.astype(str), x, loss)]
    return Trajectory(points[:last] if record_points else None, losses[:last], grad_norms[:last],
                      lrs[: last - 1], *ends, per_epoch)  # fmt: skip


def norms(v, axes):  # ‖v‖ of each run: √(sum of squares) over the axes of one run's point
    return np.sqrt(np.sum(v * v, axis=axes))


def below(values, tolerance):  # values < tolerance; all False if it is None: that stop is off
    return np.zeros(np.shape(values), dtype=bool) if tolerance is None else values < tolerance


def take_step(problem, optimizer, x, g, going, coordinates):  # x_{k+1}, f(x_{k+1}), finite runs
    x_new = optimizer.step(x, np.where(np.expand_dims(going, coordinates), g, 0.0))  # 0: stopped
    loss_new = np.asarray(problem.loss(np.where(np.isfinite(x_new), x_new, 0.0)), float)
    finite = going & np.all(np.isfinite(x_new), axis=coordinates) & np.isfinite(loss_new)
    return x_new, np.where(finite, loss_new, np.inf), finite


def check_arguments(problem, optimizer, x0, steps, epochs, batch_size, rng, scheduler,
                    scheduler_interval, grad_tol, loss_tol, step_tol, diverge_factor):  # fmt: skip
    """Check them all; return x0 broadcast to the batch of runs, steps, steps per epoch, rng."""
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a helpers.problems.Problem, got {problem!r}")
    check_optimizer(optimizer)
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError("scheduler must be built on the same optimizer that is passed in")
    one_of("scheduler_interval", scheduler_interval, ("step", "epoch"))
    for name, tol in (("grad_tol", grad_tol), ("loss_tol", loss_tol), ("step_tol", step_tol)):
        if tol is not None:  # None: that stop is off
            positive_number(name, tol)
    positive_number("diverge_factor", diverge_factor)
    x, shape = finite_array("x0", x0), problem.param_shape
    if x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
        raise ValueError(f"x0 must have shape {shape} (or a batch of them), got {x.shape}")
    n = getattr(problem, "n", None)  # the number of data rows; None if the problem has none
    if batch_size is not None and n is None:
        raise ValueError(f"batch_size needs a problem with data rows; {problem.name} has none")
    if batch_size is not None and integer("batch_size", batch_size, minimum=1) > n:
        raise ValueError(f"batch_size must be in [1, {n}] (the number of rows), got {batch_size}")
    if epochs is not None and steps is not None:
        raise ValueError("give either steps or epochs, not both")
    per_epoch = 1 if batch_size is None else len(range(0, n, batch_size))  # batches in an epoch
    if epochs is not None:
        steps = integer("epochs", epochs) * per_epoch
    steps = integer("steps", 100 if steps is None else steps)  # 100 if neither is given
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(integer("rng", rng))
    arrays = optimizer._array_shapes()
    try:
        x = np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, *arrays.values())))
    except ValueError:
        given = ", ".join(f"{name} of shape {s}" for name, s in arrays.items())
        message = f"x0 of shape {x.shape} and the optimizer's {given} must broadcast together"
        raise ValueError(message) from None
    if x.ndim > len(shape) and isinstance(scheduler, ReduceLROnPlateau):
        raise ValueError("scheduler ReduceLROnPlateau follows one loss: use one run, not a batch")
    if x.ndim > len(shape) and isinstance(optimizer, (Adafactor, Muon)):  # x is one matrix to them
        raise ValueError(f"optimizer {type(optimizer).__name__} takes one run, not a batch of x0")
    return x, steps, per_epoch, rng


def mini_batches(n: int, batch_size: int, rng):
    """The rows of one mini-batch after another, all n rows reshuffled every epoch."""
    while True:
        yield from np.split(rng.permutation(n), range(batch_size, n, batch_size))
