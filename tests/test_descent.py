"""The descent loop: what it records, why it stops, divergence, many runs at once, mini-batches."""

import warnings

import numpy as np
import pytest

from helpers.data import make_regression
from helpers.descent import descend
from helpers.optim import SGD, Adafactor, Adam, Muon
from helpers.problems import LinearRegression, Parabola, Rosenbrock, bowl
from helpers.schedulers import ReduceLROnPlateau, StepLR


def plain_descent(grad, x0, lr, steps):
    """The loop of chapter 1, written out, as the reference."""
    xs = [np.asarray(x0, float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return np.array(xs)


def test_records_match_a_hand_written_loop():
    f = bowl()
    run = descend(f, SGD(lr=0.1), [3.0, 4.0], steps=25)
    expected = plain_descent(f.grad, [3.0, 4.0], 0.1, 25)
    np.testing.assert_allclose(run.points, expected, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(run.losses, f.loss(expected), rtol=1e-15)
    np.testing.assert_allclose(run.grad_norms, np.linalg.norm(f.grad(expected), axis=1), rtol=1e-15)
    np.testing.assert_array_equal(run.lrs, np.full(25, 0.1))
    assert run.steps == 25 and run.stop_reason == "max_steps"
    np.testing.assert_array_equal(run.x, expected[-1])
    assert run.loss == pytest.approx(f.loss(expected[-1]), rel=1e-15)


def test_chapter_one_sequence():
    run = descend(Parabola(), SGD(lr=0.1), 10.0, steps=3)
    np.testing.assert_allclose(run.points, [10.0, 8.0, 6.4, 5.12], rtol=1e-15)
    assert "steps=3" in repr(run) and "max_steps" in repr(run)


def test_grad_norm_criterion_fires_at_the_first_small_gradient():
    f = bowl()
    run = descend(f, SGD(lr=0.1), [3.0, 4.0], steps=1000, grad_tol=1e-6)
    norms = np.linalg.norm(f.grad(plain_descent(f.grad, [3.0, 4.0], 0.1, 1000)), axis=1)
    first = int(np.argmax(norms < 1e-6))
    assert run.stop_reason == "grad_norm" and run.steps == first
    assert run.grad_norms[-1] < 1e-6 <= run.grad_norms[-2]


def test_loss_change_and_step_size_criteria():
    f = bowl()
    ref = plain_descent(f.grad, [3.0, 4.0], 0.05, 2000)
    dloss = np.abs(np.diff(f.loss(ref)))
    dstep = np.linalg.norm(np.diff(ref, axis=0), axis=1)
    run = descend(f, SGD(lr=0.05), [3.0, 4.0], steps=2000, loss_tol=1e-8)
    assert run.stop_reason == "loss_change" and run.steps == int(np.argmax(dloss < 1e-8)) + 1
    run = descend(f, SGD(lr=0.05), [3.0, 4.0], steps=2000, step_tol=1e-5)
    assert run.stop_reason == "step_size" and run.steps == int(np.argmax(dstep < 1e-5)) + 1
    assert len(run.losses) == run.steps + 1 and len(run.lrs) == run.steps


def test_divergence_stops_cleanly_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = descend(Parabola(), SGD(lr=1.2), 10.0, steps=1000)
        # factor |1 - 2 lr| = 1.4: the loss passes 1e6 x its start after k steps, 1.96^k > 1e6
        assert run.stop_reason == "diverged"
        assert run.steps == int(np.ceil(np.log(1e6) / np.log(1.96)))
        assert np.isfinite(run.x) and np.isfinite(run.loss)
        # an overflow to inf within one step
        run = descend(Rosenbrock(), SGD(lr=1.0), [-3.0, 4.0], steps=100)
        assert run.stop_reason == "diverged" and run.steps < 10
        assert np.all(np.isfinite(run.x))


def test_edge_of_stability_oscillates_forever():
    run = descend(Parabola(), SGD(lr=1.0), 10.0, steps=50)
    assert run.stop_reason == "max_steps"
    np.testing.assert_array_equal(np.abs(run.points), 10.0)


def test_many_learning_rates_in_one_call_equal_separate_runs():
    f = bowl()
    lrs = np.geomspace(0.01, 0.6, 30)
    sweep = descend(f, SGD(lr=lrs[:, None]), [3.0, 4.0], steps=150, grad_tol=1e-9)
    assert sweep.points.shape[1:] == (30, 2)
    for i, lr in enumerate(lrs):
        single = descend(f, SGD(lr=lr), [3.0, 4.0], steps=150, grad_tol=1e-9)
        assert sweep.stop_reason[i] == single.stop_reason
        assert sweep.steps[i] == single.steps
        np.testing.assert_array_equal(sweep.x[i], single.x)
        np.testing.assert_array_equal(sweep.losses[: single.steps + 1, i], single.losses)
        assert np.all(np.isnan(sweep.losses[single.steps + 1 :, i]))
    # 2/L = 0.5 is the edge: everything above it diverges, everything below does not.
    assert np.array_equal(sweep.stop_reason == "diverged", lrs > 2 / f.L)
    assert "30 runs" in repr(sweep)


def test_batch_of_start_points():
    starts = np.array([[3.0, 4.0], [-1.0, 2.0], [0.5, -0.5]])
    run = descend(bowl(), Adam(lr=0.1), starts, steps=40)
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(run.x[i], descend(bowl(), Adam(lr=0.1), s, steps=40).x)


def test_minibatches_cover_every_row_once_per_epoch_and_are_reproducible():
    X, y, _ = make_regression(n=103, d=2, noise=0.1, seed=4)
    f = LinearRegression(X, y)
    seen = []

    class Recording(LinearRegression):
        def grad(self, x, rows=None):
            if rows is not None:
                seen.append(np.array(rows))
            return super().grad(x, rows)

    g = Recording(X, y)
    run = descend(g, SGD(lr=0.05), np.zeros(3), epochs=2, batch_size=10, rng=7)
    assert run.steps == 22 and run.steps_per_epoch == 11
    assert [len(r) for r in seen[:11]] == [10] * 10 + [3]
    for epoch in (seen[:11], seen[11:22]):
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch)), np.arange(103))
    assert not np.array_equal(np.concatenate(seen[:11]), np.concatenate(seen[11:22]))
    again = descend(f, SGD(lr=0.05), np.zeros(3), epochs=2, batch_size=10, rng=7)
    np.testing.assert_array_equal(again.points, run.points)
    other = descend(f, SGD(lr=0.05), np.zeros(3), epochs=2, batch_size=10, rng=8)
    assert not np.array_equal(other.points, run.points)
    # The recorded loss is over all rows.
    np.testing.assert_allclose(run.losses, f.loss(run.points), rtol=1e-14)


