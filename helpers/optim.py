"""Gradient descent optimizers in plain numpy that reproduce ``torch.optim``.

Every optimizer moves a point ``x`` using its gradient ``g``::

    opt = Adam(lr=0.1)
    for _ in range(100):
        x = opt.step(x, grad_f(x))  # a new array; x and the gradient are left untouched

or, like ``torch.optim``, in place: ``opt.step(x, grad_f(x), out=x)`` overwrites ``x``
and allocates nothing, which matters for a million parameters.

The optimizer keeps its state (the step count ``t``, momentum buffers, moment
estimates) between calls in ``opt.state``; ``opt.reset()`` forgets it. With η the
learning rate, λ the weight decay and t = 1, 2, ... the step count:

* SGD:     g ← g + λx;  b ← μb + (1−τ)g (b = g at the first step);
           g ← g + μb (Nesterov) or g ← b;  x ← x − ηg
* Adagrad: g ← g + λx;  s ← s + g²;  x ← x − η/(1 + (t−1)·decay) · g/(√s + ε)
* RMSprop: g ← g + λx;  v ← αv + (1−α)g²;  d = √v + ε, or centred: m ← αm + (1−α)g,
           d = √(v − m²) + ε;  b ← μb + g/d and x ← x − ηb (momentum), else x ← x − ηg/d
* Adam:    g ← g + λx;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
           x ← x − η/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε)   (AMSGrad: v replaced by max over steps)
* AdamW:   x ← (1 − ηλ)x, then Adam without the λx term

``maximize=True`` (a keyword of every optimizer, as in torch) climbs instead of
descending: the gradient is negated before anything else.

The learning rate may be an array that broadcasts against ``x``: ``x`` of shape
(100, 2) with ``lr`` of shape (100, 1) runs 100 learning rates in one call.

The floating-point operations are done in the same order as torch's single-tensor
code, so float64 results agree with torch to about one unit in the last place per
step. They are not always bit-identical: torch's CPU kernels fuse some
multiply-adds (``add(alpha=)``, ``addcmul``, ``lerp``), which numpy cannot, and
torch's square root (MKL's) is not always correctly rounded.

Large arrays are updated in blocks of ``BLOCK`` elements: every operation of the
update runs on one block while it sits in the processor's cache, then the next
block. The blocks are shared out among ``WORKERS`` threads (numpy releases the
interpreter lock inside its loops, so the threads really run at once, as torch's
do). Each element goes through exactly the same operations either way, so the
result depends neither on the blocking nor on the threads; only the time does.

SGD is introduced in chapter 1 (plain), chapter 5 (momentum, Nesterov);
Adagrad, RMSprop, Adam and AdamW in chapter 5.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from helpers import validate

Hyper = float | np.ndarray
BLOCK = 1 << 17  # elements per block (1 MB per array); the fastest of 2^14 ... 2^17 and no blocks
WORKERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)

_here = threading.local()  # the block this thread is updating: .span (a slice) and .worker
_new_state = threading.Lock()  # held while a state buffer is created
_pool: list[tuple[int, ThreadPoolExecutor]] = []  # threads that help the calling one, and how many
_pool_lock = threading.Lock()  # held while work is handed to the pool (which may be replaced)


def _run_in_helper_threads(work: Callable, runs: list) -> list:
    """Start ``work(k, runs[k])`` for k ≥ 1 in a pool of at least len(runs) − 1 threads."""
    with _pool_lock:  # no other thread may shut the pool down between our two lines
        if not _pool or _pool[0][0] < len(runs) - 1:
            if _pool:
                _pool[0][1].shutdown(wait=False)  # work already handed to it still runs
            count = len(runs) - 1
            _pool[:] = [(count, ThreadPoolExecutor(count, thread_name_prefix="helpers.optim"))]
        return [_pool[0][1].submit(work, k, run) for k, run in enumerate(runs) if k > 0]


def _forget_threads() -> None:
    """In a forked child: none of the parent's threads exist, and a lock may be left held."""
    global _new_state, _pool_lock
    _pool.clear()
    _new_state, _pool_lock = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_threads)


