"""Checks for the exercises of chapter 5: momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW."""

from __future__ import annotations

import numpy as np

from helpers.book.exercises import (
    ROUNDED,
    Feedback,
    agrees,
    as_number,
    checker,
    close,
    correct,
    hint,
    rounded,
)
from helpers.descent import descend
from helpers.optim import SGD, Adam
from helpers.problems import Quadratic, ill_conditioned
from helpers.theory import gd_rate, heavy_ball

# Exercise 1: a quadratic with curvatures 0.5 and 2 (and a turn, so both coordinates mix).
_BOWL = Quadratic(np.array([[1.5, 0.5], [0.5, 1.0]]), minimiser=np.array([1.0, -2.0]))
_X0 = np.array([4.0, 3.0])
_LR, _BETA, _STEPS = 0.3, 0.7, 15


def _follow(step, lr=_LR, beta=_BETA, steps=_STEPS):
    """The points (and velocities) a step function ``step(x, v, grad, lr, beta)`` visits."""
    x, v = _X0.copy(), np.zeros(2)
    xs, vs = [x], [v]
    for _ in range(steps):
        # Copies in and out: a step that updates x or v in place is fine.
        out = step(x.copy(), v.copy(), _BOWL.grad(x), lr, beta)
        if out is None:
            return None, None
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("the function must return a pair (x, v)")
        x, v = (np.array(a, dtype=float) for a in out)
        if x.shape != (2,) or v.shape != (2,):
            raise TypeError(f"x and v must be arrays of shape (2,), got {x.shape} and {v.shape}")
        xs.append(x)
        vs.append(v)
    return np.array(xs), np.array(vs)


def _averaged(x, v, g, lr, beta):
    """A typical slip: v as an average of gradients, with the factor (1 − β)."""
    v = beta * v - (1 - beta) * lr * g
    return x + v, v


def _same(a, b) -> bool:
    return a is not None and np.allclose(a, b, rtol=1e-10, atol=1e-10)


@checker
def check_heavy_ball(heavy_ball_step) -> Feedback:
    """Exercise 1: heavy_ball_step(x, v, grad, lr, beta) -> (x, v), Polyak's momentum."""
    if not callable(heavy_ball_step):
        return hint("Pass your function itself: check_heavy_ball(heavy_ball_step), no brackets.")
    xs, vs = _follow(heavy_ball_step)
    if xs is None:
        return hint("Your function returned None: end it with return x, v.")
    want = descend(_BOWL, SGD(lr=_LR, momentum=_BETA), _X0, steps=_STEPS).points
    if _same(xs, want):
        if np.allclose(vs[1:], np.diff(xs, axis=0), rtol=1e-10, atol=1e-10):
            return correct("v ← βv − lr·g, then x ← x + v: the path of SGD(momentum=β).")
        return correct(
            "Your points follow SGD(momentum=β). (Your v is PyTorch's buffer b = −v/lr "
            "rather than Polyak's velocity; both forms trace the same path.)"
        )

    def wrong(update):
        return _follow(update)[0]

    if _same(xs, wrong(lambda x, v, g, lr, b: (x + (b * v + lr * g), b * v + lr * g))):
        return hint("Your steps go uphill: the velocity should collect −lr·grad, not +lr·grad.")
    if _same(xs, wrong(lambda x, v, g, lr, b: (x + v, b * v - lr * g))):
        return hint("You move x with the old velocity. Update v first, then x ← x + (new v).")
    if _same(xs, wrong(lambda x, v, g, lr, b: (x + (b * v - g), b * v - g))):
        return hint("The learning rate is missing: the velocity collects −lr·grad.")
    if _same(xs, wrong(_averaged)):
        return hint(
            "Heavy ball has no factor (1 − β) on the gradient: that makes v an average "
            "(Adam's m), which moves 1/(1 − β) times more slowly."
        )
    nesterov = SGD(lr=_LR, momentum=_BETA, nesterov=True)
    if _same(xs, descend(_BOWL, nesterov, _X0, steps=_STEPS).points):
        return hint(
            "That is Nesterov's update (SGD(nesterov=True)): your x gets an extra look-ahead "
            "term, βv − lr·grad or −lr·(grad + βb). The heavy ball moves by the new velocity "
            "alone: x ← x + v."
        )
    if _same(xs, descend(_BOWL, SGD(lr=_LR), _X0, steps=_STEPS).points):
        return hint("Those are plain descent steps: the old velocity, times β, must carry over.")
    return hint("Two lines: v = beta * v - lr * grad, then x = x + v; return x, v.")


