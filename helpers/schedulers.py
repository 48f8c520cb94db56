"""Learning-rate schedules for :mod:`helpers.optim`, as in ``torch.optim.lr_scheduler``.

A scheduler changes ``opt.lr`` between steps::

    opt = SGD(lr=0.1, momentum=0.9)
    sched = CosineAnnealingLR(opt, T_max=100)
    for t in range(100):
        x = opt.step(x, grad_f(x))
        sched.step()  # after the optimizer's step, as in torch

Building a scheduler performs its first step (``last_epoch`` becomes 0) and sets
``opt.lr``; each ``sched.step()`` adds one to ``last_epoch`` and sets ``opt.lr``
again; ``sched.get_last_lr()`` returns ``[lr]`` (a list, as torch does for one
parameter group). The base learning rate η₀ is ``opt.initial_lr``: the first
scheduler attached to an optimizer stores the optimizer's lr there, and every
later one reads it, as torch does with ``param_group["initial_lr"]``.

Where torch updates the lr from its current value (the "chainable" form of
StepLR, ExponentialLR, LinearLR, CosineAnnealingLR...), so do we, with the same
operations in the same order: the numbers agree with torch to the last bit.
A learning rate that is a numpy array (many runs at once) works with every
scheduler; ReduceLROnPlateau then reduces each entry on its own.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from helpers import validate
from helpers.optim import Optimizer, check_optimizer

Lr = float | np.ndarray


def _copy(lr: Any) -> Any:
    return lr.copy() if isinstance(lr, np.ndarray) else lr


def _number(name: str, value: Any, check: Callable[[str, Any], Any]) -> Any:
    """``value`` checked by ``check``; the user's own number is kept so that repr shows it."""
    checked = check(name, value)
    return value if type(value) in (int, float) else checked


def _milestones(name: str, milestones: Any) -> list[int]:
    if not isinstance(milestones, (list, tuple)):
        raise ValueError(f"{name} must be a list of whole numbers, got {milestones!r}")
    values = [validate.integer(name, m, 1) for m in milestones]
    if any(b <= a for a, b in zip(values[:-1], values[1:], strict=True)):
        raise ValueError(f"{name} must be increasing, got {milestones!r}")
    return values


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array({value.tolist()})" if value.size <= 4 else f"array(shape={value.shape})"
    if isinstance(value, LRScheduler):
        return repr(value)
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return repr(value)


