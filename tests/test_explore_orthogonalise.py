"""The Newton–Schulz explorer of chapter 8: what it draws and says, against the SVD and maths."""

import inspect
import itertools
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.colors import to_hex
from numpy.polynomial import Polynomial

from helpers.book.explore_orthogonalise import (
    COEFFICIENTS,
    OrthogonaliseView,
    chapter7_gradient,
    newton_schulz_explorer,
)
from helpers.book.plots import BLACK, BLUE
from helpers.book.widgets import Explorer, figure_png, new_figure, static_html
from helpers.data import load_digits, train_test_split
from helpers.network import MLP
from helpers.optim import newton_schulz

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parent.parent
COMBOS = [(0, "Muon quintic"), (1, "cubic"), (5, "Muon quintic"), (5, "quintic, converging"),
          (6, "cubic"), (6, "Muon quintic")]  # fmt: skip


def p(coefficients):
    """p(s) = as + bs³ + cs⁵ as a numpy Polynomial (its derivatives at 1 are the test)."""
    a, b, c = COEFFICIENTS[coefficients]
    return Polynomial([0, a, 0, b, 0, c])


def p_k(coefficients, k):
    """pᵏ: p applied k times, each time by numpy's own evaluation of the polynomial."""

    def apply(s):
        for _ in range(k):
            s = p(coefficients)(s)
        return s

    return apply


def singular_values(M):
    return np.linalg.svd(M, compute_uv=False)


