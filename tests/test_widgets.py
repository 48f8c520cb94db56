"""Explorers: the work a slider move does, called as plain functions, without a browser."""

import itertools
import json
import re
import warnings

import ipywidgets
import numpy as np
import pytest

from helpers.book.widgets import Explorer, LearningRate1D, figure_png, lr_explorer_1d, new_figure

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_lr_explorer_draws_and_reports_every_slider_corner_without_warnings():
    fig = new_figure()
    view = LearningRate1D(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lr, steps, x0 in itertools.product(
            [1e-3, 0.1, 0.5, 0.99, 1.0, 1.2], [1, 50], [-10.0, 0.0, 0.5, 10.0]
        ):
            message = view.update(lr=lr, steps=steps, x0=x0)
            assert message
            assert figure_png(fig).startswith(PNG_MAGIC)
            # on x² a step multiplies x by 1 − 2·lr: the dots are x₀·(1 − 2·lr)^k on the curve
            xs, ys = view.dots.get_data()
            assert len(xs) == steps + 1 or message.startswith("Diverged")
            np.testing.assert_allclose(xs, x0 * (1 - 2 * lr) ** np.arange(len(xs)), rtol=1e-12)
            np.testing.assert_array_equal(ys, xs**2)


def test_lr_explorer_message_follows_the_factor():
    view = LearningRate1D(new_figure())
    assert "multiplies x by 0.800" in view.update(lr=0.1, steps=20, x0=10.0)
    assert view.update(lr=1.2, steps=50, x0=10.0).startswith("Diverged at step 21")


def test_widget_redraws_when_the_slider_moves():
    widget = lr_explorer_1d()
    sliders = {w.description: w for w in widget.children[0].children}
    image = widget.children[2]
    before = bytes(image.value)
    assert before.startswith(PNG_MAGIC)
    sliders["lr"].value = 0.9
    assert bytes(image.value) != before and bytes(image.value).startswith(PNG_MAGIC)
    assert "-0.800" in widget.children[1].value


def test_a_value_error_becomes_a_message_not_a_traceback():
    class View:
        def __init__(self, fig):
            (self.line,) = fig.subplots().plot([0, 1])

        def update(self, k):
            if k < 0:
                raise ValueError("k must be >= 0")
            self.line.set_ydata([0, k])
            return "ok"

    import ipywidgets as widgets

    slider = widgets.IntSlider(value=1, min=-2, max=3)
    explorer = Explorer({"k": slider}, View)
    assert explorer.message.value == "<b>ok</b>"
    slider.value = -1
    assert "k must be &gt;= 0" in explorer.message.value
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)


def test_the_picture_changes_with_the_learning_rate():
    import ipywidgets as widgets

    explorer = Explorer({"lr": widgets.FloatSlider(value=0.1)}, LearningRate1D)
    first, _ = explorer.render(lr=0.1)
    second, _ = explorer.render(lr=0.2)
    again, _ = explorer.render(lr=0.1)
    assert first != second and first == again


def test_bad_explorer_arguments_raise_value_errors():
    import ipywidgets as widgets

    from helpers.book.widgets import control_values

    with pytest.raises(ValueError, match="controls must be a dict"):
        Explorer([widgets.IntSlider()], LearningRate1D)
    with pytest.raises(ValueError, match="view must be a class or function"):
        Explorer({"lr": widgets.FloatSlider()}, "LearningRate1D")
    with pytest.raises(ValueError, match="count must be a whole number >= 1"):
        control_values(widgets.FloatSlider(), 0)


