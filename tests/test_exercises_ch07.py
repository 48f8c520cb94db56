"""Chapter 7 exercise checks: right answers pass, each typical wrong answer gets its own hint."""

import math

import numpy as np
import pytest

from helpers.book.exercises import ch07
from helpers.data import load_digits, train_test_split
from helpers.network import one_hot, softmax
from helpers.optim import SGD, Adam

Z = np.array([1002.0, 1000.0, 995.0])
LSE = 1002 + math.log(1 + math.exp(-2) + math.exp(-7))  # worked out by hand


def backward_with(g2_scale=1.0, mask=True, bias_axis=0, flip=False):
    """The chapter's backward pass, with one of the typical mistakes switched on."""

    def backward(p, X, y):
        Z1 = X @ p["W1"] + p["b1"]
        H = np.maximum(Z1, 0.0)
        P = softmax(H @ p["W2"] + p["b2"])
        G2 = (P - one_hot(y, P.shape[1])) * g2_scale
        if flip:
            G2 = -G2
        GH = G2 @ p["W2"].T
        G1 = GH * (Z1 > 0) if mask else GH
        return {"W1": X.T @ G1, "b1": G1.sum(axis=bias_axis), "W2": H.T @ G2, "b2": G2.sum(axis=0)}

    return backward


N = 10  # rows of the check's small problem


def in_float32(backward):
    """The same backward pass, with the gradients handed back in float32."""
    return lambda p, X, y: {k: v.astype(np.float32) for k, v in backward(p, X, y).items()}


def wrong_b1(p, X, y):
    grads = backward_with(1 / N)(p, X, y)
    grads["b1"] = 2 * grads["b1"]
    return grads


@pytest.mark.parametrize(
    "check, answer, expected",
    [
        (ch07.check_cross_entropy, LSE - 1000, "Correct"),
        (ch07.check_cross_entropy, np.float64(LSE - 1000), "Correct"),
        (ch07.check_cross_entropy, np.nan, "exp(1002) overflows"),
        (ch07.check_cross_entropy, np.inf, "exp(1002) overflows"),
        (ch07.check_cross_entropy, 1000 - LSE, "sign is off"),
        (ch07.check_cross_entropy, math.exp(1000 - LSE), "That is the probability"),
        (ch07.check_cross_entropy, (LSE - 1000) / math.log(10), "log base 10"),
        (ch07.check_cross_entropy, LSE - 1002, "loss for label 0"),
        (ch07.check_cross_entropy, LSE - 995, "loss for label 2"),
        (ch07.check_cross_entropy, -1000.0, "not the logit itself"),
        (ch07.check_cross_entropy, 1.0, "Compute m = z.max()"),
        # Four significant digits pass, three get the rounding hint (issue 13).
        (ch07.check_cross_entropy, 2.1277, "Correct"),
        (ch07.check_cross_entropy, 2.128, "Correct"),
        (ch07.check_cross_entropy, 2.13, "Close, but rounded"),
        (ch07.check_cross_entropy, 2.127, "Close, but rounded"),
        # A wrong answer worked out by pencil to four digits still gets its own hint.
        (ch07.check_cross_entropy, -2.128, "sign is off"),
        (ch07.check_cross_entropy, round(math.exp(1000 - LSE), 4), "That is the probability"),
        (ch07.check_cross_entropy, round((LSE - 1000) / math.log(10), 4), "log base 10"),
        (ch07.check_cross_entropy, round(LSE - 1002, 4), "loss for label 0"),
        (ch07.check_cross_entropy, round(LSE - 995, 3), "loss for label 2"),
        (ch07.check_cross_entropy, np.float32(2.1277308), "Correct"),
        (ch07.check_cross_entropy, np.float32(LSE - 1000), "Correct"),
        (ch07.check_cross_entropy, None, "single number"),
        (ch07.check_cross_entropy, "two", "single number"),
        (ch07.check_cross_entropy, [1.0, 2.0], "single number"),
        (ch07.check_backward, backward_with(1 / N), "Correct"),
        (ch07.check_backward, backward_with(1.0), "same factor in all four parts"),
        (ch07.check_backward, backward_with(1 / N, flip=True), "wrong sign"),
        (ch07.check_backward, backward_with(1 / N**2), "divide by n once"),
        (ch07.check_backward, backward_with(1 / N, mask=False), "W2 and b2 are right"),
        (ch07.check_backward, backward_with(1 / N, bias_axis=1), "gradient of b1 must have"),
        (ch07.check_backward, in_float32(backward_with(1 / N)), "Correct"),
        (ch07.check_backward, in_float32(backward_with(1.0)), "same factor in all four parts"),
        (ch07.check_backward, wrong_b1, "Only b1 is wrong"),
        (ch07.check_backward, lambda p, X, y: None, "returned None"),
        (ch07.check_backward, lambda p, X, y: (1, 2, 3, 4), "Return a dictionary"),
        (ch07.check_backward, 3.0, "Pass your function itself"),
        (ch07.check_relu_backward, lambda g, z: g * (z > 0), "Correct"),
        (ch07.check_relu_backward, lambda g, z: np.where(z > 0, g, 0.0), "Correct"),
        (ch07.check_relu_backward, lambda g, z: (g * (z > 0)).astype(np.float32), "Correct"),
        (ch07.check_relu_backward, lambda g, z: g * (z >= 0), "at exactly z = 0"),
        (ch07.check_relu_backward, lambda g, z: g * np.maximum(z, 0), "not by ReLU's value"),
        (ch07.check_relu_backward, lambda g, z: (z > 0) * 1.0, "slope alone"),
        (ch07.check_relu_backward, lambda g, z: g, "passes through unchanged"),
        (ch07.check_relu_backward, lambda g, z: g * (z < 0), "mask is reversed"),
        (ch07.check_relu_backward, lambda g, z: g * 2, "Multiply grad_out by that slope"),
        (ch07.check_relu_backward, lambda g, z: g[0], "must have the shape of z"),
        (ch07.check_relu_backward, lambda g, z: None, "returned None"),
        (ch07.check_relu_backward, "relu", "Pass your function itself"),
        (ch07.check_fast_training, Adam(lr=0.01), "Correct"),
        (ch07.check_fast_training, SGD(lr=0.2, momentum=0.9), "Correct"),
        (ch07.check_fast_training, Adam(), "three times larger lr does better"),
        (ch07.check_fast_training, SGD(lr=0.01), "Try a larger lr, or momentum"),
        (ch07.check_fast_training, SGD(lr=0.5, momentum=0.9), "too large, the steps overshoot"),
        (ch07.check_fast_training, SGD(lr=1.0), "Try another optimizer: momentum or Adam"),
        (ch07.check_fast_training, SGD(lr=0.05, momentum=0.9), "Try another optimizer: Adam."),
        (ch07.check_fast_training, SGD(lr=1e4), "blew up at step"),
        # Far too large, but no blow-up: the loss rises and the accuracy stays near 10 %.
        (ch07.check_fast_training, SGD(lr=100.0), "the learning rate is too large"),
        (ch07.check_fast_training, SGD(lr=10.0), "the learning rate is too large"),
        (ch07.check_fast_training, Adam(lr=0.3), "learning rate is too large"),
        # Far too small: near chance too, but the loss falls, slowly.
        (ch07.check_fast_training, SGD(lr=1e-4), "far too small. Try a much larger lr"),
        (ch07.check_fast_training, SGD(lr=np.array([0.1, 0.2])), "one learning rate"),
        (ch07.check_fast_training, 0.01, "Pass an optimizer"),
    ],
)
def test_chapter_7_answers(check, answer, expected):
    feedback = check(answer)
    assert expected in repr(feedback), repr(feedback)
    assert feedback.passed == (expected == "Correct")


