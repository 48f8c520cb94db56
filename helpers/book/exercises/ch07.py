"""Checks for the exercises of chapter 7, a neural network from scratch."""

from __future__ import annotations

import copy
import functools
import math

import numpy as np

from helpers.book.exercises import (
    ROUNDED,
    Feedback,
    agrees,
    as_number,
    checker,
    correct,
    hint,
    rounded,
)
from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.gradients import relative_error
from helpers.network import MLP
from helpers.optim import Optimizer

# Exercise 1: the logits and the label.
LOGITS = np.array([1002.0, 1000.0, 995.0])
LABEL = 1

# Exercise 4: the chapter's network, splits and batch size, and the budget.
TARGET, EPOCHS, BATCH, HIDDEN, SEED = 0.95, 5, 64, 32, 0
CHANCE = 0.2  # below 20 % validation accuracy (guessing gives 10 %) it has learnt ~nothing


def _logsumexp(z: np.ndarray) -> float:
    m = float(z.max())
    return m + math.log(float(np.exp(z - m).sum()))


@checker
def check_cross_entropy(loss) -> Feedback:
    """Exercise 1: the cross-entropy of the logits (1002, 1000, 995) for the label 1."""
    if isinstance(loss, (float, np.floating)) and not math.isfinite(loss):
        return hint(
            "Your loss is not a finite number: exp(1002) overflows to inf. Subtract the "
            "largest logit from all of them first; it cancels above and below the fraction."
        )
    value = as_number(loss)
    if value is None:
        return hint("loss should be a single number.")
    lse = _logsumexp(LOGITS)
    want = lse - LOGITS[LABEL]
    if agrees(value, want):  # 4 significant digits: pencil, float32 and float64 all pass
        return correct(
            f"log Σ exp(z) − z₁ = {lse:.4f} − {LOGITS[LABEL]:g} = {want:.4f}: the model gives "
            f"the right class a probability of only {math.exp(-want):.3f}."
        )
    if agrees(value, -want):
        return hint("The sign is off: cross-entropy is −log p, a positive number.")
    if agrees(value, math.exp(-want)):
        return hint("That is the probability p₁; the loss is −log p₁.")
    if agrees(value, want / math.log(10)):
        return hint("That is log base 10; cross-entropy uses the natural log (np.log).")
    for j in range(len(LOGITS)):
        if j != LABEL and agrees(value, lse - LOGITS[j]):
            return hint(f"That is the loss for label {j}; the label is {LABEL} (counting from 0).")
    if agrees(value, -LOGITS[LABEL]) or agrees(value, LOGITS[LABEL]):
        return hint("The loss is not the logit itself: it is log Σⱼ exp(zⱼ) − z_y.")
    if rounded(value, want):
        return hint(ROUNDED)
    return hint(
        "Compute m = z.max(), then log Σ exp(z − m) + m − z[1]. It is a number between 0 and 10."
    )


def _small_problem() -> tuple[MLP, dict, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((10, 6))
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 1, 2])
    net = MLP(X, y, hidden=5, activation="relu")
    x = net.init_params(rng)
    x[net.size - 4 :] = rng.standard_normal(4) * 0.3  # some non-zero biases, so mistakes show
    return net, net.unpack(x), X, y