def spread_matrix(m, n, seed=0):
    """An m × n matrix with singular values 1 down to 1e-5, and random singular vectors."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, min(m, n))))
    V, _ = np.linalg.qr(rng.standard_normal((n, min(m, n))))
    return U @ np.diag(np.geomspace(1, 1e-5, min(m, n))) @ V.T


@pytest.fixture(scope="module")
def view():
    return OrthogonaliseView(new_figure((9.0, 3.4)), chapter7_gradient())


def test_the_coefficient_sets_are_the_polynomials_the_chapter_names():
    default = inspect.signature(newton_schulz).parameters["ns_coefficients"].default
    assert COEFFICIENTS["Muon quintic"] == default  # torch.optim.Muon's, as newton_schulz's
    for name in ("cubic", "quintic, converging"):  # fixed point 1, reached with slope 0
        assert p(name)(1.0) == pytest.approx(1.0, abs=1e-15)
        assert p(name).deriv()(1.0) == pytest.approx(0.0, abs=1e-15)
    assert p("quintic, converging").deriv(2)(1.0) == pytest.approx(0.0, abs=1e-14)
    assert p("Muon quintic")(1.0) == pytest.approx(0.7010, abs=1e-4)  # never converges
    assert COEFFICIENTS["cubic"] == (1.5, -0.5, 0.0)


@pytest.mark.parametrize("steps, coefficients", COMBOS)
def test_the_blue_dots_are_the_singular_values_newton_schulz_makes(view, steps, coefficients):
    G = chapter7_gradient()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view.update(steps=steps, coefficients=coefficients)
        assert figure_png(view.sv_ax.figure).startswith(PNG_MAGIC)
    expected = singular_values(newton_schulz(G, steps, COEFFICIENTS[coefficients]))
    index, drawn = view.s_out.get_data()
    np.testing.assert_allclose(drawn, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(index, np.arange(1, 33))
    grey = view.sv_ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(grey, singular_values(G) / np.linalg.norm(G), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("coefficients", COEFFICIENTS)
def test_with_no_step_the_blue_dots_are_those_of_G_over_its_norm(view, coefficients):
    G = chapter7_gradient()
    view.update(steps=0, coefficients=coefficients)
    s = singular_values(G) / np.linalg.norm(G)
    np.testing.assert_allclose(view.s_out.get_ydata(), s, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(view.dots.get_ydata(), s, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(view.curve.get_ydata(), view.curve.get_xdata(), rtol=1e-15)


@pytest.mark.parametrize("shape", [None, (40, 12), (12, 40)])  # chapter 7's G, tall, wide
def test_newton_schulz_maps_each_singular_value_by_the_scalar_map(shape):
    G = chapter7_gradient() if shape is None else spread_matrix(*shape)
    view = OrthogonaliseView(new_figure((9.0, 3.4)), G)
    U, s, Vt = np.linalg.svd(G / np.linalg.norm(G), full_matrices=False)
    kept = s >= 1e-3
    for steps, coefficients in itertools.product(range(7), COEFFICIENTS):
        view.update(steps=steps, coefficients=coefficients)
        O = newton_schulz(G, steps, COEFFICIENTS[coefficients])
        mapped = p_k(coefficients, steps)(s)
        # the curve is pᵏ on its grid, and the marks sit on it at G's singular values
        np.testing.assert_allclose(view.curve.get_xdata(), np.geomspace(1e-4, 1, 300))
        np.testing.assert_allclose(
            view.curve.get_ydata(), p_k(coefficients, steps)(view.curve.get_xdata()), rtol=1e-9
        )
        np.testing.assert_array_equal(view.dots.get_xdata(), s)
        np.testing.assert_allclose(view.dots.get_ydata(), mapped, rtol=1e-9, atol=1e-15)
        # and their heights are O's singular values: as a set, and one by one (uᵢᵀ·O·vᵢ)
        # (atol: a zero singular value is rounding noise of 1e-17, which a¹⁰ = 2.4e5 raises)
        after = np.sort(singular_values(O))
        np.testing.assert_allclose(after, np.sort(mapped), rtol=1e-8, atol=1e-10)
        diagonal = np.diag(U.T @ O @ Vt.T)
        np.testing.assert_allclose(diagonal[kept], mapped[kept], rtol=1e-8)
        np.testing.assert_allclose(view.follow(O), diagonal, rtol=1e-12, atol=1e-15)
        # U and V stay: Uᵀ·O·V is diagonal
        assert np.abs(U.T @ O @ Vt.T - np.diag(diagonal)).max() < 1e-10


def numbers(message):
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", message)]


@pytest.mark.parametrize("steps, coefficients", COMBOS)
def test_the_message_gives_the_range_the_cost_and_the_worst_singular_value(
    view, steps, coefficients
):
    message = view.update(steps=steps, coefficients=coefficients)
    G = chapter7_gradient()
    s = singular_values(G) / np.linalg.norm(G)
    counted = s[s >= 1e-3]
    assert len(counted) == 29  # of 32: one at 5.7e-4, two at 0 (rank 30)
    O = newton_schulz(G, steps, COEFFICIENTS[coefficients])
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    after = np.diag(U.T @ O @ Vt.T)[s >= 1e-3]
    low, high, worst = after.min(), after.max(), np.abs(after - 1).max()
    plural = "step" if steps == 1 else "steps"
    assert message.startswith(f"{coefficients}, {steps} {plural} = {3 * steps} matrix products")
    assert ("of which a cubic needs" in message) == (coefficients == "cubic" and steps > 0)
    if coefficients == "cubic" and steps:
        assert f"of which a cubic needs {2 * steps}:" in message
    assert "the 29 singular values ≥ ‖G‖_F/1000 (of 32)" in message
    assert message.endswith(f"lie in [{low:.3g}, {high:.3g}], the worst {worst:.3g} from 1.")
    assert numbers(message)[-4:-1] == [float(f"{v:.3g}") for v in (low, high, worst)]


def test_muon_is_fast_but_rough_and_the_converging_quintic_slow_but_exact(view):
    def worst(steps, coefficients):
        return numbers(view.update(steps=steps, coefficients=coefficients))[-2]

    assert worst(5, "Muon quintic") < 0.5 < worst(5, "quintic, converging") < worst(5, "cubic")
    assert worst(6, "Muon quintic") > 0.3  # it never goes to 1: p(1) = 0.70
    assert worst(6, "cubic") > 0.9  # 1.5ᵏ·0.0011 is still far from 1 after 6 steps


def test_the_static_version_has_one_frame_per_steps_and_coefficients_pair():
    explorer = newton_schulz_explorer()
    page = static_html(explorer)
    frames = json.loads(re.search(r'<script type="application/json">(.*?)</script>', page)[1])
    pairs = list(itertools.product(range(7), COEFFICIENTS))
    assert len(frames) == len(pairs) == 21
    for frame, (steps, coefficients) in zip(frames, pairs, strict=True):
        assert frame["message"].startswith(f"{coefficients}, {steps} step")
        assert f"steps = {steps}, coefficients = {coefficients}." in frame["alt"]
    assert explorer.message.value.startswith("<b>Muon quintic, 5 steps")  # live view restored


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"G": np.ones(5)}, "G must be a non-zero finite matrix"),
        ({"G": np.ones((2, 3, 4))}, "G must be a non-zero finite matrix"),
        ({"G": np.zeros((4, 3))}, "G must be a non-zero finite matrix"),
        ({"G": np.zeros((0, 3))}, "G must be a non-zero finite matrix"),
        ({"G": [[1.0, np.inf]]}, "G must be finite"),
        ({"G": [[1.0, np.nan]]}, "G must not contain NaN"),
        ({"G": "gradient"}, "G must be a number"),
        ({"steps": 7}, "steps must be a whole number from 0 to 6"),
        ({"steps": -1}, "steps must be a whole number >= 0"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"steps": True}, "steps must be a whole number"),
        ({"coefficients": "quartic"}, "coefficients must be one of"),
        ({"coefficients": (3.4445, -4.775, 2.0315)}, "coefficients must be one of"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_them(kwargs, argument):
    with pytest.raises(ValueError, match=re.escape(argument)):
        newton_schulz_explorer(**kwargs)


def test_in_the_widget_a_bad_value_becomes_a_message():
    explorer = newton_schulz_explorer(G=spread_matrix(6, 4))
    _, message = explorer.render(steps=8, coefficients="cubic")
    assert message == "Cannot draw this: steps must be a whole number from 0 to 6, got 8"
    _, message = explorer.render(steps=3, coefficients="Newton")
    assert message.startswith("Cannot draw this: coefficients must be one of")


def test_the_default_G_is_the_chapter_7_gradient_computed_once_and_not_on_import():
    G = chapter7_gradient()
    assert G.shape == (64, 32) and chapter7_gradient() is G and not G.flags.writeable
    X, y = load_digits()
    X_rest, _, y_rest, _ = train_test_split(X, y, test_fraction=0.2, seed=0)
    X_train, _, y_train, _ = train_test_split(X_rest, y_rest, test_fraction=0.2, seed=0)
    net = MLP(X_train, y_train, hidden=32)
    x0 = net.init_params(np.random.default_rng(0))
    np.testing.assert_array_equal(G, net.unpack(net.grad(x0))["W1"])
    code = ("import helpers.book.explore_orthogonalise as m; "
            "print(m.chapter7_gradient.cache_info().currsize)")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "0", done.stderr


def test_the_widget_redraws_when_its_controls_move_and_uses_only_theme_colours():
    explorer = newton_schulz_explorer()
    assert isinstance(explorer, Explorer)
    steps, dropdown = explorer.controls["steps"], explorer.controls["coefficients"]
    assert (steps.min, steps.max, steps.value) == (0, 6, 5)
    assert isinstance(dropdown, widgets.Dropdown) and list(dropdown.options) == list(COEFFICIENTS)
    before = bytes(explorer.image.value)
    steps.value = 2
    after_steps = bytes(explorer.image.value)
    assert after_steps != before and after_steps.startswith(PNG_MAGIC)
    assert explorer.message.value.startswith("<b>Muon quintic, 2 steps = 6 matrix products")
    dropdown.value = "cubic"
    assert bytes(explorer.image.value) != after_steps
    assert "cubic, 2 steps = 6 matrix products, of which a cubic needs 4" in explorer.message.value
    colours = {to_hex(line.get_color()) for ax in explorer.view.sv_ax.figure.axes
               for line in ax.get_lines()}  # fmt: skip
    assert colours == {to_hex(BLACK), to_hex(BLUE)}  # named colours: they follow the theme
