"""The batch-size explorer of chapter 4: what a slider move draws, checked against descend."""

import itertools
import warnings

import ipywidgets as widgets
import numpy as np
import pytest

from helpers.book.explore_batch import BatchPath, batch_explorer, one_feature_problem
from helpers.book.widgets import Explorer, figure_png, new_figure
from helpers.descent import descend
from helpers.optim import SGD
from helpers.theory import noise_floor

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def view():
    return BatchPath(new_figure((9.0, 3.8)))


def test_every_slider_corner_draws_what_descend_computes_without_warnings(view):
    problem = view.problem
    slider = batch_explorer().controls
    sizes = slider["batch_size"].options
    lr_min, lr_max = 10 ** slider["lr"].min, 10 ** slider["lr"].max
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for B, lr in itertools.product([sizes[0], 10, sizes[-1]], [lr_min, 0.1, lr_max]):
            message = view.update(batch_size=B, lr=lr)
            assert message and f"B = {B}" in message
            assert figure_png(view.path.figure).startswith(PNG_MAGIC)
            mini = descend(problem, SGD(lr=lr), view.x0, view.steps, batch_size=B, rng=view.seed)
            full = descend(problem, SGD(lr=lr), view.x0, view.steps)
            finite = np.all(np.isfinite(mini.points), axis=1)
            np.testing.assert_array_equal(
                np.column_stack(view.path.get_data()), mini.points[finite]
            )
            np.testing.assert_allclose(
                np.column_stack(view.full_path.get_data()), full.points, rtol=1e-9, atol=1e-12
            )
            steps, excess = view.loss_line.get_data()
            ok = np.isfinite(mini.losses)
            np.testing.assert_array_equal(steps, np.flatnonzero(ok))
            np.testing.assert_allclose(excess, mini.losses[ok] - problem.minimum, rtol=1e-12)
            np.testing.assert_allclose(
                view.full_loss.get_data()[1],
                full.losses - problem.minimum,
                rtol=1e-7,
                atol=1e-12,
            )
            floor = noise_floor(problem, lr, B)
            drawn = view.floor_line.get_ydata()[0]
            if 0 < floor < np.inf:
                assert drawn == floor
            else:
                assert np.isnan(drawn)


def test_the_message_reports_the_floor_the_full_batch_and_divergence(view):
    assert "predicted floor" in view.update(batch_size=10, lr=0.1)
    assert "no noise: B = n" in view.update(batch_size=view.problem.n, lr=0.1)
    message = view.update(batch_size=1, lr=0.79)
    assert "diverged at step" in message and "no finite floor" in message
    assert "100 steps of B = 50 use 10 epochs" in view.update(batch_size=50, lr=0.05)


def test_the_tail_in_the_message_is_the_mean_of_the_last_quarter(view):
    message = view.update(batch_size=20, lr=0.2)
    run = descend(view.problem, SGD(lr=0.2), view.x0, 100, batch_size=20, rng=view.seed)
    tail = np.mean(run.losses[-25:] - view.problem.minimum)
    assert f"last quarter: {tail:.2g} " in message


def test_the_closed_form_full_batch_path_is_descend():
    view = BatchPath(new_figure(), steps=40, x0=(3.0, -2.0))
    for lr in (0.01, 0.5, 0.9):
        run = descend(view.problem, SGD(lr=lr), (3.0, -2.0), 40)
        np.testing.assert_allclose(view.full_batch_path(lr), run.points, rtol=1e-9, atol=1e-12)


def test_impossible_combinations_become_messages_not_tracebacks():
    explorer = batch_explorer()
    max_lr = explorer.view.max_lr
    assert max_lr == pytest.approx(2 / one_feature_problem().L)
    png, message = explorer.render(batch_size=10, lr=1.5 * max_lr)
    assert png.startswith(PNG_MAGIC)
    assert message.startswith("Cannot draw this: lr =") and "2/L" in message
    _, message = explorer.render(batch_size=0, lr=0.1)
    assert "batch_size" in message
    _, message = explorer.render(batch_size=10_000, lr=0.1)
    assert "batch_size must be in [1, 500]" in message


def test_the_widget_redraws_when_a_slider_moves():
    explorer = batch_explorer()
    sliders = {w.description: w for w in explorer.children[0].children}
    before = bytes(explorer.image.value)
    assert before.startswith(PNG_MAGIC)
    sliders["batch B"].value = 1
    after = bytes(explorer.image.value)
    assert after != before and "B = 1" in explorer.message.value
    sliders["lr"].value = 0.01
    assert bytes(explorer.image.value) != after


def test_the_frozen_background_keeps_the_axes_and_the_same_values_give_the_same_image():
    explorer = Explorer(
        {
            "batch_size": widgets.SelectionSlider(options=[1, 10, 500], value=10),
            "lr": widgets.FloatSlider(value=0.1, min=0.01, max=0.5),
        },
        BatchPath,
    )
    first, _ = explorer.render(batch_size=10, lr=0.1)
    other, _ = explorer.render(batch_size=10, lr=0.3)
    again, _ = explorer.render(batch_size=10, lr=0.1)
    assert first == again and first != other
    view = explorer.view
    # the static artists are drawn from the background image, the moving ones live
    assert not view.path_ax.xaxis.get_visible() and not view.loss_ax.yaxis.get_visible()
    assert view.path.get_visible() and view.loss_line.get_visible()
    assert len(explorer.figure.axes) == 3 and explorer.figure.axes[-1].images


def test_the_view_needs_a_two_parameter_problem():
    from helpers.data import make_regression
    from helpers.problems import LinearRegression

    X, y, _ = make_regression(n=50, d=2, seed=0)
    with pytest.raises(ValueError, match="two parameters"):
        BatchPath(new_figure(), problem=LinearRegression(X, y))
