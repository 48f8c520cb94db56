"""The chapter 3 explorer: what a slider move draws and says, against descend and the math."""

import itertools
import re
import warnings

import numpy as np
import pytest

from helpers.book.explore_lr import KAPPAS, LearningRateValley, lr_explorer, predicted_contraction
from helpers.book.widgets import Explorer, figure_png, new_figure
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import bowl, ill_conditioned
from helpers.theory import contraction

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def geometric_mean_of_last_ratios(d, last=10):
    """The measured contraction, written out as a loop (the reference for ``contraction``)."""
    ratios = []
    for before, after in zip(d[:-1], d[1:], strict=True):
        if np.isfinite(before) and np.isfinite(after) and before > 0:
            ratios.append(after / before)
    tail = ratios[-last:]
    product = 1.0
    for r in tail:
        product *= r
    return product ** (1 / len(tail))


def test_contraction_of_a_geometric_sequence_is_its_ratio():
    assert contraction(3.0 * 0.7 ** np.arange(30)) == pytest.approx(0.7, rel=1e-12)
    assert contraction(2.0 * 1.3 ** np.arange(30)) == pytest.approx(1.3, rel=1e-12)


def test_contraction_uses_the_last_steps_skips_nan_and_zero_and_reports_reaching_zero():
    d = np.r_[5.0 * 0.5 ** np.arange(10), 5.0 * 0.5**9 * 0.9 ** np.arange(1, 21)]
    assert contraction(d, last=10) == pytest.approx(0.9, rel=1e-12)
    assert contraction(d, last=25) == pytest.approx(geometric_mean_of_last_ratios(d, 25))
    assert contraction([4.0, 0.0, 0.0, 0.0]) == 0.0  # solved in one step
    assert contraction([4.0, 2.0, 1.0, np.nan, np.nan]) == pytest.approx(0.5)
    assert np.isnan(contraction([0.0, 0.0])) and np.isnan(contraction([1.0]))
    with pytest.raises(ValueError, match="1-D"):
        contraction(np.ones((3, 2)))


def test_predicted_contraction_counts_only_the_directions_the_start_has():
    q = ill_conditioned(10)  # curvatures 0.1 along x1, 1 along x2
    assert predicted_contraction(q, 0.5, [-8.0, 3.0]) == pytest.approx(0.95)
    assert predicted_contraction(q, 0.5, [0.0, 3.0]) == pytest.approx(0.5)
    assert predicted_contraction(q, 1.5, [-8.0, 0.0]) == pytest.approx(0.85)
    assert predicted_contraction(q, 1.5, [0.0, 0.0]) == 0.0
    assert predicted_contraction(bowl(), 0.5, [3.0, 4.0]) == pytest.approx(1.0)


CORNERS = list(
    itertools.product([0.01, 1.0, 2.0, 2.4], [1, 10, 100], [-10.0, 0.0, 10.0], [-4.0, 0.0, 4.0])
)