def test_the_placeholder_asks_for_an_answer():
    for check in (
        ch07.check_cross_entropy,
        ch07.check_backward,
        ch07.check_relu_backward,
        ch07.check_fast_training,
    ):
        assert "Replace the ..." in check(...).message


def test_a_wrong_b1_alone_does_not_blame_the_layer_below():
    feedback = ch07.check_backward(wrong_b1)
    assert "ReLU mask" not in feedback.message and "W1 and b1" not in feedback.message


def test_far_too_large_lrs_are_not_told_to_grow_or_change_optimizer():
    for opt in (SGD(lr=100.0), SGD(lr=10.0)):
        feedback = ch07.check_fast_training(opt)
        assert "larger lr" not in feedback.message, feedback
        assert "another optimizer" not in feedback.message, feedback


def test_a_larger_lr_hint_does_not_suggest_momentum_twice():
    feedback = ch07.check_fast_training(SGD(lr=0.01, momentum=0.9))
    assert not feedback and "three times larger" in feedback.message
    assert "or momentum" not in feedback.message


def test_the_check_does_not_change_the_readers_optimizer():
    opt = Adam(lr=0.01)
    assert ch07.check_fast_training(opt)
    assert opt.t == 0 and opt.state == {} and opt.lr == 0.01


def test_exercise_4_is_scored_on_validation_never_on_test_images():
    """Issue 13: choices are made on validation accuracy, the test set is used once."""
    X, y = load_digits()
    X_rest, X_test, _, _ = train_test_split(X, y, test_fraction=0.2, seed=ch07.SEED)
    X_train, X_val, _, _ = ch07.chapter7_digits()
    assert len(X_train) + len(X_val) == len(X_rest)
    seen = {row.tobytes() for row in np.concatenate([X_train, X_val])}
    assert seen == {row.tobytes() for row in X_rest}
    feedback = ch07.check_fast_training(Adam(lr=0.01))
    assert feedback and "validation accuracy" in feedback.message, feedback