@checker
def check_backward(backward) -> Feedback:
    """Exercise 2: a backward(p, X, y) returning the gradient of each weight matrix."""
    if not callable(backward):
        return hint("Pass your function itself: check_backward(backward), without calling it.")
    net, p, X, y = _small_problem()
    got = backward({k: v.copy() for k, v in p.items()}, X.copy(), y.copy())
    if got is None:
        return hint("Your function returned None: end it with return and the dictionary.")
    if not isinstance(got, dict) or set(got) != set(net.shapes):
        return hint(f"Return a dictionary with the keys {sorted(net.shapes)}.")
    want = net.unpack(net.grad(net.pack(**p)))
    for name, shape in net.shapes.items():
        if np.shape(got[name]) != shape:
            return hint(
                f"The gradient of {name} must have the shape of {name}, {shape}, "
                f"got {np.shape(got[name])}."
            )
    errors = {name: relative_error(got[name], want[name]) for name in net.shapes}
    tol = 1e-7  # chapter 2: a relative error near 1e-8 passes (float32 gives that)
    if max(errors.values()) < tol:
        return correct("Every part agrees with the reference gradient: the check passes.")
    n = len(y)
    if all(np.allclose(got[k], n * want[k], rtol=tol, atol=0) for k in net.shapes):
        return hint(
            "The gradient check fails by the same factor in all four parts: the mistake is "
            "in a line that every part depends on. What does the loss average over?"
        )
    if all(np.allclose(got[k], -want[k], rtol=tol, atol=0) for k in net.shapes):
        return hint("Every gradient has the wrong sign: ∂loss/∂Z₂ is P − Y, not Y − P.")
    if all(np.allclose(got[k], want[k] / n, rtol=tol, atol=0) for k in net.shapes):
        return hint("Now the gradient is n times too small: divide by n once, not twice.")
    shown = ", ".join(f"{k} {e:.1e}" for k, e in errors.items())
    wrong = sorted(k for k, e in errors.items() if e >= tol)
    if wrong == ["b1"]:
        return hint(f"Only b1 is wrong (relative errors {shown}): sum ∂Z₁ over the rows (axis 0).")
    if wrong == ["W1"]:
        return hint(f"Only W1 is wrong (relative errors {shown}): its gradient is Xᵀ·∂Z₁.")
    if wrong == ["W1", "b1"]:
        return hint(
            f"W2 and b2 are right but not W1 and b1 (relative errors {shown}): "
            "check ∂H and the ReLU mask."
        )
    return hint(
        f"The gradient check fails for {', '.join(wrong)} (relative errors {shown}). "
        "Compare each line with the backward pass of the chapter."
    )


@checker
def check_relu_backward(relu_backward) -> Feedback:
    """Exercise 3: relu_backward(grad_out, z) = grad_out · [z > 0]."""
    if not callable(relu_backward):
        return hint("Pass your function itself: check_relu_backward(relu_backward).")
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 5))
    z[0, :3] = 0.0  # the kink: torch, and the chapter, pass no gradient at exactly 0
    grad_out = rng.standard_normal((6, 5))
    got = relu_backward(grad_out.copy(), z.copy())
    if got is None:
        return hint("Your function returned None: end it with return.")
    got = np.asarray(got, dtype=float)
    if got.shape != z.shape:
        return hint(f"The result must have the shape of z, {z.shape}, got {got.shape}.")
    want = grad_out * (z > 0)
    if np.allclose(got, want, rtol=1e-6, atol=0):  # float32 results are right too
        return correct(
            "grad_out · [z > 0]: the gradient passes where the unit was on, "
            "and stops where it was off."
        )
    if np.allclose(got, grad_out * (z >= 0)):
        return hint("Almost: at exactly z = 0 the chapter (and torch) use slope 0, so use z > 0.")
    if np.allclose(got, grad_out * np.maximum(z, 0)):
        return hint("Multiply by the slope of ReLU (0 or 1), not by ReLU's value max(0, z).")
    if np.allclose(got, (z > 0).astype(float)):
        return hint("That is the slope alone: multiply it by grad_out (the chain rule).")
    if np.allclose(got, grad_out):
        return hint(
            "The gradient passes through unchanged: where z < 0 ReLU is flat, so it "
            "must become 0 there."
        )
    if np.allclose(got, grad_out * (z < 0)):
        return hint("The mask is reversed: the gradient passes where z > 0.")
    return hint(
        "ReLU is max(0, z): its slope is 1 where z > 0 and 0 elsewhere. Multiply "
        "grad_out by that slope."
    )


