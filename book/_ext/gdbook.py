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

- Lighter pages (after the HTML build, ``lighter_site``): the theme loads
  fontawesome.js (543 kB compressed, the largest file of a first visit), which
  only turns the icons its CSS already draws with the icon font into SVG, so
  the script is dropped. The one icon from the brands font (118 kB), GitHub's,
  becomes an inline SVG of the same Font Awesome icon. Each figure is served as
  lossless WebP when that is smaller than its PNG: the same pixels in about
  half the bytes. The notebooks keep their PNGs.

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

- Print: ``static/gdbook-print.css`` and ``static/gdbook-print.js`` make every
  page print as a book page (a reader's "Print", and the PDF of ``make pdf``,
  see ``tools/print_pdf.py``): each explorer as a strip of frames with their
  slider values instead of a slider, solutions open, no buttons.

- The header's download menu offers the whole book as one PDF, ``book.pdf`` at
  the top of the site, which ``make pdf`` prints and copies there.

- Dark mode (``gdtwins.py``, beside this file): every figure and explorer frame
  gets a dark twin drawn by the same code in the dark style of
  ``helpers/book/plots.py``, from a second run of the chapters that starts when
  the build does; ``static/gdbook-twins.css`` shows the twin of the reader's
  theme. The twins are added before ``lighter_site``, so they are WebP too.
"""

from __future__ import annotations

import re
from pathlib import Path

from gdtwins import add_twins, start_dark_run  # book/_ext, beside this file
from PIL import Image

from helpers.book.markup import notebook_to_myst

STATIC = Path(__file__).resolve().parent / "static"
BOOK_PDF = "book.pdf"  # where make pdf puts the book in the built site
FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*/fontawesome\.js[^"]*"></script>')
GITHUB_ICON = '<i class="fab fa-github"></i>'
GITHUB_PATH = re.compile(r'github:\[(\d+),(\d+),\[\],"f09b","([^"]+)"\]')
FIGURE = re.compile(r'(_images/[\w.-]+)\.png"')  # a dark twin is <hash>.dark.png

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


def add_book_pdf_button(app, pagename, templatename, context, doctree) -> None:
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](BOOK_PDF, 1),
                    "text": "whole book .pdf",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def github_svg(fontawesome_js: Path) -> str:
    """Font Awesome's GitHub icon (CC BY 4.0) as inline SVG, taken from the theme's own copy."""
    found = GITHUB_PATH.search(fontawesome_js.read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"fontawesome_js={str(fontawesome_js)!r} holds no GitHub icon")
    width, height, path = found.groups()
    return (
        f'<svg class="gd-icon" viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false"'
        ' style="height: 1em; width: auto; vertical-align: -0.125em">'
        f'<path fill="currentColor" d="{path}"/></svg>'
    )


def as_webp(png: Path) -> bool:
    """Write ``png`` as lossless WebP beside it (once); True if the WebP is the smaller file."""
    webp = png.with_suffix(".webp")
    if not webp.exists() or webp.stat().st_mtime < png.stat().st_mtime:
        with Image.open(png) as image:
            image.save(webp, "WEBP", lossless=True, method=4)
    return webp.stat().st_size < png.stat().st_size


def lighter_site(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    fontawesome = out / "_static" / "scripts" / "fontawesome.js"
    github = github_svg(fontawesome) if fontawesome.exists() else GITHUB_ICON
    smaller = {p.stem for p in (out / "_images").glob("*.png") if as_webp(p)}

    def figure(match: re.Match) -> str:
        name = match[1].rsplit("/", 1)[1]
        return f'{match[1]}.webp"' if name in smaller else match[0]

    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lighter = FIGURE.sub(figure, FONTAWESOME_JS.sub("", text).replace(GITHUB_ICON, github))
        if lighter != text:
            page.write_text(lighter, encoding="utf-8")


def setup(app):
    app.connect("config-inited", add_static_path)
    app.add_css_file("gdbook-print.css")
    app.add_js_file("gdbook-print.js", defer="defer")
    app.add_js_file("gdbook-a11y.js", loading_method="defer")
    app.add_css_file("gdbook-twins.css")
    app.connect("builder-inited", start_dark_run)
    app.connect("source-read", notebook_markup_to_myst)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # After sphinx-book-theme has made its header buttons (priority 501).
    app.connect("html-page-context", add_book_pdf_button, priority=510)
    app.connect("html-page-context", accessible_body)
    app.connect("build-finished", add_twins, priority=400)  # before lighter_site: WebP twins too
    app.connect("build-finished", lighter_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
