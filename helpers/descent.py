"""The descent loop of every chapter: run an optimizer on a problem and record what happens."""

from dataclasses import dataclass

import numpy as np

from helpers.optim import check_optimizer
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
    x, steps, per_epoch, rng = check_arguments(**locals())  # every argument, by name
    batch = x.shape[: x.ndim - len(problem.param_shape)]
    coordinates, first = tuple(range(len(batch), x.ndim)), (...,) + (0,) * len(problem.param_shape)
    rows = None if batch_size is None else mini_batches(problem.n, batch_size, rng)
    points = np.full((steps + 1, *x.shape), np.nan)
    losses, grad_norms = np.full((steps + 1, *batch), np.nan), np.full((steps + 1, *batch), np.nan)
    lrs, reason = np.full((steps, *batch), np.nan), np.full(batch, "max_steps", dtype=object)
    going, taken = np.ones(batch, dtype=bool), np.zeros(batch, dtype=int)

    def norm(v):  # ‖v‖ of each run
        return np.sqrt(np.sum(v * v, axis=coordinates))

    def stop(**criteria):  # each run still going stops at the first criterion that holds for it
        for why, holds in criteria.items():
            reason[holds & going], going[holds] = why, False

    def take_step(x, g):  # x_{k+1}, f(x_{k+1}), and the runs that went on to a finite point
        x_new = optimizer.step(x, np.where(np.expand_dims(going, coordinates), g, 0.0))
        loss_new = np.asarray(problem.loss(np.where(np.isfinite(x_new), x_new, 0.0)), float)
        finite = going & np.all(np.isfinite(x_new), axis=coordinates) & np.isfinite(loss_new)
        return x_new, np.where(finite, loss_new, np.inf), finite

    with np.errstate(all="ignore"):  # a diverging run overflows quietly; the loop stops it
        loss = np.asarray(problem.loss(x), dtype=float)
        limit = diverge_factor * np.maximum(np.abs(loss), 1.0)
        losses[0], points[0], k = loss, x, 0
        while k < steps and going.any():
            g = problem.grad(x) if rows is None else problem.grad(x, next(rows))
            grad_norms[k] = np.where(going, norm(g), np.nan)
            stop(diverged=~np.isfinite(grad_norms[k]), grad_norm=grad_norms[k] < (grad_tol or 0))
            if not going.any():
                break
            lrs[k] = np.where(going, np.broadcast_to(optimizer.lr, x.shape)[first], np.nan)
            x_new, loss_new, finite = take_step(x, g)
            k, moved = k + 1, going.copy()
            taken[moved], losses[k, moved], points[k, moved] = k, loss_new[moved], x_new[moved]
            stop(diverged=~finite | (loss_new > limit),
                 loss_change=np.abs(loss_new - loss) < (loss_tol or 0),
                 step_size=norm(x_new - x) < (step_tol or 0))  # fmt: skip
            x[finite], loss[finite] = x_new[finite], loss_new[finite]  # else the last finite point
            if scheduler is not None and (scheduler_interval == "step" or k % per_epoch == 0):
                scheduler.step(float(loss) if loss.ndim == 0 else None)
        at_end = np.take_along_axis(grad_norms, taken[None], axis=0)  # where each run ended
        at_end = np.where(np.isnan(at_end) & (reason != "diverged"), norm(problem.grad(x)), at_end)
        np.put_along_axis(grad_norms, taken[None], at_end, axis=0)
    last = int(taken.max(initial=0)) + 1
    ends = [a.item() if a.ndim == 0 else a for a in (taken, reason.astype(str), x, loss)]
    return Trajectory(points[:last] if record_points else None, losses[:last], grad_norms[:last],
                      lrs[: last - 1], *ends, per_epoch)  # fmt: skip


def check_arguments(problem, optimizer, x0, steps, epochs, batch_size, rng, scheduler,
                    scheduler_interval, **rest):  # fmt: skip
    """The batch of runs (x0 broadcast against array hyperparameters), steps, steps per epoch."""
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a helpers.problems.Problem, got {problem!r}")
    check_optimizer(optimizer)
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError("scheduler must be built on the same optimizer that is passed in")
    one_of("scheduler_interval", scheduler_interval, ("step", "epoch"))
    for name in ("grad_tol", "loss_tol", "step_tol", "diverge_factor"):
        if rest[name] is not None or name == "diverge_factor":  # only a tolerance may be None
            positive_number(name, rest[name])
    x, shape = finite_array("x0", x0), problem.param_shape
    if x.ndim < len(shape) or x.shape[x.ndim - len(shape) :] != shape:
        raise ValueError(f"x0 must have shape {shape} (or a batch of them), got {x.shape}")
    n = getattr(problem, "n", None) if batch_size is not None else 1
    if n is None:
        raise ValueError(f"batch_size needs a problem with data rows; {problem.name} has none")
    if batch_size is not None and integer("batch_size", batch_size, minimum=1) > n:
        raise ValueError(f"batch_size must be in [1, {n}] (the number of rows), got {batch_size}")
    if epochs is not None and steps is not None:
        raise ValueError("give either steps or epochs, not both")
    per_epoch = 1 if batch_size is None else len(range(0, n, batch_size))  # batches in an epoch
    steps = integer("epochs", epochs) * per_epoch if epochs is not None else steps
    steps = integer("steps", 100 if steps is None else steps)
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
    return x, steps, per_epoch, rng


def mini_batches(n: int, batch_size: int, rng):
    """The rows of one mini-batch after another, all n rows reshuffled every epoch."""
    while True:
        yield from np.split(rng.permutation(n), range(batch_size, n, batch_size))
