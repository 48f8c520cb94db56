"""Learning-rate schedules for :mod:`helpers.optim`, as in ``torch.optim.lr_scheduler``.

A scheduler sets the optimizer's lr of step t to η_t = ``lr_at(t)``. Building it performs step 0;
call ``sched.step()`` after each ``opt.step``, as in torch. η₀ is ``opt.initial_lr``, which the
first scheduler attached sets to the optimizer's lr (torch too). η_t is a closed form in η₀ and t,
within 1e-12 of torch's (partly recursive) values, so schedulers do not stack: SequentialLR chains
them. An lr may be an array: many runs at once."""

import copy
import inspect
import math
from bisect import bisect_right

import numpy as np

from helpers.optim import check_optimizer
from helpers.validate import in_range, integer, non_negative, one_of, positive


def _milestones(values):
    if isinstance(values, (list, tuple)):
        checked = [integer("milestones", m, 1) for m in values]
        if checked == sorted(set(checked)):
            return checked
    raise ValueError(f"milestones must be an increasing list of whole numbers, got {values!r}")


def _cosine(start, end, p):  # from start at p = 0 to end at p = 1 along half a cosine
    return end + (start - end) * (1 + math.cos(math.pi * p)) / 2


class LRScheduler:
    """What all share: η₀ (``base_lr``), ``last_epoch`` (t) and ``step()``: opt.lr = lr_at(t)."""

    def __init__(self, optimizer):
        if check_optimizer(optimizer).initial_lr is None:  # the first scheduler stores its lr
            optimizer.initial_lr = copy.copy(optimizer.lr)
        self.optimizer, self.base_lrs = optimizer, [copy.copy(optimizer.initial_lr)]
        self.base_lr, self.last_epoch = self.base_lrs[0], -1
        self.step()

    def step(self, metrics=None):
        """Go to the next step and set its lr; ``metrics`` (the loss) is for ReduceLROnPlateau."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)  # the optimizer refuses a negative lr

    def get_last_lr(self):
        """The lr set by the last step, as a one-element list (torch: one per parameter group)."""
        return [copy.copy(self.optimizer.lr)]

    def state_dict(self):
        """A copy of the state, as torch's: all but the optimizer and functions (lr_lambda)."""
        state = {k: v for k, v in vars(self).items() if k != "optimizer" and not callable(v)}
        if "schedulers" in state:
            state["schedulers"] = [scheduler.state_dict() for scheduler in self.schedulers]
        return copy.deepcopy(state)

    def load_state_dict(self, state_dict):
        """Resume from ``state_dict()`` of a scheduler built the same way (and the optimizer's)."""
        state, schedulers = copy.deepcopy(state_dict), getattr(self, "schedulers", [])
        if not isinstance(state, dict) or not set(state) <= set(vars(self)):
            raise ValueError(f"state_dict must come from state_dict() of a {type(self).__name__}")
        for scheduler, its_state in zip(schedulers, state.pop("schedulers", []), strict=True):
            scheduler.load_state_dict(its_state)
        self.__dict__.update(state)

    def __repr__(self):  # the constructor's arguments that the scheduler keeps; functions by name
        names = [n for n in list(inspect.signature(type(self)).parameters)[1:] if hasattr(self, n)]
        kept = {name: getattr(self, name) for name in names}
        args = [f"{n}={getattr(v, '__name__', repr(v))}" for n, v in kept.items()]
        return f"{type(self).__name__}({', '.join([type(self.optimizer).__name__, *args])})"


class LambdaLR(LRScheduler):
    """η_t = η₀ · lr_lambda(t); a negative η_t raises a ValueError. Chapters 4 and 6."""

    def __init__(self, optimizer, lr_lambda):
        if not callable(lr_lambda):
            raise ValueError(f"lr_lambda must be a function of the step t, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.lr_lambda(t)


class StepLR(LRScheduler):
    """η_t = η₀ · γ^⌊t / step_size⌋. Chapter 6."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size, self.gamma = integer("step_size", step_size, 1), positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """η_t = η₀ · γ^(number of milestones ≤ t). Chapter 6."""

    def __init__(self, optimizer, milestones, gamma=0.1):
        self.milestones, self.gamma = _milestones(milestones), positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma ** bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """η_t = η₀ · γᵗ. Chapter 6."""

    def __init__(self, optimizer, gamma):
        self.gamma = positive("gamma", gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(πt/T_max))/2, on past T_max (no restart). Chapter 6."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max, self.eta_min = integer("T_max", T_max, 1), non_negative("eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, t):
        return _cosine(self.base_lr, self.eta_min, t / self.T_max)


class CosineAnnealingWarmRestarts(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(π·T_cur/T_i))/2, with T_cur the steps since the last
    restart; the period T_i starts at T_0 and is multiplied by T_mult at each restart. Chapter 6."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0):
        self.T_0, self.T_mult = integer("T_0", T_0, 1), integer("T_mult", T_mult, 1)
        self.eta_min = non_negative("eta_min", eta_min)
        super().__init__(optimizer)

    def lr_at(self, t):
        T_i = self.T_0  # the length of the first period
        T_cur = t % T_i if self.T_mult == 1 else t  # periods all of one length: straight there
        while T_cur >= T_i:  # a restart: the next period is T_mult times as long
            T_cur -= T_i
            T_i *= self.T_mult
        return _cosine(self.base_lr, self.eta_min, T_cur / T_i)


class LinearLR(LRScheduler):
    """η_t = η₀ (s + (e − s) min(t, n)/n), s = start_factor, e = end_factor, n = total_iters.
    Chapter 6."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        self.start_factor = in_range("start_factor", start_factor, 0, 1, low_open=True,
                                     high_open=False)  # fmt: skip
        self.end_factor = in_range("end_factor", end_factor, 0, 1, high_open=False)
        self.total_iters = integer("total_iters", total_iters, 1)
        super().__init__(optimizer)

    def lr_at(self, t):  # with e = 0 the factor may round to -1e-17: that is 0
        s, e, n = self.start_factor, self.end_factor, self.total_iters
        return self.base_lr * max(s + (e - s) * min(n, t) / n, 0.0)


