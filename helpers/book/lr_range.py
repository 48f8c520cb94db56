"""The learning-rate range test (Smith, 2017) of chapters 3 and 6: raise the lr, watch the loss."""

import copy
from dataclasses import dataclass

import numpy as np

from helpers.descent import descend
from helpers.optim import check_optimizer
from helpers.schedulers import LambdaLR
from helpers.validate import integer, positive


@dataclass(frozen=True)
class RangeTest:
    lrs: np.ndarray  # the lr of each step, up to where the run stopped
    losses: np.ndarray  # the loss after each step
    stop_reason: str
    best_lr: float  # the lr of the lowest loss
    suggested_lr: float  # a tenth of best_lr: a common, safe pick

    def __repr__(self) -> str:
        return (f"RangeTest({len(self.lrs)} steps, lowest loss at lr={self.best_lr:.3g}, "
                f"stopped: {self.stop_reason})")  # fmt: skip


def lr_range_test(problem, optimizer, x0, lr_min=1e-6, lr_max=10.0, steps=100, **descend_kwargs):
    """Descend with a fresh copy of ``optimizer``, lr_k = lr_min·(lr_max/lr_min)^(k/(steps − 1)),
    until the loss blows up past the edge of stability; a good lr is a little below best_lr."""
    lr_min, lr_max = positive("lr_min", lr_min), positive("lr_max", lr_max)
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be > lr_min, got lr_min={lr_min!r}, lr_max={lr_max!r}")
    growth = (lr_max / lr_min) ** (1 / (integer("steps", steps, minimum=2) - 1))
    optimizer = copy.deepcopy(check_optimizer(optimizer))  # the caller's is left as it was
    optimizer.reset()  # no state, and no lr a scheduler stored: the schedule starts at lr_min
    optimizer.lr, optimizer.initial_lr = lr_min, None
    schedule = LambdaLR(optimizer, lambda k: growth**k)
    run = descend(problem, optimizer, x0, steps=steps, scheduler=schedule, **descend_kwargs)
    best = float(run.lrs[np.nanargmin(run.losses[1:])])
    return RangeTest(run.lrs, run.losses[1:], run.stop_reason, best, best / 10)