def test_static_frames_cover_the_slider_and_restore_the_live_view():
    import ipywidgets as widgets

    from helpers.book.widgets import control_values, static_html

    slider = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, description="lr")
    values = control_values(slider, 4)
    np.testing.assert_allclose(values, [1e-3, 1e-2, 1e-1, 1.0])
    off_grid = widgets.FloatLogSlider(value=0.05, base=10, min=-3, max=0)
    np.testing.assert_allclose(control_values(off_grid, 4), [1e-3, 1e-2, 0.05, 1e-1, 1.0])
    explorer = Explorer({"lr": slider}, LearningRate1D)
    live = bytes(explorer.image.value)
    page = static_html(explorer, count=4)
    assert page.count('"image": "') == len(values)
    assert "lr = 0.001" in page and "Explorer frame for" in page
    # Without a script (an untrusted notebook, no JavaScript) the page shows the frame of
    # the slider's own value, lr = 0.1, and hides the sliders that could not move it.
    frames = json.loads(re.search(r'<script type="application/json">(.*?)</script>', page)[1])
    shown = re.search(r'<img src="data:image/webp;base64,([^"]+)" alt="([^"]+)"', page)
    assert shown[1] == frames[2]["image"] and "lr = 0.1." in shown[2]
    assert '<div class="gd-static-controls" hidden>' in page
    explorer.refresh()
    assert bytes(explorer.image.value) == live


def test_static_sliders_have_names_and_spoken_values_and_the_message_is_announced():
    import html

    from helpers.book.widgets import static_html

    controls = {
        "lr": ipywidgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, description="lr"),
        "steps": ipywidgets.IntSlider(value=20, min=1, max=50, description="steps"),
        "x0": ipywidgets.FloatSlider(value=-5.0, min=-10, max=10, description="start x₀"),
    }
    explorer = Explorer(controls, LearningRate1D, static={"lr": [0.01, 0.1], "x0": [-5.0, 5.0]})
    page = static_html(explorer)
    slider = r'<label class="gd-static-control">([^<]*) <input ([^>]*)>(.*?)</label>'
    sliders = re.findall(slider, page)
    assert [label for label, _, _ in sliders] == ["lr", "start x₀"]
    for (label, attributes, output), shown in zip(sliders, ["0.1", "-5"], strict=True):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        assert attrs["type"] == "range"
        # the name a screen reader says is the label the reader sees
        assert attrs["aria-label"] == label
        # and the value it says is the one shown next to the slider, not the frame's index
        assert html.unescape(attrs["aria-valuetext"]) == shown
        labels = json.loads(html.unescape(re.search(r"data-labels='([^']*)'", attributes)[1]))
        assert labels[int(attrs["value"])] == shown
        assert output == f'<output aria-hidden="true">{shown}</output>'
    message = re.search(r'<p class="gd-static-message"([^>]*)>([^<]*)</p>', page)
    assert message[1] == ' aria-live="polite"' and message[2].startswith("After 20 steps")
    # the player says each new value too, as it changes the frame
    assert 'setAttribute("aria-valuetext", labels[input.value])' in page


def test_control_and_label_widths_apply_to_every_control_and_wrap_the_row():
    from helpers.book.explore_gradient import gradient_explorer
    from helpers.book.explore_lr import lr_explorer
    from helpers.book.explore_optimizers import optimizer_explorer

    for make, width, label in [
        (gradient_explorer, "330px", "80px"),
        (lr_explorer, "330px", "60px"),
        (optimizer_explorer, "300px", "70px"),
    ]:
        explorer = make()
        assert explorer.children[0].layout.flex_flow == "row wrap"
        for control in explorer.controls.values():
            assert control.layout.width == width
            assert control.style.description_width == label
    plain = lr_explorer_1d()  # no widths given: ipywidgets' defaults, one row
    assert plain.children[0].layout.flex_flow is None
    assert all(c.layout.width is None for c in plain.controls.values())


@pytest.mark.parametrize("name", ["control_width", "label_width"])
def test_widths_must_be_css_strings(name):
    controls = {"lr": ipywidgets.FloatSlider(value=0.1)}
    with pytest.raises(ValueError, match=name):
        Explorer(controls, LearningRate1D, **{name: 300})
