"""The schedule explorer of chapter 6: what a slider move draws, checked against descend."""

import itertools
import warnings

import ipywidgets as widgets
import numpy as np
import pytest

from helpers.book.explore_schedules import (
    BATCH,
    LR_EXPONENTS,
    SCHEDULES,
    SEED,
    STEPS,
    ScheduleView,
    make_scheduler,
    noisy_regression,
    schedule_explorer,
)
from helpers.book.widgets import Explorer, figure_png, new_figure
from helpers.descent import descend
from helpers.optim import SGD

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LR_GRID = 10.0 ** np.arange(*LR_EXPONENTS)


@pytest.fixture(scope="module")
def view():
    return ScheduleView(new_figure((9.0, 3.4)))


def descend_with(schedule, lr, gamma, period):
    """The run the view should draw, made by descend with a freshly built scheduler."""
    problem = noisy_regression()
    opt = SGD(lr=lr)
    sched = make_scheduler(schedule, opt, gamma, period)
    return problem, descend(
        problem,
        opt,
        np.zeros(3),
        steps=STEPS,
        batch_size=BATCH,
        scheduler=sched,
        rng=SEED,
        record_points=False,
    )


def test_every_schedule_at_the_slider_corners_draws_what_descend_computes(view):
    lrs = [float(LR_GRID[0]), float(LR_GRID[-1])]
    corners = [(0.05, 5), (0.5, 100), (0.95, 200)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for schedule, lr, (gamma, period) in itertools.product(SCHEDULES, lrs, corners):
            try:
                message = view.update(schedule=schedule, lr=lr, gamma=gamma, period=period)
            except ValueError:
                assert (schedule, period) in {("warm-up + cosine", 200), ("OneCycleLR", 200)}
                continue
            problem, run = descend_with(schedule, lr, gamma, period)
            assert run.stop_reason == "max_steps"
            steps, drawn_lrs = view.lr_line.get_data()
            np.testing.assert_array_equal(drawn_lrs, run.lrs)
            np.testing.assert_array_equal(steps, np.arange(STEPS))
            _, gap = view.loss_line.get_data()
            np.testing.assert_allclose(gap, run.losses - problem.minimum, rtol=1e-9, atol=1e-13)
            assert message.startswith(f"{schedule} ({SCHEDULES[schedule]}), lr {lr:.3g}:")
        assert figure_png(view.lr_ax.figure).startswith(PNG_MAGIC)


def test_the_grey_line_is_the_constant_run_with_the_same_lr(view):
    for lr in [float(LR_GRID[3]), 0.05]:  # on the slider's grid, and off it
        view.update(schedule="StepLR", lr=lr, gamma=0.5, period=50)
        problem, run = descend_with("constant", lr, 0.5, 50)
        np.testing.assert_allclose(
            view.ref_line.get_ydata(), run.losses - problem.minimum, rtol=1e-9, atol=1e-13
        )


def test_message_reports_both_averages_of_the_last_20_steps(view):
    message = view.update(schedule="CosineAnnealingLR", lr=0.05, gamma=0.5, period=200)
    problem, cosine = descend_with("CosineAnnealingLR", 0.05, 0.5, 200)
    _, constant = descend_with("constant", 0.05, 0.5, 200)
    ours = np.mean(cosine.losses[-20:] - problem.minimum)
    theirs = np.mean(constant.losses[-20:] - problem.minimum)
    assert f"last 20 steps {ours:.2e} (red)" in message
    assert f"with a constant lr {theirs:.2e} (grey)" in message
    assert ours < theirs  # the point of the chapter: annealing goes below the noise floor


def test_a_diverging_run_stops_where_descend_stops_it(view):
    lrs, losses, diverged = view.run("constant", 5.0, 0.5, 50)  # far above 2/L, off the slider
    problem, run = descend_with("constant", 5.0, 0.5, 50)
    assert run.stop_reason == "diverged" and diverged
    np.testing.assert_array_equal(lrs, run.lrs)
    np.testing.assert_allclose(losses, run.losses, rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert view.update("constant", 5.0, 0.5, 50) == (
            f"constant with lr 5 diverged at step {run.steps}: lower the lr."
        )


def test_a_schedule_can_survive_an_lr_at_which_the_constant_run_diverges(view):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        message = view.update("ExponentialLR", 1.5, 0.05, 5)  # lr falls 20-fold in 5 steps
    problem, run = descend_with("ExponentialLR", 1.5, 0.05, 5)
    _, constant = descend_with("constant", 1.5, 0.05, 5)
    assert run.stop_reason == "max_steps" and constant.stop_reason == "diverged"
    assert message.endswith("with a constant lr diverged (grey).")
    steps, ref = view.ref_line.get_data()
    np.testing.assert_allclose(ref, constant.losses - problem.minimum, rtol=1e-9)
    np.testing.assert_array_equal(steps, np.arange(len(constant.losses)))


def test_sliders_mean_what_the_chapter_says():
    lr, steps = 0.1, 60
    opt = SGD(lr=lr)

    def lrs_of(name, gamma, period):
        opt = SGD(lr=lr)
        sched = make_scheduler(name, opt, gamma, period, steps=steps)
        out = []
        for _ in range(steps):
            out.append(opt.lr)
            sched.step()
        return np.array(out)

    t = np.arange(steps)
    np.testing.assert_allclose(lrs_of("StepLR", 0.5, 20), lr * 0.5 ** (t // 20))
    np.testing.assert_allclose(
        lrs_of("MultiStepLR", 0.3, 15), lr * 0.3 ** ((t >= 15).astype(int) + (t >= 30))
    )
    np.testing.assert_allclose(lrs_of("ExponentialLR", 0.5, 20), lr * 0.5 ** (t / 20))
    np.testing.assert_allclose(lrs_of("LambdaLR", 0.5, 10), lr * 10 / (10 + t))
    np.testing.assert_allclose(
        lrs_of("LinearLR", 0.2, 10)[[0, 5, 10, 59]], lr * np.array([0.2, 0.6, 1, 1])
    )
    cosine = lrs_of("CosineAnnealingLR", 0.5, 30)
    np.testing.assert_allclose(cosine[:31], lr * (1 + np.cos(np.pi * t[:31] / 30)) / 2, atol=1e-15)
    restarts = lrs_of("CosineAnnealingWarmRestarts", 0.5, 20)
    np.testing.assert_allclose(restarts, lr * (1 + np.cos(np.pi * (t % 20) / 20)) / 2, atol=1e-15)
    warm = lrs_of("warm-up + cosine", 0.1, 10)
    np.testing.assert_allclose(warm[:10], lr * (0.1 + 0.9 * t[:10] / 10))
    np.testing.assert_allclose(warm[10:], lr * (1 + np.cos(np.pi * (t[10:] - 10) / 50)) / 2)
    assert int(np.argmax(lrs_of("OneCycleLR", 0.5, 15))) == 14  # peak at step period − 1
    assert make_scheduler("constant", opt, 0.5, 10) is None
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_scheduler("Adam", opt, 0.5, 10)


def test_impossible_combinations_become_messages_not_tracebacks():
    explorer = schedule_explorer()
    assert isinstance(explorer, Explorer)
    controls = explorer.controls
    image = explorer.children[2]
    controls["period"].value = 200
    controls["schedule"].value = "warm-up + cosine"
    assert "Cannot draw this: the warm-up (period = 200) must be shorter" in explorer.message.value
    assert bytes(image.value).startswith(PNG_MAGIC)
    controls["schedule"].value = "OneCycleLR"
    assert "Cannot draw this: pct_start=" in explorer.message.value  # the scheduler's ValueError
    controls["period"].value = 100
    assert explorer.message.value.startswith("<b>OneCycleLR (max_lr = lr")


def test_widget_redraws_when_the_dropdown_moves():
    explorer = schedule_explorer(schedule="constant", lr=0.05)
    before = bytes(explorer.children[2].value)
    explorer.controls["schedule"].value = "ExponentialLR"
    after = bytes(explorer.children[2].value)
    assert after != before and after.startswith(PNG_MAGIC)
    assert "ExponentialLR" in explorer.message.value
    assert isinstance(explorer.controls["schedule"], widgets.Dropdown)
    assert list(explorer.controls["schedule"].options) == list(SCHEDULES)