class LRScheduler:
    """Base class: stores the base lr, performs the initial step and sets ``opt.lr``.

    A subclass computes the next lr in ``_get_lr`` (chainable form, from the
    optimizer's current lr and ``last_epoch``) and may give ``_closed_form_lr``,
    which SequentialLR uses when it switches to the scheduler at a milestone.
    """

    _fields: tuple[str, ...] = ()
    _is_initial = False
    clip_at_zero = True  # rounding below 0 becomes 0 (see _set_lr)

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = check_optimizer(optimizer)
        if optimizer.initial_lr is None:
            optimizer.initial_lr = _copy(optimizer.lr)
        self.base_lrs: list[Lr] = [_copy(optimizer.initial_lr)]
        self.last_epoch = -1
        self._initial_step()

    @property
    def base_lr(self) -> Lr:
        """The base learning rate η₀ (``base_lrs[0]``)."""
        return self.base_lrs[0]

    def state_dict(self) -> dict:
        """A copy of the scheduler's state, as torch's ``state_dict()``: everything but the
        optimizer and functions (a LambdaLR's lambda); SequentialLR includes its schedulers'.

        Save it with ``opt.state_dict()``; to resume, build the same optimizer and scheduler
        and call ``load_state_dict`` on both.
        """
        state = {}
        for key, value in vars(self).items():
            if key == "optimizer" or callable(value):
                continue
            if key == "schedulers":  # SequentialLR: theirs, not the objects
                value = [scheduler.state_dict() for scheduler in value]
            state[key] = copy.deepcopy(value)
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by ``state_dict()`` of a scheduler built the same way."""
        if not isinstance(state_dict, dict) or not set(state_dict) <= set(vars(self)):
            raise ValueError(
                f"state_dict must come from state_dict() of a {type(self).__name__}, got "
                f"{sorted(state_dict) if isinstance(state_dict, dict) else state_dict!r}"
            )
        state = copy.deepcopy(state_dict)
        own, saved = getattr(self, "schedulers", []), state.pop("schedulers", [])
        if len(own) != len(saved):
            raise ValueError(f"state_dict holds {len(saved)} schedulers, this one {len(own)}")
        for scheduler, its_state in zip(own, saved, strict=True):
            scheduler.load_state_dict(its_state)
        self.__dict__.update(state)

    def _initial_step(self) -> None:
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self, metrics: float | None = None) -> None:
        """Advance one step (``last_epoch += 1``) and set the optimizer's lr.

        ``metrics`` (the loss) is what ReduceLROnPlateau follows; the other schedulers
        ignore it, so a loop may hand every scheduler the loss the same way."""
        self._update_lr()

    def get_last_lr(self) -> list[Lr]:
        """The lr set by the last step, as a one-element list (torch: one param group)."""
        return [_copy(lr) for lr in self._last_lr]

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            lr = self._get_lr()
        else:
            self.last_epoch = epoch
            lr = self._closed_form_lr()
        self._set_lr(lr)

    def _set_lr(self, lr: Lr) -> None:
        # A formula that should land on 0 can round to about -1e-19 (LinearLR with
        # end_factor=0, torch too), and OneCycleLR's extra step extrapolates below 0:
        # a learning rate is never negative, so those become 0. A user's LambdaLR
        # formula is not ours to correct: a negative value there raises.
        if self.clip_at_zero:
            lr = np.maximum(lr, 0.0) if isinstance(lr, np.ndarray) else max(lr, 0.0)
        self.optimizer.lr = lr
        self._last_lr = [_copy(self.optimizer.lr)]

    def _get_lr(self) -> Lr:
        raise NotImplementedError

    def _closed_form_lr(self) -> Lr:
        return self._get_lr()

    def __repr__(self) -> str:
        args = "".join(f", {name}={_fmt(getattr(self, name))}" for name in self._fields)
        return f"{type(self).__name__}({type(self.optimizer).__name__}{args})"


class LambdaLR(LRScheduler):
    """η_t = η₀ · lr_lambda(t).

    Chapter 6.
    """

    _fields = ("lr_lambda",)
    clip_at_zero = False

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise ValueError(f"lr_lambda must be a function of the step t, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        return self.base_lr * self.lr_lambda(self.last_epoch)


class StepLR(LRScheduler):
    """η_t = η₀ · γ^⌊t / step_size⌋ (computed as η_t = γ·η_{t−1} when step_size divides t).

    Chapter 6.
    """

    _fields = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = validate.integer("step_size", step_size, 1)
        self.gamma = _number("gamma", gamma, validate.positive)
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        lr = self.optimizer.lr
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lr
        return lr * self.gamma

    def _closed_form_lr(self) -> Lr:
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """η_t = η₀ · γ^(number of milestones ≤ t) (computed as η_t = γ·η_{t−1} at a milestone).

    Chapter 6.
    """

    _fields = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1) -> None:
        self.milestones = _milestones("milestones", milestones)
        self.gamma = _number("gamma", gamma, validate.positive)
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        lr = self.optimizer.lr
        if self.last_epoch not in self.milestones:
            return lr
        return lr * self.gamma

    def _closed_form_lr(self) -> Lr:
        return self.base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch)


class ExponentialLR(LRScheduler):
    """η_t = η₀ · γᵗ (computed as η_t = γ·η_{t−1}).

    Chapter 6.
    """

    _fields = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _number("gamma", gamma, validate.positive)
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        if self._is_initial:
            return self.optimizer.lr
        return self.optimizer.lr * self.gamma

    def _closed_form_lr(self) -> Lr:
        return self.base_lr * self.gamma**self.last_epoch


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(πt/T_max))/2, computed recursively as torch does:

    η_t = η_min + (η_{t−1} − η_min)(1 + cos(πt/T_max))/(1 + cos(π(t−1)/T_max)).
    After T_max the cosine goes on: the lr climbs back to η₀ at 2·T_max (no restart).

    Chapter 6.
    """

    _fields = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: Lr = 0.0) -> None:
        self.T_max = validate.integer("T_max", T_max, 1)
        self.eta_min = _number("eta_min", eta_min, validate.non_negative)
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        lr, t, T, eta_min = self.optimizer.lr, self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lr
        if (t - 1 - T) % (2 * T) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return ratio * (lr - eta_min) + eta_min

    def _closed_form_lr(self) -> Lr:
        t, T = self.last_epoch, self.T_max
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t / T)) / 2


