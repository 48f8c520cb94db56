"""Explorers: a figure that redraws as the reader moves sliders.

An explorer is made of controls (ipywidgets sliders), one matplotlib
figure, and a *view*: an object that draws its axes once when it is made
and whose ``update(**values)`` moves the lines for new slider values and
returns a one-line message. The widget only wires them together: on
every slider move it calls ``update`` and shows the figure as a PNG
image. A view is plain Python, so tests (and the static HTML build) use
it without a browser or kernel.

Redrawing only what changed, and fixed margins instead of a layout
engine, is what keeps a slider move well under 100 ms.

Bad combinations never raise into the notebook: a ``ValueError`` from
``update`` is shown as a message above the figure.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from helpers.book.plots import BLUE, VERMILION
from helpers.descent import descend
from helpers.optim import SGD
from helpers.problems import Parabola
from helpers.validate import integer


def new_figure(figsize=(9.0, 3.6), dpi: int = 80) -> Figure:
    """A figure outside pyplot (it never shows itself in the notebook) with fixed margins."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88, wspace=0.3)
    return fig


def figure_png(fig: Figure) -> bytes:
    """The figure rendered to PNG bytes (fast zlib level: explorers redraw often)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


class Explorer(widgets.VBox):
    """Controls + a view on a figure, shown as one widget.

    ``view`` is called once with the figure and must return an object
    with ``update(**values) -> str``, the values named like ``controls``.

    Displayed in a notebook, an explorer offers two versions of itself: the
    live widget (Jupyter shows it when a kernel runs) and a static one,
    HTML with pre-rendered frames and its own sliders, which the built
    book shows instead (see :func:`static_html`). ``static`` chooses the
    values of the static version: ``{control name: [values]}`` for one or
    two controls; by default, 16 values of the first slider.

    ``control_width`` (a CSS width such as ``"300px"``) gives every control
    the same width and lets the controls wrap onto more rows on a narrow
    page; ``label_width`` sets the width of every control's label.
    """

    def __init__(
        self,
        controls: dict,
        view: Callable[[Figure], object],
        figsize=(9.0, 3.6),
        static: dict | None = None,
        control_width: str | None = None,
        label_width: str | None = None,
    ):
        if not isinstance(controls, dict) or not all(
            isinstance(c, widgets.ValueWidget) for c in controls.values()
        ):
            raise ValueError("controls must be a dict {name: ipywidgets control with a value}")
        if not callable(view):
            raise ValueError(f"view must be a class or function taking a figure, got {view!r}")
        for name, width in (("control_width", control_width), ("label_width", label_width)):
            if width is not None and not isinstance(width, str):
                raise ValueError(f"{name} must be a CSS width such as '300px', got {width!r}")
        self.controls = controls
        self.figure = new_figure(figsize)
        self.view = view(self.figure)
        self.static = static
        self.message = widgets.HTML()
        self.image = widgets.Image(format="png")
        row = widgets.HBox(list(controls.values()))
        if control_width is not None:
            layout = widgets.Layout(width=control_width)
            for control in controls.values():
                control.layout = layout
            row.layout.flex_flow = "row wrap"
        if label_width is not None:
            for control in controls.values():
                control.style.description_width = label_width
        super().__init__([row, self.message, self.image])
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def widget(self) -> Explorer:
        """The explorer itself: it is the widget."""
        return self

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def render(self, fmt: str = "png", **values) -> tuple[bytes, str]:
        """Update the view for ``values``; return (image, message): what a slider move does."""
        try:
            message = self.view.update(**values)
        except ValueError as err:
            message = f"Cannot draw this: {err}"
        return (figure_png(self.figure) if fmt == "png" else figure_webp(self.figure)), message

    def refresh(self) -> None:
        png, message = self.render(**self.values)
        self.image.value = png
        self.message.value = f"<b>{html.escape(message)}</b>" if message else ""

    def _on_change(self, _change) -> None:
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = static_html(self)
        return bundle


def figure_webp(fig: Figure) -> bytes:
    """The figure as a small lossy WebP image, for the frames of static explorers."""
    buf = io.BytesIO()
    fig.savefig(buf, format="webp", pil_kwargs={"quality": 80, "method": 4})
    return buf.getvalue()


def control_values(control, count: int = 16) -> list:
    """Values to pre-render for a control: its options, or ``count`` points over its range."""
    count = integer("count", count, minimum=1)
    if isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, count)
        values = list(control.base**exps)
    elif isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        values = list(np.linspace(control.min, control.max, count))
        if isinstance(control, widgets.IntSlider):
            values = sorted({int(round(v)) for v in values})
    elif hasattr(control, "options"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
    else:
        values = [control.value]
    if control.value not in values and not hasattr(control, "options"):
        values = sorted(values + [control.value])
    return values


def _label(control, value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if hasattr(control, "options"):
        for option in control.options:
            if isinstance(option, tuple) and option[1] == value:
                return str(option[0])
    return str(value)


_PLAYER_JS = """
(function () {
  var box = document.currentScript.previousElementSibling;
  var frames = JSON.parse(box.querySelector("script[type='application/json']").textContent);
  var img = box.querySelector("img"), note = box.querySelector(".gd-static-message");
  var inputs = box.querySelectorAll("input[type=range]");
  function show() {
    var index = 0;
    inputs.forEach(function (input) {
      var labels = JSON.parse(input.dataset.labels);
      input.nextElementSibling.textContent = labels[input.value];
      input.setAttribute("aria-valuetext", labels[input.value]);
      index = index * labels.length + Number(input.value);
    });
    img.src = "data:image/webp;base64," + frames[index].image;
    img.alt = frames[index].alt;
    note.textContent = frames[index].message;
  }
  inputs.forEach(function (input) { input.addEventListener("input", show); });
  box.querySelector(".gd-static-controls").hidden = false;
  show();
})();
"""


def static_html(explorer: Explorer, count: int = 16) -> str:
    """The explorer as HTML that works without a kernel: pre-rendered frames and range sliders.

    Every combination of the chosen control values is drawn once by the
    same view the live widget uses, stored as a WebP image, and a few lines
    of JavaScript show the frame that matches the sliders.
    """
    import base64
    import itertools
    import json

    grid = explorer.static or {
        next(iter(explorer.controls)): control_values(next(iter(explorer.controls.values())), count)
    }
    names = list(grid)
    frames = []
    for combo in itertools.product(*(grid[n] for n in names)):
        values = {**explorer.values, **dict(zip(names, combo, strict=True))}
        image, message = explorer.render(fmt="webp", **values)
        described = ", ".join(
            f"{explorer.controls[n].description or n} = {_label(explorer.controls[n], v)}"
            for n, v in zip(names, combo, strict=True)
        )
        frames.append(
            {
                "image": base64.b64encode(image).decode("ascii"),
                "alt": f"Explorer frame for {described}. {message}",
                "message": message,
            }
        )
    explorer.refresh()  # leave the live view as the controls say
    sliders, first = [], 0  # first: the frame the sliders start at, as the player counts
    for n in names:
        control, values = explorer.controls[n], grid[n]
        labels = [_label(control, v) for v in values]
        start = values.index(control.value) if control.value in values else 0
        first = first * len(values) + start
        name = html.escape(control.description or n)
        # A screen reader hears the slider's name and the value it shows (aria-valuetext,
        # which the player keeps up to date); the <output> repeats that value for the eye
        # only, so it is not read out a second time.
        sliders.append(
            f'<label class="gd-static-control">{name} '
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{start}" '
            f'aria-label="{name}" aria-valuetext="{html.escape(labels[start])}" '
            f"data-labels='{html.escape(json.dumps(labels))}'>"
            f'<output aria-hidden="true">{html.escape(labels[start])}</output></label>'
        )
    # The first frame is in the page itself, so it shows where no script runs (an untrusted
    # notebook in Jupyter, a browser without JavaScript); the sliders appear with the player.
    # The message under the sliders is a polite live region: a screen reader reads the new
    # message when a slider (dragged, or moved with the arrow keys) changes the frame.
    return (
        '<div class="gd-static-explorer">'
        f'<div class="gd-static-controls" hidden>{"".join(sliders)}</div>'
        f'<p class="gd-static-message" aria-live="polite">'
        f"{html.escape(frames[first]['message'])}</p>"
        f'<img src="data:image/webp;base64,{frames[first]["image"]}" '
        f'alt="{html.escape(frames[first]["alt"])}" style="max-width: 100%;">'
        f'<script type="application/json">{json.dumps(frames)}</script>'
        '<p class="gd-static-note"><em>A static version of the explorer: its frames were drawn '
        "when the book was built. Run the notebook to move every slider live.</em></p>"
        f"</div><script>{_PLAYER_JS}</script>"
    )


def few_ticks(ax, log_y: bool = False) -> None:
    """Few ticks and no minor ones: every tick is several artists to draw on each move."""
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    if log_y:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(numticks=5))
        ax.yaxis.set_minor_locator(NullLocator())
    else:
        ax.yaxis.set_major_locator(MaxNLocator(5))


def set_log_ylim(ax, values) -> None:
    """Fit a log y-axis to the positive finite ``values`` (zeros and NaN are skipped)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    low, high = (v.min(), v.max()) if v.size else (1e-3, 1.0)
    ax.set_ylim(low / 3, high * 3)