def test_minibatch_sgd_matches_a_hand_written_loop():
    """Each epoch a fresh permutation of the rows from the Generator, cut into batches."""
    X, y, _ = make_regression(n=23, d=2, noise=0.1, seed=2)
    f = LinearRegression(X, y)
    rng, x, xs = np.random.default_rng(5), np.zeros(3), [np.zeros(3)]
    for _ in range(3):
        order = rng.permutation(23)
        for start in range(0, 23, 5):
            x = x - 0.1 * f.grad(x, order[start : start + 5])
            xs.append(x)
    run = descend(f, SGD(lr=0.1), np.zeros(3), epochs=3, batch_size=5, rng=5)
    np.testing.assert_allclose(run.points, xs, rtol=1e-15, atol=1e-15)


def test_each_run_of_a_batch_records_up_to_where_it_stopped():
    """NaN after a run's stop; at its end, the point it stopped at and its full gradient norm."""
    f = bowl()
    lrs = np.array([0.05, 0.2, 0.45, 0.7])
    sweep = descend(f, SGD(lr=lrs[:, None]), [3.0, 4.0], steps=400, loss_tol=1e-10)
    assert list(sweep.stop_reason) == ["loss_change"] * 3 + ["diverged"]
    for i, k in enumerate(sweep.steps):
        expected = plain_descent(f.grad, [3.0, 4.0], lrs[i], k)
        np.testing.assert_allclose(sweep.points[: k + 1, i], expected, rtol=1e-15, atol=1e-15)
        assert np.all(np.isnan(sweep.points[k + 1 :, i])) and np.all(
            np.isnan(sweep.losses[k + 1 :, i])
        )
        if sweep.stop_reason[i] == "loss_change":
            np.testing.assert_array_equal(sweep.x[i], expected[-1])
            end = np.linalg.norm(f.grad(expected[-1]))
            assert sweep.grad_norms[k, i] == pytest.approx(end, rel=1e-14)
            assert np.all(np.isnan(sweep.grad_norms[k + 1 :, i]))


def test_scheduler_sets_the_learning_rate_of_each_step():
    opt = SGD(lr=0.1)
    run = descend(bowl(), opt, [3.0, 4.0], steps=9, scheduler=StepLR(opt, step_size=3, gamma=0.5))
    np.testing.assert_allclose(run.lrs, [0.1] * 3 + [0.05] * 3 + [0.025] * 3)
    X, y, _ = make_regression(n=50, d=1, seed=0)
    opt = SGD(lr=0.1)
    run = descend(
        LinearRegression(X, y),
        opt,
        np.zeros(2),
        epochs=4,
        batch_size=10,
        scheduler=StepLR(opt, step_size=1, gamma=0.5),
        scheduler_interval="epoch",
    )
    np.testing.assert_allclose(run.lrs, np.repeat([0.1, 0.05, 0.025, 0.0125], 5))