class CosineAnnealingWarmRestarts(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(π·T_cur/T_i))/2, with T_cur the steps since the
    last restart; the period T_i starts at T_0 and is multiplied by T_mult at each restart.

    Chapter 6.
    """

    _fields = ("T_0", "T_mult", "eta_min")

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: Lr = 0.0) -> None:
        self.T_0 = validate.integer("T_0", T_0, 1)
        self.T_mult = validate.integer("T_mult", T_mult, 1)
        self.eta_min = _number("eta_min", eta_min, validate.non_negative)
        self.T_i = self.T_0
        self.T_cur = -1
        super().__init__(optimizer)

    def step(self, metrics: float | None = None) -> None:
        if self.last_epoch < 0:
            self.T_i, self.T_cur, self.last_epoch = self.T_0, 0, 0
        else:
            self.last_epoch += 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        self._set_lr(self._get_lr())

    def _get_lr(self) -> Lr:
        cos = math.cos(math.pi * self.T_cur / self.T_i)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cos) / 2


class LinearLR(LRScheduler):
    """η_t = η₀ · (s + (e − s)·min(t, total_iters)/total_iters), s = start_factor, e = end_factor.

    Computed recursively as torch does: η_0 = s·η₀ and for 1 ≤ t ≤ total_iters
    η_t = η_{t−1}·(1 + (e − s)/(total_iters·s + (t − 1)(e − s))).

    Chapter 6.
    """

    _fields = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        self.start_factor = validate.in_range(
            "start_factor", start_factor, 0.0, 1.0, low_open=True, high_open=False
        )
        self.end_factor = validate.in_range("end_factor", end_factor, 0.0, 1.0, high_open=False)
        self.total_iters = validate.integer("total_iters", total_iters, 1)
        super().__init__(optimizer)

    def _get_lr(self) -> Lr:
        lr, t = self.optimizer.lr, self.last_epoch
        start, end, n = self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return lr * start
        if self._is_initial or t > n:
            return lr
        return lr * (1.0 + (end - start) / (n * start + (t - 1) * (end - start)))

    def _closed_form_lr(self) -> Lr:
        start, end, n = self.start_factor, self.end_factor, self.total_iters
        return self.base_lr * (start + (end - start) * min(n, self.last_epoch) / n)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the lr rises from max_lr/div_factor to max_lr during the first
    pct_start of total_steps, then falls to max_lr/(div_factor·final_div_factor).

    Within a phase from step a to step b, with p = (t − a)/(b − a):
    cos: η_t = η_end + (η_start − η_end)/2 · (1 + cos(πp));
    linear: η_t = η_start + (η_end − η_start)·p.
    three_phase: up, back down to max_lr/div_factor (symmetrically), then down to the minimum.
    With cycle_momentum the momentum (SGD, RMSprop) or β₁ (Adam, AdamW) moves the
    opposite way, between max_momentum and base_momentum. ``step()`` may be called
    total_steps times; as in torch the last call extrapolates the last phase one step
    beyond its end, where linear annealing gives a negative lr: ours is clipped to 0.

    Chapter 6.
    """

    _fields = ("max_lr", "total_steps", "pct_start", "anneal_strategy", "three_phase")

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: Lr,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
    ) -> None:
        check_optimizer(optimizer)
        if total_steps is not None:
            self.total_steps = validate.integer("total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            epochs = validate.integer("epochs", epochs, 1)
            self.total_steps = epochs * validate.integer("steps_per_epoch", steps_per_epoch, 1)
        else:
            raise ValueError("total_steps, or both epochs and steps_per_epoch, must be given")
        self.max_lr = _number("max_lr", max_lr, validate.positive)
        self.pct_start = validate.in_range("pct_start", pct_start, 0.0, 1.0, high_open=False)
        self.anneal_strategy = validate.one_of(
            "anneal_strategy", anneal_strategy, ("cos", "linear")
        )
        self.base_momentum = validate.in_range("base_momentum", base_momentum, 0.0, 1.0)
        self.max_momentum = validate.in_range("max_momentum", max_momentum, 0.0, 1.0)
        div_factor = validate.positive("div_factor", div_factor)
        final_div_factor = validate.positive("final_div_factor", final_div_factor)
        self.three_phase = bool(three_phase)

        initial_lr = self.max_lr / div_factor
        self.min_lr = initial_lr / final_div_factor
        up_end = float(self.pct_start * self.total_steps) - 1
        lo, hi = self.base_momentum, self.max_momentum
        # (end_step, start_lr, end_lr, start_momentum, end_momentum) for each phase
        if self.three_phase:
            self._phases = [
                (up_end, initial_lr, self.max_lr, hi, lo),
                (float(2 * self.pct_start * self.total_steps) - 2, self.max_lr, initial_lr, lo, hi),
                (self.total_steps - 1, initial_lr, self.min_lr, hi, hi),
            ]
        else:
            self._phases = [
                (up_end, initial_lr, self.max_lr, hi, lo),
                (self.total_steps - 1, self.max_lr, self.min_lr, lo, hi),
            ]
        start = 0.0
        for end, *_ in self._phases:
            if end == start:
                raise ValueError(
                    f"pct_start={pct_start} with total_steps={self.total_steps} "
                    "gives a phase of length 0"
                )
            start = end

        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = hasattr(optimizer, "betas")
            if not self.use_beta1 and not hasattr(optimizer, "momentum"):
                raise ValueError(
                    "optimizer must have momentum (SGD, RMSprop) or betas (Adam, AdamW) "
                    "when cycle_momentum=True"
                )
            self._set_momentum(self.max_momentum, optimizer)
        optimizer.initial_lr = _copy(initial_lr)
        super().__init__(optimizer)

    def _set_momentum(self, momentum: float, optimizer: Optimizer) -> None:
        if self.use_beta1:
            optimizer.betas = (momentum, *optimizer.betas[1:])
        else:
            optimizer.momentum = momentum

    def _anneal(self, start: Any, end: Any, pct: float) -> Any:
        if self.anneal_strategy == "cos":
            cos_out = math.cos(math.pi * pct) + 1
            return end + (start - end) / 2.0 * cos_out
        return (end - start) * pct + start

    def _get_lr(self) -> Lr:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times, but total_steps is {self.total_steps}")
        start_step = 0.0
        for i, (end_step, start_lr, end_lr, start_m, end_m) in enumerate(self._phases):
            if t <= end_step or i == len(self._phases) - 1:
                pct = (t - start_step) / (end_step - start_step)
                if self.cycle_momentum:
                    self._set_momentum(self._anneal(start_m, end_m, pct), self.optimizer)
                # The step after the last one (t = total_steps, allowed as in torch)
                # extrapolates the last phase; linear annealing then goes below 0,
                # which torch sets as the lr and _set_lr clips to 0.
                return self._anneal(start_lr, end_lr, pct)
            start_step = end_step
        raise AssertionError("unreachable")


class ReduceLROnPlateau(LRScheduler):
    """η ← max(factor·η, min_lr) when the metric has not improved for more than ``patience``
    steps (improved: below best·(1 − threshold) in mode 'min' with 'rel', below
    best − threshold with 'abs'; above in mode 'max'), then waits ``cooldown`` steps.
    Changes smaller than eps are skipped. Call ``step(metric)``; no step at construction.

    Chapter 6.
    """

    _fields = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr")

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: Lr = 0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = check_optimizer(optimizer)
        self.mode = validate.one_of("mode", mode, ("min", "max"))
        self.factor = validate.in_range("factor", factor, 0.0, 1.0)
        self.patience = validate.integer("patience", patience, 0)
        self.threshold = _number("threshold", threshold, validate.non_negative)
        self.threshold_mode = validate.one_of("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = validate.integer("cooldown", cooldown, 0)
        self.min_lr = _number("min_lr", min_lr, validate.non_negative)
        self.eps = _number("eps", eps, validate.non_negative)
        self.last_epoch = 0
        self._last_lr = [_copy(optimizer.lr)]
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: float | None = None) -> None:
        """Record the metric (e.g. the loss) of this step and reduce the lr if it stalls."""
        value = np.asarray(np.nan if metrics is None else metrics)
        if value.ndim != 0 or value.dtype.kind not in "iuf" or not np.isfinite(value):
            raise ValueError(f"metrics must be a finite number, got {metrics!r}")
        current = float(value)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [_copy(self.optimizer.lr)]

    def _reduce_lr(self) -> None:
        old = self.optimizer.lr
        new = np.maximum(old * self.factor, self.min_lr)
        changed = old - new > self.eps
        if np.ndim(new) == 0:
            if changed:
                self.optimizer.lr = float(new)
        elif np.any(changed):
            self.optimizer.lr = np.where(changed, new, old)

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold


class SequentialLR(LRScheduler):
    """Runs ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted at its
    own step 0), and so on: e.g. LinearLR warm-up then CosineAnnealingLR.

    η_t = η⁽ⁱ⁾_{t − mᵢ}, with i the number of milestones mᵢ ≤ t (m₀ = 0).

    Chapter 6.
    """

    _fields = ("schedulers", "milestones")

    def __init__(
        self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int]
    ) -> None:
        self.optimizer = check_optimizer(optimizer)
        if not isinstance(schedulers, (list, tuple)) or len(schedulers) < 1:
            raise ValueError(f"schedulers must be a non-empty list, got {schedulers!r}")
        for i, sched in enumerate(schedulers):
            if not isinstance(sched, LRScheduler) or isinstance(sched, ReduceLROnPlateau):
                raise ValueError(
                    f"schedulers[{i}] must be a scheduler other than ReduceLROnPlateau, "
                    f"got {sched!r}"
                )
            if sched.optimizer is not optimizer:
                raise ValueError(f"schedulers[{i}] is attached to another optimizer")
        self.milestones = _milestones("milestones", milestones)
        if len(self.milestones) != len(schedulers) - 1:
            raise ValueError(
                f"milestones must have one entry fewer than schedulers ({len(schedulers)}), "
                f"got {len(self.milestones)}"
            )
        self.schedulers = list(schedulers)
        self.base_lrs = [_copy(optimizer.initial_lr)]
        self.last_epoch = 0
        # As torch: go back to the base lr, undo the sub-schedulers' initial steps and
        # redo the initial step of the first one only.
        optimizer.lr = optimizer.initial_lr
        self._undo_initial_steps(self)
        first = self.schedulers[bisect_right(self.milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, sched: LRScheduler) -> None:
        if isinstance(sched, SequentialLR):
            for sub in sched.schedulers:
                self._undo_initial_steps(sub)
        else:
            sched.last_epoch -= 1

    def step(self, metrics: float | None = None) -> None:
        self.last_epoch += 1
        idx = bisect_right(self.milestones, self.last_epoch)
        sched = self.schedulers[idx]
        if idx > 0 and self.milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()