def _adam_by_hand(grads=(4.0, 1.0), lr=0.1, x=1.0, correct_m=True, correct_v=True, root=True):
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = v = 0.0
    for k, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**k) if correct_m else m
        v_hat = v / (1 - b2**k) if correct_v else v
        x = x - lr * m_hat / ((np.sqrt(v_hat) if root else v_hat) + eps)
    return x


@checker
def check_adam_by_hand(x2) -> Feedback:
    """Exercise 2: x₂ of Adam(lr=0.1) from x₀ = 1 with gradients g₁ = 4, g₂ = 1."""
    value = as_number(x2)
    if value is None:
        return hint("x2 should be a single number.")
    opt, x = Adam(lr=0.1), np.array(1.0)
    for g in (4.0, 1.0):
        x = opt.step(x, g)
    if agrees(value, float(x)):
        return correct(f"x₂ = {float(x):.6f}: the second step is shorter than lr.")
    if agrees(value, _adam_by_hand(grads=(4.0,))):
        return hint("That is x₁, after one step. Take the second step with g₂ = 1.")
    if agrees(value, 1 - 0.1 * 4 - 0.1 * 1):
        return hint("That is plain SGD. Adam divides the average gradient by √v̂.")
    if agrees(value, 0.8):
        return hint(
            "Both steps of size lr? The first is, but at step 2 v̂ still remembers g₁ = 4, "
            "so the second step is shorter. Work out m̂₂ and v̂₂."
        )
    if agrees(value, _adam_by_hand(correct_m=False, correct_v=False)):
        return hint("You left out the bias correction: divide m by 1 − β₁ᵏ and v by 1 − β₂ᵏ.")
    if agrees(value, _adam_by_hand(correct_m=False)):
        return hint("v is corrected but m is not: divide m by 1 − β₁ᵏ as well.")
    if agrees(value, _adam_by_hand(correct_v=False)):
        return hint("m is corrected but v is not: divide v by 1 − β₂ᵏ as well.")
    if agrees(value, _adam_by_hand(root=False)):
        return hint("Divide by the square root of v̂, not by v̂ itself.")
    if rounded(value, float(x)):
        return hint(ROUNDED)
    return hint(
        "Step k: m = 0.9·m + 0.1·g, v = 0.999·v + 0.001·g², "
        "x ← x − lr·(m/(1 − 0.9ᵏ)) / √(v/(1 − 0.999ᵏ))."
    )


_KAPPA = 400
_VALLEY = ill_conditioned(_KAPPA)


def momentum_rate(lr: float, momentum: float) -> float:
    """Contraction per step of SGD(lr, momentum) on ill_conditioned(400); above 1 it diverges.

    Along an eigenvector with curvature λ the heavy ball follows
    e_{k+1} = (1 + β − lr·λ)·e_k − β·e_{k−1}, so the rate is the largest modulus
    of the roots of z² − (1 + β − lr·λ)·z + β over the eigenvalues λ.
    """
    return max(
        float(np.abs(np.roots([1.0, -(1 + momentum - lr * lam), momentum])).max())
        for lam in _VALLEY.eigenvalues
    )