class LearningRate1D:
    """Plain descent on f(x) = x² from x₀: the steps on the curve, and the loss per step.

    The view of ``lr_explorer_1d``. Chapter 1.
    """

    XMAX = 13.0

    def __init__(self, fig: Figure):
        self.problem = Parabola()
        self.curve_ax, self.loss_ax = fig.subplots(1, 2)
        grid = np.linspace(-self.XMAX, self.XMAX, 300)
        self.curve_ax.plot(grid, self.problem.loss(grid), color=BLUE)
        self.curve_ax.set(xlim=(-self.XMAX, self.XMAX), ylim=(-8, 175), xlabel="x", ylabel="f(x)")
        (self.dots,) = self.curve_ax.plot([], [], "o-", color=VERMILION, markersize=4, lw=1)
        few_ticks(self.curve_ax)
        few_ticks(self.loss_ax, log_y=True)
        self.loss_ax.set(xlabel="step k", ylabel="loss f(x_k)")
        (self.loss_line,) = self.loss_ax.plot([], [], "o-", color=VERMILION, markersize=3)

    def update(self, lr: float, steps: int = 20, x0: float = 10.0) -> str:
        run = descend(self.problem, SGD(lr=lr), x0, steps=steps)
        xs = run.points
        self.dots.set_data(xs, self.problem.loss(xs))
        self.loss_line.set_data(np.arange(len(run.losses)), run.losses)
        self.loss_ax.set_xlim(0, max(len(run.losses) - 1, 1))
        set_log_ylim(self.loss_ax, run.losses)
        self.curve_ax.set_title(f"lr = {lr:.3g}")
        factor = 1 - lr * self.problem.L
        if run.stop_reason == "diverged":
            return f"Diverged at step {run.steps}: each step multiplies x by {factor:.3f}."
        return (
            f"After {run.steps} steps x = {float(run.x):.4g}; "
            f"each step multiplies x by {factor:.3f}."
        )


def lr_explorer_1d(lr: float = 0.1, steps: int = 20, x0: float = 10.0) -> widgets.Widget:
    """Explorer of chapter 1: a learning-rate slider for descent on f(x) = x²."""
    controls = {
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-3,
            max=np.log10(1.2),
            step=0.02,
            description="lr",
            readout_format=".3f",
        ),
        "steps": widgets.IntSlider(value=steps, min=1, max=50, description="steps"),
        "x0": widgets.FloatSlider(value=x0, min=-10, max=10, step=0.5, description="start x₀"),
    }
    return Explorer(controls, LearningRate1D).widget