def check_optimizer(optimizer: Any) -> Optimizer:
    """``optimizer`` if it is one of this module's optimizers; else a ValueError naming it."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a helpers.optim optimizer, got {optimizer!r}")
    return optimizer


def _keep(value: Any, checked: Any) -> Any:
    """The checked value: a float64 copy of an array, or the user's own number (repr shows 0)."""
    if isinstance(checked, np.ndarray):
        return checked.copy()
    return value if type(value) in (int, float) else checked


def _non_negative(name: str, value: Any) -> Hyper:
    return _keep(value, validate.non_negative(name, value))


def _positive(name: str, value: Any) -> Hyper:
    return _keep(value, validate.positive(name, value))


def _betas(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (beta1, beta2), got {value!r}")
    for i, beta in enumerate(value):
        validate.in_range(f"{name}[{i}]", beta, 0.0, 1.0)
    return tuple(_keep(b, float(b)) for b in value)


def _checked_property(name: str, check: Callable[[str, Any], Any]) -> property:
    """A public attribute that is validated every time it is set (e.g. by a scheduler)."""
    attr = "_" + name

    def fget(self: Any) -> Any:
        return getattr(self, attr)

    def fset(self: Any, value: Any) -> None:
        setattr(self, attr, check(name, value))

    return property(fget, fset, doc=f"``{name}``, checked when set.")


def _any_nonzero(value: Hyper) -> bool:
    if type(value) in (int, float):  # the common case, without numpy's overhead per call
        return value != 0
    return bool(np.any(value != 0))


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """start ← start + weight·(end − start), in place, in the order torch.lerp_ uses."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array({value.tolist()})" if value.size <= 4 else f"array(shape={value.shape})"
    return repr(value)


class Optimizer:
    """Base class: the learning rate, the step count ``t`` and the state buffers.

    ``lr`` must be > 0 when the optimizer is built; afterwards (schedulers set it)
    any finite ``lr >= 0`` is accepted, since schedules such as cosine annealing
    reach 0. ``base_lr`` is the constructor's learning rate; ``initial_lr`` is
    ``None`` until a scheduler is attached, which stores the optimizer's lr there
    (torch's ``param_group["initial_lr"]``) so that later schedulers share it.
    """

    lr = _checked_property("lr", _non_negative)
    _fields: tuple[str, ...] = ("lr",)  # hyperparameters, shown by repr

    def __init__(self, lr: ArrayLike, maximize: bool = False) -> None:
        self._lr = _positive("lr", lr)
        self.base_lr: Hyper = _keep(lr, self._lr)
        self.initial_lr: Hyper | None = None
        if not isinstance(maximize, (bool, np.bool_)):
            raise ValueError(f"maximize must be True or False, got {maximize!r}")
        self.maximize = bool(maximize)  # climb: use −grad, as torch's maximize=True does
        self.reset()

    def reset(self) -> None:
        """Forget the step count and every state buffer."""
        self.t = 0
        self.state: dict[str, np.ndarray] = {}
        self._shape: tuple[int, ...] | None = None
        self._scratch: dict[tuple[int, tuple[int, ...], int], np.ndarray] = {}
        self._created: set[str] = set()  # state buffers created during this step

    def state_dict(self) -> dict:
        """A copy of all the next step depends on: the step count, the state buffers and the
        hyperparameters (torch's ``state_dict()`` holds the same, as state and param groups)."""
        return copy.deepcopy({
            "t": self.t,
            "state": self.state,
            "shape": self._shape,
            "hyperparameters": {name: getattr(self, name) for name in self._fields},
            "base_lr": self.base_lr,
            "initial_lr": self.initial_lr,
            "maximize": self.maximize,
        })  # fmt: skip

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by ``state_dict()`` of an optimizer of the same class."""
        keys = {"t", "state", "shape", "hyperparameters", "base_lr", "initial_lr", "maximize"}
        if not (
            isinstance(state_dict, dict)
            and set(state_dict) == keys
            and set(state_dict["hyperparameters"]) == set(self._fields)
        ):
            raise ValueError(f"state_dict must come from state_dict() of a {type(self).__name__}")
        state = copy.deepcopy(state_dict)
        for name, value in state["hyperparameters"].items():
            setattr(self, name, value)  # lr, momentum and betas are checked as they are set
        self.reset()
        self.t, self.state, self._shape = state["t"], state["state"], state["shape"]
        self.base_lr, self.initial_lr = state["base_lr"], state["initial_lr"]
        self.maximize = state["maximize"]

    def step(self, x: ArrayLike, grad: ArrayLike, out: np.ndarray | None = None) -> np.ndarray:
        """Return the next point, given ``x`` and its gradient.

        Without ``out`` the point is a new float64 array and ``x`` is left untouched.
        With ``out`` (a writable, C-contiguous float64 array of the result's shape,
        usually ``x`` itself) the point is written there and ``out`` is returned.
        """
        x = validate.as_float_array("x", x)
        grad = validate.as_float_array("grad", grad)
        if grad.shape != x.shape:
            raise ValueError(f"grad must have the shape of x {x.shape}, got shape {grad.shape}")
        shapes = self._array_shapes()
        try:
            shape = np.broadcast_shapes(x.shape, *shapes.values())
        except ValueError:
            given = ", ".join(f"{name} has shape {s}" for name, s in shapes.items())
            raise ValueError(f"{given}: must broadcast against x of shape {x.shape}") from None
        if self._shape is not None and shape != self._shape:
            given = "".join(f", {name} of shape {s}" for name, s in shapes.items())
            raise ValueError(
                f"x of shape {x.shape}{given} gives the shape {shape}, but the state has shape "
                f"{self._shape}: call reset() before optimizing a point of another shape"
            )
        out = self._check_out(out, x, grad, shape)
        self._shape = shape  # only now: a refused step leaves the optimizer as it was
        if self.maximize:
            grad = np.negative(grad)
        self._created = set()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.t += 1
            if shapes or x.size < 2 * BLOCK:  # small, or hyperparameters broadcast against x
                self._update(x, grad, out)
            else:
                self._update_blocks(x.reshape(-1), grad.reshape(-1), out.reshape(-1))
        return out

    def _array_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of the hyperparameters that are arrays, e.g. {"lr": (100, 1)}."""
        return {
            name: value.shape
            for name in self._fields
            if isinstance(value := getattr(self, name), np.ndarray)
        }

    def _update_blocks(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        """Update flat arrays block by block, each of ``WORKERS`` threads taking a run of blocks."""
        spans = [slice(start, min(start + BLOCK, x.size)) for start in range(0, x.size, BLOCK)]
        runs = [list(run) for run in np.array_split(np.arange(len(spans)), WORKERS) if run.size]

        def work(worker: int, blocks: list[int]) -> None:
            _here.worker = worker
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # per thread
                    for i in blocks:
                        _here.span = span = spans[i]
                        self._update(x[span], grad[span], out[span])
            finally:
                _here.span = None

        others = _run_in_helper_threads(work, runs) if len(runs) > 1 else []
        try:
            work(0, runs[0])
        finally:
            for other in others:
                other.result()  # wait for every thread; raises what a thread raised

    @staticmethod
    def _check_out(out: Any, x: np.ndarray, grad: np.ndarray, shape: tuple) -> np.ndarray:
        """The array the step writes into: a new one if ``out`` is None, else ``out``, checked."""
        if out is None:
            return np.empty(shape)
        if not (
            isinstance(out, np.ndarray)
            and out.dtype == np.float64
            and out.shape == shape
            and out.flags.c_contiguous
            and out.flags.writeable
        ):
            raise ValueError(
                f"out must be a writable, C-contiguous float64 array of shape {shape}, got "
                + (f"{out.dtype} array of shape {out.shape}" if isinstance(out, np.ndarray)
                   else repr(type(out).__name__))
            )  # fmt: skip
        same_as_x = out.ctypes.data == x.ctypes.data and out.strides == x.strides
        if np.may_share_memory(out, x) and not same_as_x:
            raise ValueError("out must be x itself or not overlap x")
        if np.may_share_memory(out, grad):
            raise ValueError("out must not overlap grad, which is read after out is written")
        return out

    def _update(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        """Write the next point into ``out`` (``x``, ``grad`` and ``out`` may be one block)."""
        raise NotImplementedError

    def _buffer(self, name: str, fill: Hyper = 0.0) -> np.ndarray:
        """The state buffer ``name`` (the current block of it), created on first use."""
        if name not in self.state:
            with _new_state:  # another thread may be creating it for its own block
                if name not in self.state:  # marked first: whoever sees it in state sees the mark
                    self._created.add(name)
                    self.state[name] = np.array(np.broadcast_to(fill, self._shape), dtype=float)
        buf = self.state[name]
        span = getattr(_here, "span", None)
        return buf if span is None else buf.reshape(-1)[span]

    def _tmp(self, i: int) -> np.ndarray:
        """Scratch array number ``i`` (one block per thread when blocking), kept between steps."""
        span = getattr(_here, "span", None)
        key = (i, self._shape, -1) if span is None else (i, (BLOCK,), _here.worker)
        if key not in self._scratch:
            self._scratch[key] = np.empty(key[1])
        tmp = self._scratch[key]
        return tmp if span is None else tmp[: span.stop - span.start]

    def _add_weight_decay(self, x: np.ndarray, grad: np.ndarray, tmp: np.ndarray) -> np.ndarray:
        """g + λx (torch: grad.add(param, alpha=weight_decay)), in ``tmp`` if λ ≠ 0."""
        if not _any_nonzero(self.weight_decay):
            return grad
        np.multiply(x, self.weight_decay, out=tmp)
        tmp += grad
        return tmp

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={_fmt(getattr(self, name))}" for name in self._fields)
        return f"{type(self).__name__}({args}{', maximize=True' if self.maximize else ''})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum, as torch.optim.SGD.

    g ← g + λx;  b ← μb + (1−τ)g (b ← g at the first step);  g ← g + μb (Nesterov)
    or g ← b;  x ← x − ηg,  with η = lr, μ = momentum, τ = dampening, λ = weight_decay.

    Introduced in chapter 1 (plain), chapter 5 (momentum, Nesterov).
    """

    momentum = _checked_property("momentum", _non_negative)
    _fields = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(
        self,
        lr: ArrayLike = 1e-3,
        momentum: ArrayLike = 0,
        dampening: ArrayLike = 0,
        weight_decay: ArrayLike = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(lr, maximize)
        self.momentum = momentum
        self.dampening = _non_negative("dampening", dampening)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        if nesterov and (np.any(np.asarray(self.momentum) <= 0) or _any_nonzero(self.dampening)):
            raise ValueError("nesterov=True needs momentum > 0 and dampening == 0")
        self.nesterov = bool(nesterov)

    def _update(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        tmp = self._tmp(0)
        g = self._add_weight_decay(x, grad, self._tmp(1))
        mu = self.momentum
        if _any_nonzero(mu):
            buf = self._buffer("momentum_buffer")
            if "momentum_buffer" in self._created:  # the first step: b ← g
                buf[...] = g
            else:
                buf *= mu
                if _any_nonzero(self.dampening):
                    np.multiply(g, 1 - self.dampening, out=tmp)
                    buf += tmp
                else:  # g·(1 − 0) is g exactly: one pass over the memory saved
                    buf += g
            if self.nesterov:
                np.multiply(buf, mu, out=tmp)
                tmp += g
                g = tmp
            elif isinstance(mu, np.ndarray) and not np.all(mu != 0):  # runs without momentum
                g = np.where(mu != 0, buf, g)  # step along g itself there, as torch does
            else:
                g = buf
        np.multiply(g, -self.lr, out=tmp)
        np.add(x, tmp, out=out)


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad.

    g ← g + λx;  s ← s + g²  (s starts at initial_accumulator_value);
    x ← x − η/(1 + (t−1)·lr_decay) · g/(√s + ε).

    Chapter 5.
    """

    _fields = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        lr: ArrayLike = 1e-2,
        lr_decay: float = 0,
        weight_decay: ArrayLike = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(lr, maximize)
        self.lr_decay = _non_negative("lr_decay", lr_decay)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.initial_accumulator_value = _non_negative(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = _positive("eps", eps)

    def _update(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        g = self._add_weight_decay(x, grad, self._tmp(2))
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        total = self._buffer("sum", self.initial_accumulator_value)
        tmp, std = self._tmp(0), self._tmp(1)
        np.multiply(g, g, out=tmp)
        total += tmp
        np.sqrt(total, out=std)
        std += self.eps
        np.multiply(g, -clr, out=tmp)
        tmp /= std
        np.add(x, tmp, out=out)


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop.

    g ← g + λx;  v ← αv + (1−α)g²;  centered: m ← αm + (1−α)g and d = √(v − m²) + ε,
    otherwise d = √v + ε;  with momentum μ > 0: b ← μb + g/d, x ← x − ηb;
    without: x ← x − ηg/d.

    Chapter 5.
    """

    momentum = _checked_property("momentum", _non_negative)
    _fields = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        lr: ArrayLike = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: ArrayLike = 0,
        momentum: ArrayLike = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(lr, maximize)
        self.alpha = _keep(alpha, validate.in_range("alpha", alpha, 0.0, 1.0))
        self.eps = _positive("eps", eps)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.momentum = momentum
        self.centered = bool(centered)

    def _update(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        g = self._add_weight_decay(x, grad, self._tmp(2))
        alpha = self.alpha
        tmp, avg = self._tmp(0), self._tmp(1)
        square_avg = self._buffer("square_avg")
        square_avg *= alpha
        np.multiply(g, 1 - alpha, out=tmp)
        tmp *= g
        square_avg += tmp
        if self.centered:
            grad_avg = self._buffer("grad_avg")
            _lerp_(grad_avg, g, 1 - alpha, tmp)
            np.multiply(grad_avg, grad_avg, out=tmp)
            np.subtract(square_avg, tmp, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += self.eps
        if np.any(np.asarray(self.momentum) > 0):
            buf = self._buffer("momentum_buffer")
            buf *= self.momentum
            np.divide(g, avg, out=tmp)
            buf += tmp
            np.multiply(buf, -self.lr, out=tmp)
        else:
            np.multiply(g, -self.lr, out=tmp)
            tmp /= avg
        np.add(x, tmp, out=out)


class Adam(Optimizer):
    """Adam, as torch.optim.Adam.

    g ← g + λx;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  (AMSGrad: v̂ ← max(v̂, v), use v̂)
    x ← x − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).

    Chapter 5.
    """

    betas = _checked_property("betas", _betas)
    _fields = ("lr", "betas", "eps", "weight_decay", "amsgrad")
    _decoupled = False

    def __init__(
        self,
        lr: ArrayLike = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: ArrayLike = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(lr, maximize)
        self.betas = betas
        self.eps = _positive("eps", eps)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)

    def _update(self, x: np.ndarray, grad: np.ndarray, out: np.ndarray) -> None:
        beta1, beta2 = self.betas
        lr = self.lr
        if self._decoupled:
            if _any_nonzero(self.weight_decay):
                x = np.multiply(x, 1 - lr * self.weight_decay, out=out)  # read again below
            g = grad
        else:
            g = self._add_weight_decay(x, grad, self._tmp(2))
        tmp, denom = self._tmp(0), self._tmp(1)
        exp_avg, exp_avg_sq = self._buffer("exp_avg"), self._buffer("exp_avg_sq")
        _lerp_(exp_avg, g, 1 - beta1, tmp)
        exp_avg_sq *= beta2
        np.multiply(g, 1 - beta2, out=tmp)
        tmp *= g
        exp_avg_sq += tmp
        step = float(self.t)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if self.amsgrad:
            max_exp_avg_sq = self._buffer("max_exp_avg_sq")
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq
        np.sqrt(exp_avg_sq, out=denom)
        denom /= bias_correction2_sqrt
        denom += self.eps
        np.multiply(exp_avg, -step_size, out=tmp)
        tmp /= denom
        np.add(x, tmp, out=out)


class AdamW(Adam):
    """AdamW (Adam with decoupled weight decay), as torch.optim.AdamW.

    x ← (1 − ηλ)x;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
    x ← x − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).

    Chapter 5.
    """

    _decoupled = True

    def __init__(
        self,
        lr: ArrayLike = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: ArrayLike = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