@functools.cache
def chapter7_digits():
    """Chapter 7's split, as (X_train, X_val, y_train, y_val): its training and validation
    images; its test images are never looked at. Chapter 8's explorer uses it too."""
    X, y = load_digits()
    X_rest, _, y_rest, _ = train_test_split(X, y, test_fraction=0.2, seed=SEED)
    return train_test_split(X_rest, y_rest, test_fraction=0.2, seed=SEED)


def _train(optimizer: Optimizer):
    """Train the chapter's network from a seeded start for EPOCHS epochs: (run, validation
    accuracy)."""
    X_train, X_val, y_train, y_val = chapter7_digits()
    net = MLP(X_train, y_train, hidden=HIDDEN)
    rng = np.random.default_rng(SEED)
    x0 = net.init_params(rng)
    opt = copy.deepcopy(optimizer)
    opt.reset()
    run = descend(net, opt, x0, epochs=EPOCHS, batch_size=BATCH, rng=rng, record_points=False)
    with np.errstate(over="ignore", invalid="ignore"):
        return run, net.accuracy(run.x, X_val, y_val)


def _with_lr(optimizer: Optimizer, factor: float) -> Optimizer:
    other = copy.deepcopy(optimizer)
    other.lr = other.base_lr = optimizer.lr * factor
    return other


@checker
def check_fast_training(optimizer) -> Feedback:
    """Exercise 4: an optimizer that trains the chapter's network to 95 % validation accuracy in
    3 epochs."""
    if not isinstance(optimizer, Optimizer):
        return hint("Pass an optimizer from helpers.optim, for example SGD(lr=0.1).")
    if isinstance(optimizer.lr, np.ndarray):
        return hint("Give one learning rate (a number): the network trains one run at a time.")
    name = f"{type(optimizer).__name__} with lr={optimizer.lr:g}"
    if getattr(optimizer, "momentum", 0):
        name += f" and momentum {optimizer.momentum:g}"
    run, acc = _train(optimizer)
    if run.stop_reason != "diverged" and acc >= TARGET:
        return correct(
            f"{name} reaches {acc:.1%} validation accuracy after {EPOCHS} epochs "
            f"({run.steps} steps), training loss {run.loss:.3f}."
        )
    if run.stop_reason == "diverged":
        return hint(
            f"With {name} the loss blew up at step {run.steps}: the learning rate is far too large."
        )
    said = f"{name} reaches {acc:.1%} validation accuracy after {EPOCHS} epochs"
    start = run.losses[0]
    if run.loss > start:
        return hint(
            f"{said}, and the training loss rose from {start:.3f} to {run.loss:.3f}: "
            "the learning rate is too large, the steps overshoot. Try a much smaller lr."
        )
    # Which way to go? Try the neighbours: a three times smaller and a three times larger lr.
    # Point a way only if a neighbour is clearly better (2 points) and above chance (10 %).
    smaller, larger = (_train(_with_lr(optimizer, f))[1] for f in (1 / 3, 3.0))
    if smaller >= max(acc, larger) + 0.02 and smaller >= CHANCE:
        return hint(
            f"{said}, and a three times smaller lr does better ({smaller:.1%}): "
            "this learning rate is too large, the steps overshoot."
        )
    if larger >= acc + 0.02 and larger >= CHANCE:
        plain_sgd = type(optimizer).__name__ == "SGD" and not optimizer.momentum
        return hint(
            f"{said}, and a three times larger lr does better ({larger:.1%}): "
            "the steps are too small for so few epochs. Try a larger lr"
            + (", or momentum." if plain_sgd else ".")
        )
    if acc < CHANCE:
        return hint(
            f"{said}, hardly better than guessing, and the training loss fell only from "
            f"{start:.3f} to {run.loss:.3f}: the steps are far too small. Try a much larger lr."
        )
    if type(optimizer).__name__ == "SGD":
        other = "Adam" if optimizer.momentum else "momentum or Adam"
    else:
        other = "SGD with momentum"
    return hint(f"{said}, the target is {TARGET:.0%}. Try another optimizer: {other}.")
