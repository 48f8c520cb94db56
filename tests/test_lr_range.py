"""The learning-rate range test."""

import numpy as np
import pytest

from helpers.book.lr_range import lr_range_test
from helpers.data import line_data
from helpers.optim import SGD
from helpers.problems import LinearRegression, bowl
from helpers.schedulers import CosineAnnealingLR


def test_learning_rate_grows_geometrically_from_min_to_max():
    result = lr_range_test(
        bowl(), SGD(lr=1.0), [3.0, 4.0], lr_min=1e-4, lr_max=1e-1, steps=31, diverge_factor=1e300
    )
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-4, 1e-1, 31), rtol=1e-12)
    assert result.stop_reason == "max_steps" and len(result.losses) == 31
    assert result.best_lr == result.lrs[np.argmin(result.losses)]
    assert result.suggested_lr == pytest.approx(result.best_lr / 10)


def test_stops_when_the_loss_blows_up_past_the_edge_of_stability():
    X, y = line_data()
    problem = LinearRegression(X, y)
    result = lr_range_test(problem, SGD(lr=1.0), [0.0, 0.0], lr_min=1e-5, lr_max=10.0, steps=100)
    assert result.stop_reason == "diverged"
    assert result.lrs[-1] > 2 / problem.L  # it only blew up after passing the stability limit
    assert "lowest loss at lr=" in repr(result)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr_min=0), "lr_min must be > 0"),
        (dict(lr_max=-1.0), "lr_max must be > 0"),
        (dict(lr_min=1.0, lr_max=0.5), "lr_max must be > lr_min"),
        (dict(steps=1), "steps must be a whole number >= 2"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lr_range_test(bowl(), SGD(lr=0.1), [1.0, 1.0], **kwargs)


def test_the_range_test_starts_at_lr_min_and_leaves_the_optimizer_alone():
    """Even an optimizer that once had a scheduler (which stored its initial_lr)."""
    opt = SGD(lr=0.5, momentum=0.9)
    CosineAnnealingLR(opt, T_max=10)
    opt.step(np.ones(2), np.ones(2))
    result = lr_range_test(bowl(), opt, [1.0, 1.0], lr_min=1e-6, lr_max=1.0, steps=20)
    assert result.lrs[0] == pytest.approx(1e-6, rel=1e-12)
    assert opt.lr == 0.5 and opt.initial_lr == 0.5 and opt.t == 1
    with pytest.raises(ValueError, match="optimizer must be"):
        lr_range_test(bowl(), "SGD", [1.0, 1.0])
