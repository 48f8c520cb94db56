"""Explorer of chapter 7: browse the test digits and what each trained network believes.

The training runs are done once, in the notebook; the explorer is given their
parameters (and, if wished, their test accuracy per epoch). Called bare, it
trains three models itself first. When it is made it computes every model's
probabilities for every test digit, so a slider move only picks a row and
moves a few artists: an image, ten bars and one line.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.book.plots import BLUE, DIGITS_CMAP, GREEN, VERMILION
from helpers.book.widgets import Explorer
from helpers.data import load_digits, train_test_split
from helpers.descent import descend
from helpers.network import MLP, Classifier
from helpers.optim import SGD, Adam

SHOW = (("all test digits", "all"), ("mistakes only", "mistakes"))


class DigitBrowser:
    """One test digit, a model's probability for each class, and the model's accuracy per epoch.

    ``params`` maps a model's name to its parameter vector for ``net``;
    ``curves`` (optional) maps the same names to test accuracy per epoch.
    The view of ``digits_explorer``. Chapter 7.
    """

    def __init__(
        self, fig: Figure, net: Classifier, params: dict, X_test, y_test, curves: dict | None = None
    ):
        if not params:
            raise ValueError("params must name at least one trained model")
        self.X, self.y = np.asarray(X_test, dtype=float), np.asarray(y_test)
        self.names = list(params)
        self.proba = {name: net.predict_proba(x, self.X) for name, x in params.items()}
        self.pred = {name: p.argmax(axis=1) for name, p in self.proba.items()}
        self.wrong = {name: np.flatnonzero(pred != self.y) for name, pred in self.pred.items()}
        self.curves = None if curves is None else {n: np.asarray(curves[n]) for n in self.names}
        k, side = net.n_classes, int(round(np.sqrt(self.X.shape[1])))
        if side * side != self.X.shape[1]:
            raise ValueError(f"X_test rows must be square images, got {self.X.shape[1]} pixels")
        axes = fig.subplots(
            1,
            3 if curves is not None else 2,
            gridspec_kw={"width_ratios": [1, 1.4, 1.4][: 3 if curves else 2]},
        )
        self.image_ax, self.bar_ax = axes[0], axes[1]
        self.image = self.image_ax.imshow(np.zeros((side, side)), cmap=DIGITS_CMAP, vmin=0, vmax=1)
        self.image_ax.set_axis_off()
        self.bars = self.bar_ax.bar(np.arange(k), np.zeros(k), color=BLUE)
        # Few tick labels: text is most of the drawing time of a move.
        self.bar_ax.set(
            xticks=np.arange(k),
            yticks=[0, 0.5, 1],
            ylim=(0, 1.05),
            xlabel="class",
            ylabel="probability",
        )
        self.bar_ax.grid(False, axis="x")
        if self.curves is not None:
            self.curve_ax = axes[2]
            for name in self.names:
                acc = 100 * self.curves[name]
                self.curve_ax.plot(np.arange(1, len(acc) + 1), acc, color="0.75", lw=1)
            (self.highlight,) = self.curve_ax.plot([], [], color=VERMILION, lw=2)
            # From 80 % up, as in the chapter's figure (early epochs may start below it),
            # lower only if some model ends lower.
            low = min(80.0, min(100 * float(c[-1]) for c in self.curves.values()) - 5)
            longest = max(len(c) for c in self.curves.values())
            self.curve_ax.set(
                xlim=(1, max(longest, 2)),
                ylim=(max(low, 0), 100.5),
                xlabel="epoch",
                ylabel="test accuracy (%)",
            )
            self.curve_ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            self.curve_ax.yaxis.set_major_locator(MaxNLocator(4))

    def rows(self, model: str, show: str) -> np.ndarray:
        """The test rows the index slider walks through: all of them, or the model's mistakes."""
        if model not in self.proba:
            raise ValueError(f"model must be one of {self.names}, got {model!r}")
        if show not in ("all", "mistakes"):
            raise ValueError(f"show must be 'all' or 'mistakes', got {show!r}")
        return np.arange(len(self.y)) if show == "all" else self.wrong[model]

    def update(self, model: str, show: str = "all", index: int = 0) -> str:
        rows = self.rows(model, show)
        if not 0 <= index < len(rows):
            if show == "mistakes":
                raise ValueError(
                    f"{model} gets {len(rows)} test digits wrong: choose an index below {len(rows)}"
                )
            raise ValueError(f"index must be in [0, {len(rows)}), got {index}")
        i = int(rows[index])
        label, p = int(self.y[i]), self.proba[model][i]
        guess = int(self.pred[model][i])
        self.image.set_data(self.X[i].reshape(self.image.get_array().shape))
        for j, bar in enumerate(self.bars):
            bar.set_height(p[j])
            bar.set_color(GREEN if j == label else VERMILION if j == guess else BLUE)
        # y= fixes the title positions, which spares matplotlib measuring every tick label on a move
        self.image_ax.set_title(f"test digit {i}, label {label}", y=1.02)
        self.bar_ax.set_title(f"{model}: predicts {guess}", y=1.02)
        if self.curves is not None:
            acc = 100 * self.curves[model]
            self.highlight.set_data(np.arange(1, len(acc) + 1), acc)
        accuracy = 1 - len(self.wrong[model]) / len(self.y)
        verdict = "right" if guess == label else "wrong"
        return (
            f"Digit {i} (label {label}): {model} says {guess} with probability {p[guess]:.3f}, "
            f"{verdict}. It gets {accuracy:.1%} of the {len(self.y)} test digits right."
        )