class WarmupStableDecay(LRScheduler):
    """Warm-up, stable, decay (WSD; Hu et al. 2024, Hägele et al. 2024): η_t = η₀·t/W in the W
    warm-up steps, η₀ in S stable ones, then η_min + (η₀ − η_min)·g(min((t − W − S)/D, 1)), D
    decay steps: g(p) = 1 − p ('linear'), (1 + cos πp)/2 ('cosine'), 1 − √p ('sqrt'). Chapter 8."""

    def __init__(self, optimizer, warmup_steps, stable_steps, decay_steps, eta_min=0.0,
                 decay_shape="linear"):  # fmt: skip
        self.warmup_steps = integer("warmup_steps", warmup_steps)
        self.stable_steps = integer("stable_steps", stable_steps)
        self.decay_steps = integer("decay_steps", decay_steps, 1)
        self.eta_min = non_negative("eta_min", eta_min)
        self.decay_shape = one_of("decay_shape", decay_shape, ("linear", "cosine", "sqrt"))
        super().__init__(optimizer)

    def lr_at(self, t):
        W, S = self.warmup_steps, self.stable_steps
        if t < W + S:  # warm-up, then stable
            return self.base_lr * t / W if t < W else self.base_lr
        p = min(1.0, (t - W - S) / self.decay_steps)
        g = {"linear": 1 - p, "cosine": (1 + math.cos(math.pi * p)) / 2, "sqrt": 1 - math.sqrt(p)}
        return self.eta_min + (self.base_lr - self.eta_min) * g[self.decay_shape]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: up from η₀ = max_lr/div_factor to max_lr in the first pct_start of
    total_steps (or epochs·steps_per_epoch), then down to η₀/final_div_factor (three_phase: back to
    η₀ as fast as up, then down). From u at step a to v at step b, 'cos' anneals as _cosine(u, v, p)
    and 'linear' as u + (v − u)p, p = (t − a)/(b − a); with cycle_momentum the momentum (or β₁)
    goes the other way, between max_momentum and base_momentum. Chapter 6."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4,
                 three_phase=False):  # fmt: skip
        if total_steps is None and epochs is not None:  # else total_steps must be given
            total_steps = integer("epochs", epochs, 1)
            total_steps *= integer("steps_per_epoch", steps_per_epoch, 1)
        self.total_steps = n = integer("total_steps", total_steps, 1)
        self.max_lr = peak = positive("max_lr", max_lr)
        self.pct_start = in_range("pct_start", pct_start, 0, 1, high_open=False)
        self.anneal_strategy = one_of("anneal_strategy", anneal_strategy, ("cos", "linear"))
        self.three_phase, self.cycle_momentum = bool(three_phase), bool(cycle_momentum)
        low = in_range("base_momentum", base_momentum, 0, 1)
        high = in_range("max_momentum", max_momentum, 0, 1)
        eta_0 = peak / positive("div_factor", div_factor)
        eta_end = eta_0 / positive("final_div_factor", final_div_factor)
        # the lr goes through lrs[i] at steps[i], the momentum through momenta[i] (torch's phases)
        up, back = float(self.pct_start * n) - 1, float(2 * self.pct_start * n) - 2
        self.steps = [0.0, up, back, n - 1] if self.three_phase else [0.0, up, n - 1]
        self.lrs = [eta_0, peak, eta_0, eta_end] if self.three_phase else [eta_0, peak, eta_end]
        self.momenta = [high, low, high, high] if self.three_phase else [high, low, high]
        if any(a == b for a, b in zip(self.steps[:-1], self.steps[1:], strict=True)):
            raise ValueError(f"pct_start={pct_start} and total_steps={n} give a phase of length 0")
        if self.cycle_momentum and not any(hasattr(optimizer, a) for a in ("momentum", "betas")):
            raise ValueError("optimizer must have momentum or betas when cycle_momentum=True")
        check_optimizer(optimizer).initial_lr = copy.copy(eta_0)
        super().__init__(optimizer)

    def _anneal(self, values, t):
        """From values[i − 1] at steps[i − 1] to values[i] at steps[i], in t's phase i."""
        steps = self.steps
        i = 1  # t's phase: the first i with t <= steps[i], or the last phase
        while i < len(steps) - 1 and t > steps[i]:
            i += 1
        u, v, p = values[i - 1], values[i], (t - steps[i - 1]) / (steps[i] - steps[i - 1])
        return _cosine(u, v, p) if self.anneal_strategy == "cos" else u + (v - u) * p

    def lr_at(self, t):  # step total_steps extrapolates, as torch's: a negative 'linear' lr is 0
        lr = self._anneal(self.lrs, t)
        return np.maximum(lr, 0.0) if isinstance(lr, np.ndarray) else max(lr, 0.0)

    def step(self, metrics=None):
        if self.last_epoch == self.total_steps:  # torch allows total_steps steps after step 0
            raise ValueError(f"step() was called more than total_steps={self.total_steps} times")
        super().step()
        momentum = self._anneal(self.momenta, self.last_epoch)
        if self.cycle_momentum and hasattr(self.optimizer, "betas"):  # Adam, AdamW
            self.optimizer.betas = (momentum, self.optimizer.betas[1])
        elif self.cycle_momentum:  # SGD, RMSprop
            self.optimizer.momentum = momentum


