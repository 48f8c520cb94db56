"""Optimizers: each turns a point ``x`` and its gradient into the next point. In numpy, with
torch.optim's names, arguments and defaults::

    opt = Adam(lr=0.1)
    for _ in range(100):
        x = opt.step(x, grad_f(x))  # a new array; x and the gradient are left untouched

``opt.t`` counts the steps, ``opt.state`` holds the buffers (torch's names), ``reset()`` forgets
both. ``lr`` may be an array broadcasting against ``x``: lr of shape (100, 1) and x of shape
(100, 2) are 100 runs. Float64 results agree with torch to about one unit in the last place per
step (the same operations in the same order; torch fuses some multiply-adds, numpy cannot).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from helpers import validate


def check_optimizer(optimizer: Any) -> Optimizer:
    """``optimizer`` if it is one of this module's optimizers; else a ValueError naming it."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be a helpers.optim optimizer, got {optimizer!r}")
    return optimizer


def _check_hyperparameter(name: str, value: Any) -> Any:
    """``value`` checked as hyperparameter ``name``: lr, momentum and the like must be >= 0."""
    if name in ("nesterov", "centered", "amsgrad", "maximize", "decoupled_weight_decay"):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if name == "betas":
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {value!r}")
        return tuple(validate.in_range(f"betas[{i}]", b, 0.0, 1.0) for i, b in enumerate(value))
    if name == "alpha":
        return validate.in_range(name, value, 0.0, 1.0)
    if name == "eps":
        return validate.positive(name, value)
    if name == "ns_coefficients":  # Muon's (a, b, c)
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise ValueError(f"ns_coefficients must be three numbers (a, b, c), got {value!r}")
        return tuple(validate.number(f"ns_coefficients[{i}]", c) for i, c in enumerate(value))
    if name in ("ns_steps", "warmup_steps"):
        return validate.integer(name, value)
    if name == "adjust_lr_fn":
        return validate.one_of(name, value, (None, "original", "match_rms_adamw"))
    if name == "beta2_decay":  # Adafactor's: 1 − β₂ = t^beta2_decay must not grow with t
        return validate.in_range(name, value, -np.inf, 0.0, low_open=True, high_open=False)
    if name == "d":  # Adafactor's clipping threshold
        return validate.in_range(name, value, 1.0, np.inf)
    return validate.non_negative(name, value)


def _lerp(start: Any, end: np.ndarray, weight: float) -> np.ndarray:
    """start + weight·(end − start), rounded as torch.lerp rounds it: from the nearer end
    (weight may be an array, e.g. of momenta: each entry is rounded so)."""
    near_start = start + weight * (end - start)
    return np.where(np.abs(weight) < 0.5, near_start, end - (end - start) * (1 - weight))


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array({value.tolist()})" if value.size <= 4 else f"array(shape={value.shape})"
    return repr(value)


