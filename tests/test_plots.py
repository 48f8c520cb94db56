"""The plotting functions: what they draw, and clear errors for what they cannot draw."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.book.plots import (
    BOOK_STYLE,
    PALETTE,
    loss_grid,
    plot_contour,
    plot_losses,
    plot_steps_1d,
    plot_surface,
    use_book_style,
)
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import Bumpy, Parabola, bowl


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_importing_changes_no_style_and_use_book_style_does():
    default = matplotlib.rcParamsDefault["axes.prop_cycle"]
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        import helpers.book.plots  # noqa: F401

        assert matplotlib.rcParams["axes.prop_cycle"] == default
        use_book_style()
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == list(PALETTE)
        assert matplotlib.rcParams["figure.dpi"] == BOOK_STYLE["figure.dpi"]


def test_steps_on_the_curve():
    run = descend(Parabola(), SGD(lr=0.1), 10.0, steps=5)
    ax = plot_steps_1d(Parabola(), run.points)
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"][0]
    np.testing.assert_allclose(dots.get_xdata(), run.points)
    np.testing.assert_allclose(dots.get_ydata(), run.points**2)
    assert [t.get_text() for t in ax.texts] == ["x₀", "x₁", "x₂"]


def test_contour_with_paths_and_the_grid_it_draws():
    X, Y, Z = loss_grid(bowl(), (-1, 1), (-2, 2), resolution=5)
    np.testing.assert_allclose(Z, X**2 + 2 * Y**2)
    run = descend(bowl(), SGD(lr=0.1), [3.0, 4.0], steps=10)
    ax = plot_contour(bowl(), [run.points, run.points[::2]], labels=["a", "b"])
    path = [line for line in ax.get_lines() if line.get_label() == "a"][0]
    np.testing.assert_allclose(path.get_xydata(), run.points)
    assert ax.get_xlim() == (-5.0, 5.0)


def test_losses_on_a_log_axis_and_an_all_zero_curve_stays_linear():
    ax = plot_losses({"a": [4.0, 2.0, 1.0], "b": [3.0, 1.0, 0.5]})
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    ax = plot_losses({"at the minimum": [0.0, 0.0, 0.0]})
    assert ax.get_yscale() == "linear"
    ax = plot_losses({"a": [5.0, 3.0]}, minimum=1.0)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [4.0, 2.0])


def test_surface_with_a_path():
    ax = plot_surface(Bumpy(), resolution=10, path=[[0.0, 0.0], [1.0, 1.0]])
    assert ax.name == "3d"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: plot_steps_1d(bowl(), [1.0]), "problem must be a function of one number"),
        (lambda: plot_steps_1d(Parabola(), [np.nan]), "points must hold at least one"),
        (lambda: plot_contour(Parabola()), "problem must be a function of 2 numbers"),
        (lambda: plot_contour(bowl(), xlim=(1, -1)), "xlim must be a pair"),
        (lambda: plot_contour(bowl(), ylim=(0, 1, 2)), "ylim must be a pair"),
        (lambda: plot_contour(bowl(), levels=1), "levels must be a whole number >= 2"),
        (lambda: plot_contour(bowl(), [np.zeros(3)]), r"paths\[0\] must be an array"),
        (lambda: plot_contour(bowl(), [np.zeros((2, 2))], labels=[]), "labels must give one"),
        (lambda: plot_losses({}), "curves must be a non-empty dict"),
        (lambda: plot_surface(bowl(), resolution=1), "resolution must be a whole number >= 2"),
        (lambda: plot_contour("bowl"), "problem must be a helpers.problems.Problem"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