class ReduceLROnPlateau(LRScheduler):
    """η ← max(factor·η, min_lr) when the metric has not improved for more than ``patience`` steps;
    then ``cooldown`` steps pass before bad steps count again. Improved in mode 'min': below best·(1
    − threshold) ('rel') or best − threshold ('abs'); in mode 'max': above best·(1 + threshold) or
    best + threshold. Cuts smaller than eps are skipped. Chapter 6."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):  # fmt: skip
        self.optimizer = check_optimizer(optimizer)
        self.mode = one_of("mode", mode, ("min", "max"))
        self.factor = in_range("factor", factor, 0, 1)
        self.patience, self.cooldown = integer("patience", patience), integer("cooldown", cooldown)
        self.threshold = non_negative("threshold", threshold)
        self.threshold_mode = one_of("threshold_mode", threshold_mode, ("rel", "abs"))
        self.min_lr, self.eps = non_negative("min_lr", min_lr), non_negative("eps", eps)
        self.base_lrs, self.last_epoch = [copy.copy(optimizer.lr)], 0
        self.base_lr, self.best = self.base_lrs[0], (math.inf if mode == "min" else -math.inf)
        self.cooldown_counter = self.num_bad_epochs = 0

    def step(self, metrics=None):
        """Record the metric (the loss) of this step and cut the lr if it has stalled."""
        value = np.asarray(np.nan if metrics is None else metrics)
        if value.ndim != 0 or value.dtype.kind not in "iuf" or not np.isfinite(value):
            raise ValueError(f"metrics must be a finite number, got {metrics!r}")
        self.last_epoch += 1
        metric = float(value)
        best, threshold, relative = self.best, self.threshold, self.threshold_mode == "rel"
        below = metric < (best * (1.0 - threshold) if relative else best - threshold)  # mode 'min'
        above = metric > (best * (threshold + 1.0) if relative else best + threshold)  # mode 'max'
        if (self.mode == "min" and below) or (self.mode == "max" and above):  # an improvement
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter, self.num_bad_epochs = self.cooldown_counter - 1, 0
        if self.num_bad_epochs > self.patience:
            lr = self.optimizer.lr
            cut = np.maximum(lr * self.factor, self.min_lr)
            cut = np.where(lr - cut > self.eps, cut, lr)  # a cut smaller than eps is skipped
            self.optimizer.lr = float(cut) if cut.ndim == 0 else cut
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0


class SequentialLR(LRScheduler):
    """η_t = schedulers[i].lr_at(t − mᵢ) from milestone mᵢ on (m₀ = 0): a restart. Chapter 6."""

    def __init__(self, optimizer, schedulers, milestones):
        check_optimizer(optimizer)
        if not isinstance(schedulers, (list, tuple)) or not schedulers or not all(
            isinstance(s, LRScheduler) and not isinstance(s, ReduceLROnPlateau)
            and s.optimizer is optimizer for s in schedulers
        ):  # fmt: skip
            raise ValueError("schedulers must be this optimizer's, other than ReduceLROnPlateau")
        self.schedulers, self.milestones = list(schedulers), _milestones(milestones)
        if len(self.milestones) != len(schedulers) - 1:
            raise ValueError(f"milestones must be one fewer than schedulers, got {milestones!r}")
        super().__init__(optimizer)

    def step(self, metrics=None):
        self.last_epoch += 1
        i = bisect_right(self.milestones, self.last_epoch)  # schedulers[i] is the one in charge
        start = 0 if i == 0 else self.milestones[i - 1]  # mᵢ, the step at which it starts
        self.schedulers[i].last_epoch = self.last_epoch - start - 1  # its step() adds the 1
        self.schedulers[i].step()
