"""Quoting computed numbers in the prose: MyST-NB's ``glue``, without its import cost.

In a notebook, ``glue("rate", 0.8, display=False)`` stores the value in the
cell's output, and the text quotes it with ``{glue:text}`rate```: the book
shows the number the code computed, and nbval checks it reproduces.

``myst_nb.glue`` writes exactly this output, but importing it pulls in
nbformat, jsonschema and a URI grammar that takes 1.5–4 s to build, paid
by every chapter on its first glue. This writes the same output (the
papermill "scrapbook" record that MyST-NB reads) with IPython alone; the
strict book build fails on any glue key it cannot find, so a format change
in MyST-NB could not go unnoticed.
"""

from __future__ import annotations

from typing import Any

GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the text to quote (and show it if ``display``)."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata = dict(metadata)
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
