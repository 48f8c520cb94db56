"""The gradient explorer of chapter 2: what it draws and says, checked against the math."""

import itertools
import re
import warnings

import numpy as np
import pytest

from helpers.book.explore_gradient import (
    GradientView,
    angle_between,
    directional_derivative,
    gradient_explorer,
)
from helpers.book.widgets import figure_png, new_figure
from helpers.problems import Bumpy, bowl

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def exact_gradient(surface, x, y):
    """The gradients written out by hand, independently of helpers.problems."""
    if surface == "bowl":
        return np.array([2 * x, 4 * y])
    return np.array(
        [np.cos(x) * np.cos(y) + x / 4, -np.sin(x) * np.sin(y) + y / 4]
    )  # sin(x)cos(y) + (x² + y²)/8


@pytest.fixture(scope="module")
def view():
    return GradientView(new_figure((9.0, 3.8)))


def test_every_slider_corner_draws_the_gradient_without_warnings(view):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for surface, x, y, angle in itertools.product(
            ["bowl", "bumpy"],
            [-4.0, -0.3, 2.0, 4.0],
            [-4.0, 1.0, 4.0],
            [-180.0, -35.0, 90.0, 180.0],
        ):
            message = view.update(surface=surface, x1=x, x2=y, angle=angle)
            if angle == -35.0:  # drawing is the slow part: render a quarter of the corners
                assert figure_png(view.map_ax.figure).startswith(PNG_MAGIC)
            g = exact_gradient(surface, x, y)
            norm = np.linalg.norm(g)
            e = g / norm
            u = np.array([np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))])
            # the three arrows start at the point: ∇f, −∇f and u, all of the same drawn length
            np.testing.assert_allclose(view.arrows.get_offsets(), [[x, y]] * 3)
            drawn = np.column_stack([view.arrows.U, view.arrows.V])
            np.testing.assert_allclose(drawn, view.ARROW * np.array([e, -e, u]), atol=1e-12)
            # the dotted tangent is perpendicular to the gradient and passes through the point
            tx, ty = view.tangent.get_data()
            direction = np.array([tx[1] - tx[0], ty[1] - ty[0]])
            assert abs(direction @ g) < 1e-12 * norm * np.linalg.norm(direction)
            assert np.mean(tx) == pytest.approx(x) and np.mean(ty) == pytest.approx(y)
            # the curve is ‖∇f‖ cos(θ − θ_g), its peak ‖∇f‖ at the gradient's angle
            thetas, slopes = view.curve.get_data()
            theta_g = np.arctan2(g[1], g[0])
            np.testing.assert_allclose(
                slopes, norm * np.cos(np.deg2rad(thetas) - theta_g), atol=1e-12 * norm
            )
            (px,), (py,) = view.peak.get_data()
            assert (np.deg2rad(px), py) == pytest.approx((theta_g, norm))
            assert view.chosen.get_data()[1][0] == pytest.approx(g @ u)
            assert f"‖∇f‖ = {norm:.3f}" in message
            assert view.contours[surface].get_visible()
            assert not view.contours["bowl" if surface == "bumpy" else "bumpy"].get_visible()


def test_message_compares_the_measured_slope_with_the_cosine_formula(view):
    message = view.update(surface="bumpy", x1=1.0, x2=-1.5, angle=120.0)
    g = exact_gradient("bumpy", 1.0, -1.5)
    phi = np.deg2rad(120.0) - np.arctan2(g[1], g[0])
    numbers = re.search(r"slope measured (-?\d+\.\d+); ‖∇f‖·cos [\d.]+° = (-?\d+\.\d+)", message)
    measured, predicted = map(float, numbers.groups())
    assert measured == pytest.approx(np.linalg.norm(g) * np.cos(phi), abs=1.5e-3)
    assert measured == pytest.approx(predicted, abs=1.5e-3)
    # along the gradient the slope is the norm; across it, zero
    theta_g = np.rad2deg(np.arctan2(g[1], g[0]))
    along = view.update(surface="bumpy", x1=1.0, x2=-1.5, angle=theta_g)
    assert "0.0° away from ∇f" in along
    assert f"slope measured {np.linalg.norm(g):.3f}" in along


def test_a_stationary_point_gets_its_own_message(view):
    message = view.update(surface="bowl", x1=0.0, x2=0.0, angle=30.0)
    assert message.startswith("At (0.00, 0.00) the gradient is 0")
    assert len(view.peak.get_data()[0]) == 0


def test_directional_derivative_is_the_dot_product_with_the_gradient():
    rng = np.random.default_rng(1)
    for problem in (bowl(), Bumpy()):
        for _ in range(20):
            p = rng.uniform(-4, 4, 2)
            angle = rng.uniform(-180, 180)
            u = np.array([np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))])
            g = exact_gradient("bowl" if problem.name.startswith("f(x, y)") else "bumpy", *p)
            assert directional_derivative(problem, p, angle) == pytest.approx(g @ u, abs=1e-8)


def test_angle_between_wraps_into_a_half_turn():
    assert angle_between(170, -170) == -20
    assert angle_between(-170, 170) == 20
    assert angle_between(45, 45) == 0
    assert angle_between(0, 180) == 180


def test_impossible_values_become_messages_not_tracebacks():
    explorer = gradient_explorer()
    _, message = explorer.render(surface="rosenbrock", x1=1.0, x2=1.0, angle=0.0)
    assert message.startswith("Cannot draw this: surface must be one of bowl, bumpy")
    _, message = explorer.render(surface="bowl", x1=9.0, x2=1.0, angle=0.0)
    assert "must lie in the square" in message


def test_widget_redraws_when_a_control_moves():
    widget = gradient_explorer()
    controls = widget.controls
    before = bytes(widget.image.value)
    assert before.startswith(PNG_MAGIC) and "‖∇f‖ = 5.000" in widget.message.value
    controls["surface"].value = "bumpy"
    assert bytes(widget.image.value) != before
    controls["angle"].value = 90.0
    assert "Along θ = 90°" in widget.message.value