class Optimizer:
    """What the optimizers share: checked hyperparameters, ``t``, ``state``, and ``step``, which
    checks its input and asks ``_update`` for the next point. ``lr`` must be > 0 at construction,
    then >= 0 (a cosine schedule reaches 0); ``base_lr`` is the constructor's. ``initial_lr`` is
    None until a scheduler stores the lr there, as torch does in ``param_group["initial_lr"]``."""

    maximize = False  # for the optimizers that take no maximize (Lion, Muon, AdamWScheduleFree)

    def __init__(self, **hyperparameters: Any) -> None:
        validate.positive("lr", hyperparameters["lr"])
        self.hyperparameters = tuple(hyperparameters)  # their names, in torch's order
        for name, value in hyperparameters.items():
            setattr(self, name, value)
        self.base_lr, self.initial_lr = copy.copy(self.lr), None
        self.reset()

    def __setattr__(self, name: str, value: Any) -> None:
        # A hyperparameter is checked whenever it is set, as by a scheduler: ``opt.lr = 0.1``.
        if name in getattr(self, "hyperparameters", ()):  # () until __init__ has listed them
            checked = self._check(name, value)
            if isinstance(checked, np.ndarray):
                value = checked.copy()  # the optimizer's own: the caller's array may change
            elif type(value) not in (int, float):  # an int or float is kept: repr shows 0, not 0.0
                value = checked  # e.g. np.float64 as float, a list of betas as a tuple
        super().__setattr__(name, value)

    def _check(self, name: str, value: Any) -> Any:
        return _check_hyperparameter(name, value)  # Adafactor checks its lr and eps pair first

    def reset(self) -> None:
        """Forget the step count and every state buffer."""
        self.t, self.state = 0, {}
        self._shape = None  # the shape of x and the state; the next step fixes it

    def state_dict(self) -> dict:
        """A copy of all the next step depends on (as torch's): t, state, hyperparameters."""
        return copy.deepcopy(vars(self))

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by ``state_dict()`` of an optimizer of the same class."""
        if not isinstance(state_dict, dict) or set(state_dict) != set(vars(self)):
            raise ValueError(f"state_dict must come from state_dict() of a {type(self).__name__}")
        for name, value in copy.deepcopy(state_dict).items():
            setattr(self, name, value)

    def step(self, x: Any, grad: Any) -> np.ndarray:
        """The next point, a new float64 array, from ``x`` and its gradient (both left alone)."""
        x, grad = validate.as_float_array("x", x), validate.as_float_array("grad", grad)
        if grad.shape != x.shape:
            raise ValueError(f"grad must have the shape of x {x.shape}, got shape {grad.shape}")
        shapes = self._array_shapes()  # x broadcast against them gives the shape of the state
        given = f"x of shape {x.shape}" + "".join(f", {n} of shape {s}" for n, s in shapes.items())
        try:
            shape = np.broadcast_shapes(x.shape, *shapes.values())
        except ValueError:
            raise ValueError(f"{given}: these must broadcast together") from None
        if self._shape not in (None, shape):
            raise ValueError(f"{given} gives the shape {shape}, but the state has shape "
                             f"{self._shape}: call reset() to optimize another shape")  # fmt: skip
        self._shape = shape  # only now: a refused step changes nothing
        self.t += 1
        g = -grad if self.maximize else grad
        with np.errstate(all="ignore"):  # a diverging run overflows to inf without warnings
            return np.asarray(self._update(np.broadcast_to(x, shape), np.broadcast_to(g, shape)))

    def _array_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shapes of the hyperparameters that are arrays, e.g. {"lr": (100, 1)}."""
        values = {name: getattr(self, name) for name in self.hyperparameters}
        return {name: v.shape for name, v in values.items() if isinstance(v, np.ndarray)}

    def __repr__(self) -> str:
        flags = ("maximize", "decoupled_weight_decay")  # shown only if True
        shown = [n for n in self.hyperparameters if n not in flags or getattr(self, n)]
        args = ", ".join(f"{name}={_show(getattr(self, name))}" for name in shown)
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, as torch.optim.SGD (λ weight_decay, μ momentum, τ dampening):

        g ← g + λx;   b ← μb + (1 − τ)g  (the momentum buffer; b ← g at the first step)
        g ← g + μb if nesterov, else g ← b;   x ← x − lr·g
    Chapter 1 (plain), chapter 5 (momentum, Nesterov)."""

    def __init__(self, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize)  # fmt: skip
        if nesterov and (np.any(np.asarray(self.momentum) <= 0) or np.any(self.dampening)):
            raise ValueError("nesterov=True needs momentum > 0 and dampening == 0")

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        mu, b = self.momentum, self.state.get("momentum_buffer")  # b: None before the first step
        if np.any(self.weight_decay):
            g = g + self.weight_decay * x
        if np.any(mu):
            b = g.copy() if b is None else mu * b + (1 - self.dampening) * g
            self.state["momentum_buffer"] = b
            if self.nesterov:
                g = g + mu * b
            else:
                g = np.where(mu != 0, b, g)  # b, but g in the runs whose μ is 0 (an array μ)
        return x - self.lr * g


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad, with s the sum of the squared gradients:

        g ← g + λx;   s ← s + g²  (s starts at initial_accumulator_value)
        x ← x − lr_t·g/(√s + ε),  where lr_t = lr/(1 + (t − 1)·lr_decay)
    Chapter 5."""

    def __init__(self, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         maximize=maximize)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        s = self.state.get("sum", self.initial_accumulator_value)
        if np.any(self.weight_decay):
            g = g + self.weight_decay * x
        s = self.state["sum"] = s + g * g
        lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)
        return x - lr_t * g / (np.sqrt(s) + self.eps)


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop; v averages g², m averages g, b is the momentum buffer:

        g ← g + λx;   v ← αv + (1 − α)g²;   d = √v + ε,  or if centered:
        m ← αm + (1 − α)g and d = √(v − m²) + ε
        x ← x − lr·g/d,  or with momentum μ:  b ← μb + g/d and x ← x − lr·b
    Chapter 5."""

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 *, maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered, maximize=maximize)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        alpha, mu, state = self.alpha, self.momentum, self.state
        v = state.get("square_avg", 0.0)  # each buffer is 0 before the first step
        m = state.get("grad_avg", 0.0)
        b = state.get("momentum_buffer", 0.0)
        if np.any(self.weight_decay):
            g = g + self.weight_decay * x
        v = state["square_avg"] = alpha * v + (1 - alpha) * g * g
        if self.centered:
            m = state["grad_avg"] = _lerp(m, g, 1 - alpha)  # αm + (1 − α)g, rounded as torch
        d = np.sqrt(v - m * m) + self.eps  # m stays 0 unless centered
        if np.any(mu):
            b = state["momentum_buffer"] = mu * b + g / d
            return x - self.lr * b
        return x - self.lr * g / d


class Adam(Optimizer):
    """Adam, as torch.optim.Adam (AdamW if ``decoupled_weight_decay=True``):

        g ← g + λx  (decoupled: x ← (1 − lr·λ)x instead)
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²  (amsgrad: v_max ← max(v_max, v), used as v)
        m_hat = m/(1 − β₁ᵗ);   v_hat = v/(1 − β₂ᵗ);   x ← x − lr·m_hat/(√v_hat + ε)
    Chapter 5."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False) -> None:  # fmt: skip
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize,
                         decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        beta1, beta2 = self.betas
        m = self.state.get("exp_avg", 0.0)  # the buffers m and v are 0 before the first step
        v = self.state.get("exp_avg_sq", 0.0)
        if self.decoupled_weight_decay:
            x = (1 - self.lr * self.weight_decay) * x
        elif np.any(self.weight_decay):
            g = g + self.weight_decay * x
        m = self.state["exp_avg"] = _lerp(m, g, 1 - beta1)  # β₁m + (1 − β₁)g, rounded as torch
        v = self.state["exp_avg_sq"] = beta2 * v + (1 - beta2) * g * g
        if self.amsgrad:  # the largest v so far is used as v
            v = self.state["max_exp_avg_sq"] = np.maximum(self.state.get("max_exp_avg_sq", 0.0), v)
        step_size = self.lr / (1 - beta1**self.t)  # lr·m_hat = step_size·m,  m_hat = m/(1 − β₁ᵗ)
        sqrt_v_hat = np.sqrt(v) / (1 - beta2**self.t) ** 0.5  # √v_hat,  v_hat = v/(1 − β₂ᵗ)
        return x - step_size * m / (sqrt_v_hat + self.eps)  # x − lr·m_hat/(√v_hat + ε)


