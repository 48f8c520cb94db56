"""The learning-rate range test: raise the learning rate every step and watch the loss.

Start with a tiny learning rate and multiply it by a constant factor each
step, from ``lr_min`` to ``lr_max`` in ``steps`` steps:

    lr_k = lr_min · (lr_max / lr_min)^(k / (steps − 1)).

While the learning rate is too small the loss barely moves; then it falls
quickly; past the edge of stability it shoots up. A good learning rate lies
a little below the point where the loss is lowest, where it is still falling
steeply (Smith, 2017). Chapter 3, and chapter 6 for one-cycle.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from helpers.descent import descend
from helpers.optim import Optimizer, check_optimizer
from helpers.problems import Problem
from helpers.schedulers import LambdaLR
from helpers.validate import integer, positive


@dataclass(frozen=True)
class RangeTest:
    """The learning rate of each step and the loss after it, up to where the run stopped."""

    lrs: np.ndarray
    losses: np.ndarray
    stop_reason: str

    @property
    def best_lr(self) -> float:
        """The learning rate at which the loss was lowest."""
        return float(self.lrs[int(np.nanargmin(self.losses))])

    @property
    def suggested_lr(self) -> float:
        """One tenth of the learning rate of the lowest loss: a common, safe pick."""
        return self.best_lr / 10

    def __repr__(self) -> str:
        return (
            f"RangeTest({len(self.lrs)} steps, lowest loss at lr={self.best_lr:.3g}, "
            f"stopped: {self.stop_reason})"
        )


def lr_range_test(
    problem: Problem,
    optimizer: Optimizer,
    x0,
    lr_min: float = 1e-6,
    lr_max: float = 10.0,
    steps: int = 100,
    **descend_kwargs,
) -> RangeTest:
    """Run ``optimizer`` on ``problem`` with an exponentially growing learning rate.

    The run stops early once the loss diverges, as it should near ``lr_max``.
    Extra keyword arguments (``batch_size``, ``rng``) go to :func:`descend`.
    The test runs a fresh copy of ``optimizer`` (its settings, no state, no
    scheduler's ``initial_lr``), so the optimizer passed in is left as it was.
    """
    lr_min = positive("lr_min", lr_min)
    lr_max = positive("lr_max", lr_max)
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be > lr_min, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    steps = integer("steps", steps, minimum=2)
    growth = (lr_max / lr_min) ** (1 / (steps - 1))
    optimizer = copy.deepcopy(check_optimizer(optimizer))
    optimizer.reset()
    optimizer.lr, optimizer.initial_lr = lr_min, None  # the schedule starts from lr_min
    schedule = LambdaLR(optimizer, lambda k: growth**k)
    run = descend(problem, optimizer, x0, steps=steps, scheduler=schedule, **descend_kwargs)
    return RangeTest(lrs=run.lrs, losses=run.losses[1:], stop_reason=run.stop_reason)