def train_default_models(epochs: int = 20, seed: int = 0):
    """The chapter's network trained with plain SGD, momentum and Adam: what a bare explorer shows.

    Returns ``(net, params, curves, X_test, y_test)``: hidden layer of 32, batches of 64,
    one seeded generator, test accuracy after every epoch. About a second of work.
    """
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=seed)
    net = MLP(X_train, y_train, hidden=32)
    rng = np.random.default_rng(seed)
    x0 = net.init_params(rng)
    optimizers = {
        "SGD lr=0.3": SGD(lr=0.3),
        "momentum lr=0.05": SGD(lr=0.05, momentum=0.9),
        "Adam lr=0.03": Adam(lr=0.03),
    }
    params, curves = {}, {}
    for name, opt in optimizers.items():
        x, accs = x0, []
        for _ in range(epochs):
            x = descend(net, opt, x, epochs=1, batch_size=64, rng=rng, record_points=False).x
            accs.append(net.accuracy(x, X_test, y_test))
        params[name], curves[name] = x, np.array(accs)
    return net, params, curves, X_test, y_test


def digits_explorer(
    net: Classifier | None = None,
    params: dict | None = None,
    X_test=None,
    y_test=None,
    curves: dict | None = None,
) -> widgets.Widget:
    """Explorer of chapter 7: pick a trained model, step through the test digits or its mistakes.

    Give the network, the trained parameter vectors by name, the test set and (if
    wished) each model's test accuracy per epoch. Called with no arguments it first
    trains three models itself (``train_default_models``).
    """
    if net is None and params is None and X_test is None and y_test is None:
        net, params, curves, X_test, y_test = train_default_models()
    elif net is None or params is None or X_test is None or y_test is None:
        raise ValueError("give net, params, X_test and y_test together, or none of them")
    names = list(params)
    controls = {
        "model": widgets.Dropdown(options=names, value=names[0], description="model"),
        "show": widgets.ToggleButtons(options=SHOW, value="all", description="show"),
        "index": widgets.IntSlider(value=0, min=0, max=len(y_test) - 1, description="index"),
    }
    view = functools.partial(
        DigitBrowser, net=net, params=params, X_test=X_test, y_test=y_test, curves=curves
    )
    return Explorer(controls, view, static={"index": list(range(4))}).widget