class AdamW(Adam):
    """AdamW, as torch.optim.AdamW: Adam with decoupled weight decay, x ← (1 − lr·λ)x. Chapter 5."""

    decoupled_weight_decay = True

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 *, maximize=False) -> None:  # fmt: skip
        Optimizer.__init__(self, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                           amsgrad=amsgrad, maximize=maximize)  # fmt: skip


class NAdam(Optimizer):
    """NAdam, as torch.optim.NAdam: Adam's weight decay, m and v, and a Nesterov step with them:

        μ_t = β₁(1 − ½·0.96^(tψ))  (ψ momentum_decay);   Π_t = μ₁μ₂⋯μ_t  (mu_product)
        d = √(v/(1 − β₂ᵗ)) + ε;   x ← x − lr·(1 − μ_t)/(1 − Π_t)·g/d − lr·μₜ₊₁/(1 − Π_t·μₜ₊₁)·m/d
    Chapter 8."""

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         momentum_decay=momentum_decay, maximize=maximize,
                         decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        (beta1, beta2), t, psi, state = self.betas, self.t, self.momentum_decay, self.state
        if self.decoupled_weight_decay:
            x = (1 - self.lr * self.weight_decay) * x
        elif np.any(self.weight_decay):
            g = g + self.weight_decay * x
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))  # μ_t
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))  # μ_{t+1}
        mu_product = state["mu_product"] = state.get("mu_product", 1.0) * mu  # Π_t (Π_0 = 1)
        m = state["exp_avg"] = _lerp(state.get("exp_avg", 0.0), g, 1 - beta1)  # as in Adam
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        d = np.sqrt(v / (1 - beta2**t)) + self.eps
        x = x - self.lr * (1 - mu) / (1 - mu_product) * g / d
        return x - self.lr * mu_next / (1 - mu_product * mu_next) * m / d