def test_view_draws_what_descend_computes_at_every_slider_corner_without_warnings():
    fig = new_figure((9.0, 3.4))
    view = LearningRateValley(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, (lr, kappa, x1, x2) in enumerate(CORNERS):
            message = view.update(lr=lr, kappa=kappa, x1=x1, x2=x2)
            assert message
            run = descend(ill_conditioned(kappa), SGD(lr=lr), [x1, x2], steps=view.STEPS)
            xs, ys = view.path.get_data()
            np.testing.assert_array_equal(xs, run.points[:, 0])
            np.testing.assert_array_equal(ys, run.points[:, 1])
            steps, losses = view.loss_line.get_data()
            np.testing.assert_array_equal(losses, run.losses)
            np.testing.assert_array_equal(steps, np.arange(len(run.losses)))
            assert [k for k, cs in view.contours.items() if cs.get_visible()] == [kappa]
            if i % 6 == 0:  # rendering is the slow part: enough to check a sample
                assert figure_png(fig).startswith(PNG_MAGIC)


def numbers(message):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", message)]


@pytest.fixture(scope="module")
def view():
    return LearningRateValley(new_figure((9.0, 3.4)))


@pytest.mark.parametrize("lr, kappa, x1, x2", [c for c in CORNERS if c[2:] != (0.0, 0.0)])
def test_message_sets_lr_L_against_two_and_predicted_against_measured(view, lr, kappa, x1, x2):
    message = view.update(lr=lr, kappa=kappa, x1=x1, x2=x2)
    # Independent numbers: the curvatures are 1/kappa (x1) and 1 (x2), L = 1.
    factors = [abs(1 - lr / kappa)] * (x1 != 0) + [abs(1 - lr)] * (x2 != 0)
    run = descend(ill_conditioned(kappa), SGD(lr=lr), [x1, x2], steps=view.STEPS)
    d = np.hypot(run.points[:, 0], run.points[:, 1])
    edge, predicted, measured = numbers(message)[:3]
    assert edge == pytest.approx(lr, abs=5e-4)
    assert predicted == pytest.approx(max(factors), abs=5e-5)
    assert measured == pytest.approx(geometric_mean_of_last_ratios(d), abs=5e-5)
    expected = {True: "< 2: stable", False: "> 2: unstable"}[lr < 2] if lr != 2 else "edge"
    assert expected in message
    if run.stop_reason == "diverged":
        assert f"Diverged at step {run.steps}." in message
    else:
        assert f"after {view.STEPS} steps: {d[-1]:.3g}." in message


def test_measured_matches_predicted_where_theory_says_it_must():
    view = LearningRateValley(new_figure((9.0, 3.4)))
    for kappa in KAPPAS:
        best = 2 / (1 / kappa + 1)
        _, predicted, measured = numbers(view.update(lr=best, kappa=kappa, x1=-8.0, x2=3.0))[:3]
        assert predicted == pytest.approx((kappa - 1) / (kappa + 1), abs=5e-5)
        assert measured == pytest.approx(predicted, abs=1e-4)


def test_start_at_the_minimiser_and_impossible_values_give_messages_not_exceptions():
    view = LearningRateValley(new_figure((9.0, 3.4)))
    assert "start is the minimiser" in view.update(lr=1.0, kappa=10, x1=0.0, x2=0.0)
    explorer = lr_explorer()
    _, message = explorer.render(lr=1.0, kappa=0.5, x1=-8.0, x2=3.0)
    assert message.startswith("Cannot draw this") and "kappa must be >= 1" in message
    _, message = explorer.render(lr=0.0, kappa=10, x1=-8.0, x2=3.0)
    assert message.startswith("Cannot draw this") and "lr must be > 0" in message


def test_a_kappa_the_slider_does_not_offer_is_drawn_once_and_kept():
    view = LearningRateValley(new_figure((9.0, 3.4)))
    view.update(lr=1.0, kappa=3, x1=-8.0, x2=3.0)
    assert 3 in view.contours and view.contours[3].get_visible()
    first = view.contours[3]
    view.update(lr=1.0, kappa=10, x1=-8.0, x2=3.0)
    view.update(lr=1.0, kappa=3, x1=-8.0, x2=3.0)
    assert view.contours[3] is first
    assert [k for k, cs in view.contours.items() if cs.get_visible()] == [3]


def test_widget_redraws_when_sliders_move():
    widget = lr_explorer()
    assert isinstance(widget, Explorer)
    sliders = {name: control for name, control in widget.controls.items()}
    assert set(sliders) == {"lr", "kappa", "x1", "x2"}
    assert list(sliders["kappa"].options) == list(KAPPAS)
    before = bytes(widget.image.value)
    assert before.startswith(PNG_MAGIC)
    sliders["kappa"].value = 100
    after_kappa = bytes(widget.image.value)
    assert after_kappa != before and "lr·L = 0.500" in widget.message.value
    sliders["lr"].value = 2.2
    assert bytes(widget.image.value) != after_kappa
    assert "unstable" in widget.message.value
