"""The digits explorer: what a move draws, what it says, and bad combinations as messages."""

import itertools
import warnings

import numpy as np
import pytest

from helpers.book.explore_digits import DigitBrowser, digits_explorer
from helpers.book.plots import BLUE, GREEN, VERMILION
from helpers.book.widgets import Explorer, figure_png, new_figure
from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.network import MLP
from helpers.optim import SGD, Adam

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    """Two short training runs of the chapter's network: (net, params, curves, X_test, y_test)."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    net = MLP(X_train, y_train, hidden=16)
    rng = np.random.default_rng(0)
    x0 = net.init_params(rng)
    params, curves = {}, {}
    for name, opt in (("SGD", SGD(lr=0.3)), ("Adam", Adam(lr=0.01))):
        x, accs = x0, []
        for _ in range(3):
            x = descend(net, opt, x, epochs=1, batch_size=64, rng=rng, record_points=False).x
            accs.append(net.accuracy(x, X_test, y_test))
        params[name], curves[name] = x, np.array(accs)
    return net, params, curves, X_test, y_test


def probabilities(net, x, X):
    """The forward pass written out again, independently of the view."""
    p = net.unpack(x)
    z = np.maximum(X @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_every_corner_draws_the_digit_its_probabilities_and_its_curve(trained):
    net, params, curves, X_test, y_test = trained
    fig = new_figure()
    view = DigitBrowser(fig, net, params, X_test, y_test, curves)
    bottom, top = view.curve_ax.get_ylim()
    assert top == 100.5 and 0 <= bottom <= min(100 * c[-1] for c in curves.values()) - 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model, show in itertools.product(params, ["all", "mistakes"]):
            proba = probabilities(net, params[model], X_test)
            pred = proba.argmax(axis=1)
            rows = np.arange(len(y_test)) if show == "all" else np.flatnonzero(pred != y_test)
            assert len(rows) > 1
            for index in (0, 1, len(rows) - 1):
                message = view.update(model=model, show=show, index=index)
                assert figure_png(fig).startswith(PNG_MAGIC)
                i = rows[index]
                np.testing.assert_array_equal(view.image.get_array(), X_test[i].reshape(8, 8))
                heights = [bar.get_height() for bar in view.bars]
                np.testing.assert_allclose(heights, proba[i], rtol=1e-12, atol=1e-15)
                colours = [bar.get_facecolor() for bar in view.bars]
                assert colours[y_test[i]] == pytest.approx(_rgba(GREEN))
                if pred[i] != y_test[i]:
                    assert colours[pred[i]] == pytest.approx(_rgba(VERMILION))
                others = set(range(10)) - {y_test[i], pred[i]}
                assert all(colours[j] == pytest.approx(_rgba(BLUE)) for j in others)
                xs, ys = view.highlight.get_data()
                np.testing.assert_array_equal(xs, [1, 2, 3])
                np.testing.assert_allclose(ys, 100 * curves[model])
                verdict = "right" if pred[i] == y_test[i] else "wrong"
                accuracy = np.mean(pred == y_test)
                assert message == (
                    f"Digit {i} (label {y_test[i]}): {model} says {pred[i]} with probability "
                    f"{proba[i, pred[i]]:.3f}, {verdict}. It gets {accuracy:.1%} of the "
                    f"{len(y_test)} test digits right."
                )


def _rgba(hex_colour):
    from matplotlib.colors import to_rgba

    return to_rgba(hex_colour)


def test_only_the_mistakes_are_shown_when_asked(trained):
    net, params, curves, X_test, y_test = trained
    view = DigitBrowser(new_figure(), net, params, X_test, y_test)
    for model in params:
        pred = probabilities(net, params[model], X_test).argmax(axis=1)
        wrong = np.flatnonzero(pred != y_test)
        np.testing.assert_array_equal(view.rows(model, "mistakes"), wrong)
        for index in range(len(wrong)):
            assert ", wrong." in view.update(model=model, show="mistakes", index=index)


def test_a_bad_combination_is_a_message_not_an_exception(trained):
    net, params, curves, X_test, y_test = trained
    import ipywidgets as widgets

    n_wrong = len(np.flatnonzero(net.predict(params["Adam"], X_test) != y_test))
    explorer = Explorer(
        {
            "model": widgets.Dropdown(options=list(params)),
            "show": widgets.Dropdown(options=["all"]),
            "index": widgets.IntSlider(),
        },
        lambda fig: DigitBrowser(fig, net, params, X_test, y_test, curves),
    )
    png, message = explorer.render(model="Adam", show="mistakes", index=n_wrong)
    assert png.startswith(PNG_MAGIC)
    assert message == (
        f"Cannot draw this: Adam gets {n_wrong} test digits wrong: choose an index below {n_wrong}"
    )
    _, message = explorer.render(model="Adam", show="all", index=len(y_test))
    assert message == f"Cannot draw this: index must be in [0, {len(y_test)}), got {len(y_test)}"
    _, message = explorer.render(model="nobody", show="all", index=0)
    assert message.startswith("Cannot draw this: model must be one of ['SGD', 'Adam']")


def test_the_widget_redraws_when_a_control_moves(trained):
    net, params, curves, X_test, y_test = trained
    widget = digits_explorer(net, params, X_test, y_test, curves=curves)
    model, show, index = widget.children[0].children
    image, message = widget.children[2], widget.children[1]
    before = bytes(image.value)
    assert before.startswith(PNG_MAGIC) and "Digit 0 " in message.value
    index.value = 5
    assert bytes(image.value) != before and "Digit 5 " in message.value
    model.value = "Adam"
    show.value = "mistakes"
    first_mistake = np.flatnonzero(net.predict(params["Adam"], X_test) != y_test)[0]
    index.value = 0
    assert f"Digit {first_mistake} " in message.value and "wrong" in message.value
    index.value = len(y_test) - 1
    assert "Cannot draw this" in message.value


def test_a_view_without_curves_has_two_panels(trained):
    net, params, curves, X_test, y_test = trained
    fig = new_figure()
    view = DigitBrowser(fig, net, params, X_test, y_test)
    assert len(fig.axes) == 2 and view.curves is None
    assert view.update(model="SGD", index=3).startswith("Digit 3 ")
    with pytest.raises(ValueError, match="at least one"):
        DigitBrowser(new_figure(), net, {}, X_test, y_test)


def test_called_bare_it_trains_the_default_models_itself():
    widget = digits_explorer()
    model, show, index = widget.children[0].children
    assert list(model.options) == ["SGD lr=0.3", "momentum lr=0.05", "Adam lr=0.03"]
    assert index.max == 358
    view = widget.view
    assert len(view.curves["Adam lr=0.03"]) == 20
    # the default models really were trained: well above chance on the test digits
    for name in model.options:
        assert 1 - len(view.wrong[name]) / len(view.y) > 0.9


def test_half_the_arguments_is_a_value_error(trained):
    net, params, curves, X_test, y_test = trained
    with pytest.raises(ValueError, match="together, or none of them"):
        digits_explorer(net, params)
