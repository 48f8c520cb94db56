"""The optimizer race explorer of chapter 5, called as plain functions, without a browser."""

import itertools
import warnings

import ipywidgets as widgets
import numpy as np
import pytest

from helpers.book.explore_optimizers import FLOOR, OptimizerRace, optimizer_explorer
from helpers.book.race import (
    LR_GRID,
    OPTIMIZERS,
    RACE_LR,
    STEPS,
    SURFACES,
    make_optimizer,
    make_surfaces,
)
from helpers.book.widgets import Explorer, figure_png, new_figure
from helpers.descent import descend
from helpers.optim import SGD, Adam, RMSprop

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def finite_records(run):
    """descend's points and losses without the non-finite entries of a diverged last step."""
    points = run.points[np.all(np.isfinite(run.points), axis=-1)]
    return points, run.losses[np.isfinite(run.losses)]


@pytest.fixture(scope="module")
def view():
    return OptimizerRace(new_figure((9.0, 3.6)))


def test_every_corner_draws_what_descend_computes_without_warnings(view):
    surfaces = make_surfaces()
    corners = [
        dict(momentum=0.0, beta1=0.0, beta2=0.8),
        dict(momentum=0.99, beta1=0.99, beta2=0.999),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, (surface, name, lr, extra) in enumerate(
            itertools.product(SURFACES, OPTIMIZERS, [1e-4, 3.0], corners)
        ):
            if name == "Nesterov" and extra["momentum"] == 0:
                with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
                    view.update(surface=surface, optimizer=name, lr=lr, **extra)
                continue
            message = view.update(surface=surface, optimizer=name, lr=lr, **extra)
            assert message.startswith(name)
            assert view.path_ax.get_title() == f"{surface}: {name}, lr = {lr:.3g}"
            if i % 7 == 0:
                assert figure_png(view.path.figure).startswith(PNG_MAGIC)
            problem, x0 = surfaces[surface].problem, surfaces[surface].x0
            opt = make_optimizer(name, lr, extra["momentum"], extra["beta1"], extra["beta2"])
            run = descend(problem, opt, x0, steps=STEPS)
            points, losses = finite_records(run)
            np.testing.assert_array_equal(np.column_stack(view.path.get_data()), points)
            np.testing.assert_array_equal(
                view.curve.get_ydata(), np.maximum(losses - problem.minimum, FLOOR)
            )
            assert ("diverged" in message) == (run.stop_reason == "diverged")


def test_the_thin_racers_are_the_tuned_runs(view):
    surfaces = make_surfaces()
    for surface in SURFACES:
        view.update(surface=surface, optimizer="SGD", lr=0.01)
        problem, x0 = surfaces[surface].problem, surfaces[surface].x0
        for name in OPTIMIZERS:
            run = descend(problem, make_optimizer(name, RACE_LR[surface, name]), x0, steps=STEPS)
            points, losses = finite_records(run)
            np.testing.assert_array_equal(np.column_stack(view.paths[name].get_data()), points)
            np.testing.assert_array_equal(
                view.curves[name].get_ydata(), np.maximum(losses - problem.minimum, FLOOR)
            )


def test_the_contours_of_the_chosen_surface_only_are_shown(view):
    view.update(surface="bumpy")
    view.update(surface="Rosenbrock")
    assert view.contours["Rosenbrock"].get_visible()
    assert not view.contours["bumpy"].get_visible()
    assert view.path_ax.get_xlim() == make_surfaces()["Rosenbrock"].xlim


def test_make_optimizer_uses_the_sliders_it_says_it_uses():
    assert repr(make_optimizer("SGD", 0.1, momentum=0.5)) == repr(SGD(lr=0.1))
    assert make_optimizer("momentum", 0.1, momentum=0.5).momentum == 0.5
    nesterov = make_optimizer("Nesterov", 0.1, momentum=0.7)
    assert nesterov.nesterov and nesterov.momentum == 0.7
    assert repr(make_optimizer("RMSprop", 0.1, beta1=0.3, beta2=0.95)) == repr(
        RMSprop(lr=0.1, alpha=0.95)
    )
    assert repr(make_optimizer("Adam", 0.1, momentum=0.2, beta1=0.8, beta2=0.95)) == repr(
        Adam(lr=0.1, betas=(0.8, 0.95))
    )
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer("Lion", 0.1)


def test_message_reports_the_run_and_the_tuned_racer(view):
    message = view.update(surface="line fit", optimizer="Adam", lr=0.001)
    assert "uses lr, β₁, β₂" in message
    assert f"Tuned Adam (lr = {RACE_LR['line fit', 'Adam']:.3g})" in message
    assert "loss − minimum after 200 steps" in message
    diverged = view.update(surface="Rosenbrock", optimizer="SGD", lr=3.0)
    assert "diverged at step" in diverged


def test_nesterov_without_momentum_is_a_message_not_an_exception():
    widget = optimizer_explorer(optimizer="Nesterov")
    controls = {w.description: w for w in widget.children[0].children}
    before = bytes(widget.image.value)
    controls["momentum"].value = 0.0
    assert "Cannot draw this" in widget.message.value
    assert "nesterov" in widget.message.value
    assert bytes(widget.image.value).startswith(PNG_MAGIC)
    controls["momentum"].value = 0.5
    assert "Cannot draw this" not in widget.message.value
    assert bytes(widget.image.value) != before


def test_the_widget_redraws_when_a_dropdown_changes():
    widget = optimizer_explorer()
    assert isinstance(widget, Explorer)
    controls = {w.description: w for w in widget.children[0].children}
    assert set(controls) == {"surface", "optimizer", "lr", "momentum", "β₁", "β₂"}
    assert isinstance(controls["surface"], widgets.Dropdown)
    before = bytes(widget.image.value)
    controls["surface"].value = "Rosenbrock"
    assert bytes(widget.image.value) != before
    assert widget.message.value.startswith("<b>Adam")


def test_race_learning_rates_are_the_best_of_the_grid():
    """Tune again as the chapter does: the worst loss over the last 10 of 200 steps."""
    surfaces = make_surfaces()
    for (surface, name), lr in RACE_LR.items():
        assert np.isclose(LR_GRID, lr, rtol=1e-12).sum() == 1
        problem, x0 = surfaces[surface].problem, surfaces[surface].x0
        sweep = descend(problem, make_optimizer(name, LR_GRID[:, None]), x0, steps=STEPS)
        tail = np.nan_to_num(sweep.losses[-10:], nan=np.inf).max(axis=0) - problem.minimum
        chosen = tail[np.isclose(LR_GRID, lr, rtol=1e-12)][0]
        assert chosen <= tail.min() * (1 + 1e-6) + 1e-15, (surface, name)


def test_the_key_is_an_image_of_the_six_lines(view):
    from helpers.book.explore_optimizers import legend_image

    key = legend_image([*view.curves.values(), view.curve], 80)
    assert key.ndim == 3 and key.shape[2] == 4 and key.shape[0] > 10 and key.shape[1] > 100
    assert (key[..., :3] < 200).any()  # some dark (text) pixels on the white frame
    assert len(view.path.figure.images) == 1