def test_plateau_scheduler_gets_the_loss():
    opt = SGD(lr=0.6)  # above 2/L: the loss rises, so the plateau scheduler must cut the lr
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=0)
    run = descend(bowl(), opt, [3.0, 4.0], steps=30, scheduler=sched)
    assert run.lrs[-1] < 0.5 and run.stop_reason == "max_steps"


def test_continuing_a_run_keeps_the_optimizer_state():
    f = bowl()
    whole = descend(f, Adam(lr=0.1), [3.0, 4.0], steps=20)
    opt = Adam(lr=0.1)
    first = descend(f, opt, [3.0, 4.0], steps=10)
    second = descend(f, opt, first.x, steps=10)
    np.testing.assert_array_equal(second.x, whole.x)


def test_zero_steps_and_record_points_off():
    run = descend(bowl(), SGD(lr=0.1), [3.0, 4.0], steps=0)
    assert run.steps == 0 and run.losses.shape == (1,) and run.lrs.shape == (0,)
    run = descend(bowl(), SGD(lr=0.1), [3.0, 4.0], steps=5, record_points=False)
    assert run.points is None and run.losses.shape == (6,)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x0=[np.nan, 1.0]), "x0 must not contain NaN"),
        (dict(x0=[1.0, 2.0, 3.0]), "x0 must have shape"),
        (dict(steps=-1), "steps must be a whole number >= 0"),
        (dict(steps=2.5), "steps must be a whole number"),
        (dict(grad_tol=0), "grad_tol must be > 0"),
        (dict(loss_tol=-1.0), "loss_tol must be > 0"),
        (dict(step_tol=np.inf), "step_tol must be > 0"),
        (dict(diverge_factor=0), "diverge_factor must be > 0"),
        (dict(grad_tol=np.array([1e-3, 1e-3])), "grad_tol must be a single number > 0"),
        (dict(diverge_factor=[10.0, 20.0]), "diverge_factor must be a single number > 0"),
        (dict(batch_size=4), "batch_size needs a problem with data rows"),
        (dict(scheduler_interval="minute"), "scheduler_interval must be one of"),
        (dict(steps=3, epochs=2), "either steps or epochs"),
        (dict(rng=-1), "rng must be a whole number"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(x0=[3.0, 4.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        descend(bowl(), SGD(lr=0.1), **args)


def test_every_array_hyperparameter_makes_a_batch_of_runs():
    """Not just lr: momentum of shape (3, 1) is three runs, each its own momentum."""
    run = descend(
        bowl(), SGD(lr=0.1, momentum=np.array([[0.0], [0.5], [0.9]])), [3.0, 4.0], steps=5
    )
    assert run.x.shape == (3, 2) and run.losses.shape == (6, 3)
    for i, momentum in enumerate([0.0, 0.5, 0.9]):
        single = descend(bowl(), SGD(lr=0.1, momentum=momentum), [3.0, 4.0], steps=5)
        np.testing.assert_array_equal(run.x[i], single.x)
    with pytest.raises(ValueError, match=r"x0 of shape \(2,\) and the optimizer's lr of shape"):
        descend(bowl(), SGD(lr=np.array([0.1, 0.2, 0.3])), [3.0, 4.0])


def test_bad_problem_optimizer_scheduler_and_batch_size():
    with pytest.raises(ValueError, match="problem must be"):
        descend(lambda x: x, SGD(lr=0.1), 1.0)
    with pytest.raises(ValueError, match="optimizer must be"):
        descend(bowl(), "sgd", [1.0, 1.0])
    opt = SGD(lr=0.1)
    with pytest.raises(ValueError, match="scheduler must be built on the same optimizer"):
        descend(bowl(), SGD(lr=0.1), [1.0, 1.0], scheduler=StepLR(opt, step_size=2))
    X, y, _ = make_regression(n=20, d=1, seed=0)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 20\]"):
        descend(LinearRegression(X, y), SGD(lr=0.1), np.zeros(2), batch_size=21)
    with pytest.raises(ValueError, match="ReduceLROnPlateau follows one loss"):
        opt = SGD(lr=np.array([[0.1], [0.2]]))
        descend(bowl(), opt, [1.0, 1.0], scheduler=ReduceLROnPlateau(opt))


def test_adafactor_and_muon_refuse_a_batch_of_runs():
    """Both treat all of x as one matrix: a batch of x0 would be mixed into one run's state."""
    starts = np.array([[1.0, 1.0], [2.0, -1.0]])
    for opt in (Adafactor(), Muon(lr=0.1)):
        with pytest.raises(ValueError, match=f"optimizer {type(opt).__name__} takes one run"):
            descend(bowl(), opt, starts, steps=3)
    one = descend(bowl(), Adafactor(), starts[0], steps=3)  # one run is fine
    assert one.steps == 3 and np.isfinite(one.loss)
