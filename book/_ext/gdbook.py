"""The book's own Sphinx extension, loaded from _config.yml (sphinx.local_extensions).

- The chapters are written in markup Jupyter renders as it is (a number is
  ``<span data-glue="name">4</span>``, a solution a ``<details>`` element; see
  ``helpers/book/markup.py``). Before MyST-NB parses a notebook, each element
  becomes the MyST it stands for (``{glue:text}`name```, a dropdown admonition),
  so the website shows the stored glue value, numbered references, linked
  citations and dropdowns, as it always has.

- sphinx-thebe 0.3.1 registers its configuration script from an event that
  runs after the HTML builder has copied the registered scripts, so the
  same inline script (``const THEBE_JS_URL = ...``) lands on every page twice
  and the second copy throws "Identifier 'THEBE_JS_URL' has already been
  declared". Identical script entries are dropped here, once per page.

- Accessibility (checked with axe-core on every page by
  tests/browser/test_accessibility.py). Markup that other packages write and
  that axe reports as serious or critical is repaired here, on each page's body:

  * MyST-NB names the summary of a hidden code cell "Toggle hidden content"
    (aria-label), while the reader sees "Show code cell source": a screen
    reader user who asks for the visible words finds no such control (WCAG
    2.5.3, label in name). Without the aria-label the summary is named by the
    words it shows.
  * docutils gives each reference of the bibliography the role
    ``doc-biblioentry``, deprecated in DPUB-ARIA 1.1 and not allowed inside
    the ``role="list"`` docutils wraps the entries in; so axe sees a list whose
    children are links. DPUB-ARIA 1.1 says to use ``listitem`` instead.

  The theme's colour-mode button is fixed by ``static/gdbook-a11y.js``.
"""

from __future__ import annotations

from pathlib import Path

from helpers.book.markup import notebook_to_myst

STATIC = Path(__file__).parent / "static"

# (what the other package writes, what the page gets instead); see the docstring.
ACCESSIBLE_MARKUP = [
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
    ('role="doc-biblioentry"', 'role="listitem"'),
]


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # The builder's copy has filename '' where the registry's has None: the same script.
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def accessible_body(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body:
        for written, accessible in ACCESSIBLE_MARKUP:
            body = body.replace(written, accessible)
        context["body"] = body


def add_static_path(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def notebook_markup_to_myst(app, docname, source) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = notebook_to_myst(source[0])


def setup(app):
    app.connect("source-read", notebook_markup_to_myst)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", accessible_body)
    app.connect("config-inited", add_static_path)
    app.add_js_file("gdbook-a11y.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
