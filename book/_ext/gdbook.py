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

- Print: ``static/gdbook-print.css`` and ``static/gdbook-print.js`` make every
  page print as a book page (a reader's "Print", and the PDF of ``make pdf``,
  see ``tools/print_pdf.py``): each explorer as a strip of frames with their
  slider values instead of a slider, solutions open, no buttons.

- The header's download menu offers the whole book as one PDF, ``book.pdf`` at
  the top of the site, which ``make pdf`` prints and copies there.
"""

from __future__ import annotations

from pathlib import Path

from helpers.book.markup import notebook_to_myst

STATIC = Path(__file__).resolve().parent / "static"
BOOK_PDF = "book.pdf"  # where make pdf puts the book in the built site


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


def notebook_markup_to_myst(app, docname, source) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = notebook_to_myst(source[0])


def add_static_path(app, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


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


def setup(app):
    app.connect("config-inited", add_static_path)
    app.add_css_file("gdbook-print.css")
    app.add_js_file("gdbook-print.js", defer="defer")
    app.connect("source-read", notebook_markup_to_myst)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # After sphinx-book-theme has made its header buttons (priority 501).
    app.connect("html-page-context", add_book_pdf_button, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