class RAdam(Optimizer):
    """RAdam, as torch.optim.RAdam: Adam's weight decay, m and v, and a step rectified by r_t:

        m_hat = m/(1 − β₁ᵗ);   ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
        r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞/((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
        x ← x − lr·m_hat  if ρ_t ≤ 5,  else  x ← x − lr·m_hat·√(1 − β₂ᵗ)/(√v + ε)·r_t
    Chapter 8."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay,
                         maximize=maximize)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        (beta1, beta2), t, state = self.betas, self.t, self.state
        if self.decoupled_weight_decay:
            x = (1 - self.lr * self.weight_decay) * x
        elif np.any(self.weight_decay):
            g = g + self.weight_decay * x
        m = state["exp_avg"] = _lerp(state.get("exp_avg", 0.0), g, 1 - beta1)  # as in Adam
        v = state["exp_avg_sq"] = beta2 * state.get("exp_avg_sq", 0.0) + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t <= 5:
            return x - m_hat * self.lr
        r_t = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        return x - m_hat * self.lr * ((1 - beta2**t) ** 0.5 / (np.sqrt(v) + self.eps)) * r_t


class Adafactor(Optimizer):
    """Adafactor, as torch.optim.Adafactor (τ beta2_decay, eps = (ε₁, or None for 2.2e-16, ε₂)):
    steps relative to RMS(x) = ‖x‖/√n, and for a matrix only the row and column means of g²:

        ρ = min(lr, 1/√t);   α = max(ε₂, RMS(x))·ρ;   x ← (1 − lr·λ)x;   β̂₂ = 1 − t^τ
        matrix: R ← β̂₂R + (1 − β̂₂)·(g² averaged along each row), C the same along each column,
                v = R·C/max(mean(R), ε₁) (an outer product);   vector: v ← β̂₂v + (1 − β̂₂)g²
        u = g/√max(v, ε₁²);   x ← x − α·u/max(1, RMS(u)/d)  (d, the clipping threshold)
    2-D x: one weight matrix (R is row_var, C col_var); 1-D: one vector (variance); 3-D and more:
    stacked matrices, as in torch. Never a batch of runs: all of x is one parameter. Chapter 8."""

    def __init__(self, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 maximize=False) -> None:  # fmt: skip
        super().__init__(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                         maximize=maximize)  # fmt: skip

    def _check(self, name: str, value: Any) -> Any:  # eps a pair, every other one a number
        if name == "eps" and isinstance(value, (tuple, list)) and len(value) == 2:
            eps1 = None if value[0] is None else validate.positive_number("eps[0]", value[0])
            return eps1, validate.positive_number("eps[1]", value[1])
        if name == "eps" or np.ndim(value) != 0:  # x is one run, never a batch of them
            kind = "a pair (eps1, eps2)" if name == "eps" else "a single number"
            raise ValueError(f"{name} must be {kind} for Adafactor, got {_show(value)}")
        return _check_hyperparameter(name, value)

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        eps1, state, g2 = self.eps[0] or np.finfo(float).eps, self.state, g * g  # ε₁; g²
        w, rho = self.t**self.beta2_decay, min(self.lr, 1 / self.t**0.5)  # 1 − β̂₂ and ρ
        alpha = max(self.eps[1], np.linalg.norm(x) / x.size**0.5) * rho  # before weight decay
        x = (1 - self.lr * self.weight_decay) * x  # x itself when λ = 0
        if x.ndim > 1:  # _lerp(a, b, w) = a + w·(b − a), rounded as torch.lerp
            R = state["row_var"] = _lerp(state.get("row_var", 0.0), g2.mean(-1, keepdims=True), w)
            C = state["col_var"] = _lerp(state.get("col_var", 0.0), g2.mean(-2, keepdims=True), w)
            v = R @ C / np.maximum(R.mean(-2, keepdims=True), eps1)
        else:
            v = state["variance"] = _lerp(state.get("variance", 0.0), g2, w)
        u = g / np.sqrt(np.maximum(v, eps1 * eps1))
        return x - alpha / max(1.0, np.linalg.norm(u) / (u.size**0.5 * self.d)) * u


class Lion(Optimizer):
    """Lion ("evolved sign momentum"), as lion_pytorch.Lion; m is the momentum buffer (0 at first):

        c = β₁m + (1 − β₁)g;   x ← (1 − lr·λ)x − lr·sign(c);   m ← β₂m + (1 − β₂)g
    Each coordinate moves by exactly lr (or 0): only the sign of c counts. With
    ``decoupled_weight_decay=True``, λ/base_lr is used for λ. Chapter 8."""

    def __init__(self, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, *,
                 decoupled_weight_decay=False) -> None:  # fmt: skip
        super().__init__(lr=lr, betas=betas, weight_decay=weight_decay,
                         decoupled_weight_decay=decoupled_weight_decay)  # fmt: skip

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        (beta1, beta2), m = self.betas, self.state.get("exp_avg", 0.0)
        wd = self.weight_decay / self.base_lr if self.decoupled_weight_decay else self.weight_decay
        c = beta1 * m + (1 - beta1) * g
        self.state["exp_avg"] = beta2 * m + (1 - beta2) * g
        return (1 - self.lr * wd) * x - self.lr * np.sign(c)


def newton_schulz(G, steps=5, ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7) -> np.ndarray:
    """G orthogonalised, about U·Vᵀ where G = U·S·Vᵀ (its SVD), by the quintic Newton–Schulz
    iteration of torch.optim.Muon (in float64 here; torch computes it in bfloat16):

        X = G/max(‖G‖_F, ε)  (all singular values ≤ 1; Gᵀ if G is tall, so that A is the smaller)
        ``steps`` times:  A = X·Xᵀ;   X ← aX + (bA + cA²)·X  (singular values s ↦ as + bs³ + cs⁵)
    These (a, b, c) raise small singular values fast but never converge: after 5 steps those that
    were ≥ ‖G‖_F/100 lie in [0.68, 1.14], not at 1. G may be a stack of matrices. Chapter 8."""
    G = validate.as_float_array("G", G)
    if G.ndim < 2:
        raise ValueError(f"G must be a matrix (or a stack of them), got shape {G.shape}")
    a, b, c = _check_hyperparameter("ns_coefficients", ns_coefficients)
    steps, eps = validate.integer("steps", steps), validate.positive("eps", eps)
    tall = G.shape[-2] > G.shape[-1]
    X = G.swapaxes(-2, -1) if tall else G
    X = X / np.maximum(np.linalg.norm(X, axis=(-2, -1), keepdims=True), eps)
    for _ in range(steps):
        A = X @ X.swapaxes(-2, -1)
        X = a * X + (b * A + c * (A @ A)) @ X
    return X.swapaxes(-2, -1) if tall else X


class Muon(Optimizer):
    """Muon, as torch.optim.Muon, for a matrix x (m × n); b is the momentum buffer (0 at first):

        b ← μb + (1 − μ)g;   u = g + μ(b − g) if nesterov, else u = b;   O = newton_schulz(u)
        x ← (1 − lr·λ)x − lr_adj·O,  lr_adj = lr·√max(1, m/n)  (adjust_lr_fn None or "original")
                                       or lr·0.2·√max(m, n)  ("match_rms_adamw")
    O has the directions of u with every singular value about 1: each direction gets a step of
    about the same size, however small its gradient. Chapter 8."""

    def __init__(self, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None) -> None:  # fmt: skip
        super().__init__(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                         ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                         adjust_lr_fn=adjust_lr_fn)  # fmt: skip

    def step(self, x: Any, grad: Any) -> np.ndarray:
        shapes = [np.shape(x), *self._array_shapes().values()]  # x, and an array lr or momentum
        if np.ndim(x) != 2 or max(map(len, shapes)) > 2:  # as torch, which refuses them too
            raise ValueError(f"x must be 2-D for Muon (an array lr, momentum at most): {shapes}")
        return super().step(x, grad)

    def _update(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        mu, (m, n), state = self.momentum, x.shape[-2:], self.state
        b = state["momentum_buffer"] = _lerp(state.get("momentum_buffer", 0.0), g, 1 - mu)
        u = _lerp(g, b, mu) if self.nesterov else b  # g + μ(b − g)
        O = newton_schulz(u, self.ns_steps, self.ns_coefficients, self.eps)
        rms = self.adjust_lr_fn == "match_rms_adamw"  # else None or "original"
        lr_adj = self.lr * (0.2 * np.sqrt(max(m, n)) if rms else np.sqrt(max(1, m / n)))
        return (1 - self.lr * self.weight_decay) * x - lr_adj * O


class AdamWScheduleFree(Optimizer):
    """Schedule-free AdamW, as schedulefree.AdamWScheduleFree: it averages its iterates instead of
    decaying the lr. z takes AdamW-like steps, x averages the z's, and the gradient is taken at y,
    between them: ``y = opt.step(y, grad_f(y))`` returns the next y (at the start y = z = x), and
    ``opt.eval_point()`` returns x, the point to evaluate (the package's ``optimizer.eval()``):

        lr_t = lr·min(1, t/warmup_steps);   v ← β₂v + (1 − β₂)g²;   d = g/(√(v/(1 − β₂ᵗ)) + ε) + λy
        c = w_t/(w₁ + … + w_t),  w_t = tʳ·(the largest lr_t so far)^weight_lr_power
        z ← z − lr_t·d;   x ← (1 − c)x + c·z;   y ← (1 − β₁)z + β₁x
    x is not stored, as in the package: y ← y + c(z − y) + lr_t(β₁(1 − c) − 1)·d, with z before
    its step, is the same y, and x = y + (1 − 1/β₁)(z − y). Chapter 8."""

    def __init__(self, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, warmup_steps=0,
                 r=0.0, weight_lr_power=2.0) -> None:  # fmt: skip
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         warmup_steps=warmup_steps, r=r,
                         weight_lr_power=weight_lr_power)  # fmt: skip

    def _update(self, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        (beta1, beta2), state = self.betas, self.state
        z, v = state.get("z", y), state.get("exp_avg_sq", 0.0)
        lr = self.lr * (self.t / self.warmup_steps if self.t <= self.warmup_steps else 1.0)
        lr_max = state["lr_max"] = np.maximum(lr, state.get("lr_max", -1.0))
        weight = self.t**self.r * lr_max**self.weight_lr_power  # w_t
        weight_sum = state["weight_sum"] = state.get("weight_sum", 0.0) + weight
        ckp1 = np.where(weight_sum != 0, weight / weight_sum, 0.0)  # c; 0 while every w is 0
        v = state["exp_avg_sq"] = beta2 * v + (1 - beta2) * g * g
        d = g / (np.sqrt(v / (1 - beta2**self.t)) + self.eps)
        if np.any(self.weight_decay):
            d = d + self.weight_decay * y
        y = _lerp(y, z, ckp1) + lr * (beta1 * (1 - ckp1) - 1) * d
        state["z"], state["y"] = z - lr * d, y.copy()  # y kept for eval_point
        return y

    def eval_point(self) -> np.ndarray:
        """x = y + (1 − 1/β₁)(z − y), the averaged point, from the last y that step returned."""
        if "y" not in self.state:
            raise ValueError("eval_point() needs a step first (before it, x is the start)")
        beta1 = validate.in_range("betas[0]", self.betas[0], 0.0, 1.0, low_open=True)
        with np.errstate(all="ignore"):  # a diverged run: inf − inf is NaN, without warnings
            return _lerp(self.state["y"], self.state["z"], 1 - 1 / beta1)