@checker
def check_momentum_choice(lr, momentum) -> Feedback:
    """Exercise 3: lr and momentum for SGD on ill_conditioned(400) that contract fastest."""
    lr_value, beta = as_number(lr), as_number(momentum)
    if lr_value is None or beta is None:
        return hint("lr and momentum should each be a single number.")
    if lr_value <= 0:
        return hint("The learning rate must be positive.")
    if not 0 <= beta < 1:
        return hint("The momentum must be in [0, 1): β ≥ 1 keeps all the speed forever.")
    L, mu = _VALLEY.L, _VALLEY.mu
    best_lr, _, best = heavy_ball(L, mu)  # the best lr, and the rate it buys with β = best²
    rate = momentum_rate(lr_value, beta)
    # Pass within 10 % of the best speed (the steps needed grow like 1/(1 − rate)):
    # that lets through 3-figure answers that round lr down, such as (3.62, 0.819).
    fast = 1 - rate >= 0.9 * (1 - best)
    # And pass (lr*, β*) correct to 4 significant digits, the book's rule, even where the
    # last digit of lr rounds up past lr* and costs more than 10 %, as (3.6285, 0.8186) does.
    if fast or (agrees(lr_value, best_lr) and agrees(beta, best**2)):
        steep = ""
        if not fast:
            steep = (
                " Rounding lr up past lr* costs a lot, since the rate worsens steeply there: "
                "round lr down to keep the best rate."
            )
        return correct(
            f"Your pair contracts by {rate:.4f} per step; the best possible is "
            f"(√κ − 1)/(√κ + 1) = {best:.4f}.{steep}"
        )
    if rate > 1 + 1e-12:
        return hint(
            f"Your pair diverges (rate {rate:.4f} per step): with momentum β the heavy ball is "
            f"stable only for lr < 2(1 + β)/L = {2 * (1 + beta) / L:.4g}."
        )
    if close(beta, best, rel=1e-3):
        return hint(
            f"β = {best:.4f} is the rate (√κ − 1)/(√κ + 1), not the momentum: "
            "the best momentum is its square."
        )
    if beta == 0:
        return hint(
            f"With no momentum this is plain descent: your rate is {rate:.4f} per step; "
            f"plain descent's best is (κ − 1)/(κ + 1) = {gd_rate(2 / (mu + L), L, mu):.4f}. "
            f"Momentum can reach {best:.4f}."
        )
    if best_lr < lr_value <= 1.01 * best_lr and close(beta, best**2, rel=2e-3):
        return hint(
            f"Your lr is just above lr* = 4/(√L + √μ)², where the rate worsens steeply "
            f"(yours is {rate:.4f}, the best {best:.4f}). Give lr* to four significant digits, "
            "or round it down."
        )
    if close(beta, best**2, rel=1e-3):
        return hint(
            f"The momentum is right; the learning rate is not (rate {rate:.4f}). "
            "Use lr* = 4/(√L + √μ)² with L = 1, μ = 1/κ."
        )
    return hint(
        f"Your pair contracts by {rate:.4f} per step; the best is {best:.4f}. "
        "Use β* = ((√κ − 1)/(√κ + 1))² and lr* = 4/(√L + √μ)²."
    )


@checker
def check_step_sizes(sgd_step, adam_step) -> Feedback:
    """Exercise 4: first step sizes of SGD and Adam (lr = 0.001) on 1000(x − 3)² from 0."""
    sgd, adam = as_number(sgd_step), as_number(adam_step)
    if sgd is None or adam is None:
        return hint("Give two numbers: the size of SGD's first step and of Adam's.")
    if sgd < 0 or adam < 0:
        return hint("A step size is a length |x₁ − x₀|: it cannot be negative.")
    grad0 = 2000 * (0 - 3)
    want_sgd = abs(0.001 * grad0)
    want_adam = abs(float(Adam(lr=0.001).step(np.array(0.0), grad0)))
    sgd_ok, adam_ok = agrees(sgd, want_sgd), agrees(adam, want_adam)
    if sgd_ok and adam_ok:
        return correct(
            "SGD steps lr·|f'(0)| = 6, Adam steps lr = 0.001: Adam's first step is lr·sign(g)."
        )
    if not sgd_ok:
        if agrees(sgd, 0.001 * 1000 * 3):
            return hint("The derivative of 1000(x − 3)² is 2000(x − 3): the factor 2 is missing.")
        if agrees(sgd, abs(grad0)):
            return hint("SGD's step is lr times the gradient: multiply by lr = 0.001.")
        return hint("SGD's step is lr·|f'(x₀)| with f'(x) = 2000(x − 3).")
    if agrees(adam, want_sgd):
        return hint("SGD's answer is right, but Adam divides by √v̂: its step does not grow with g.")
    if agrees(adam, 0.001 * 0.1 / np.sqrt(0.001)):
        return hint("That is Adam without bias correction. With it, m̂₁ = g₁ and v̂₁ = g₁².")
    return hint("Adam's first step is lr·m̂₁/√v̂₁ with m̂₁ = g₁ and v̂₁ = g₁²: what size is that?")
