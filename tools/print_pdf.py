"""Print the single-page book to PDF: ``python tools/print_pdf.py SINGLEHTML PDF``.

``make pdf`` builds the whole book as one HTML page (Sphinx's singlehtml
builder) and calls this script on it. It serves that folder on 127.0.0.1 (the
page loads MathJax and its fonts from the folder, offline), opens the page in
Debian's Chromium through Playwright, waits until MathJax has typeset every
formula and every image has loaded, and prints the page with Chromium's own
PDF printer: A4, page numbers at the foot, the headings as the PDF's outline.
The site's footer (authors, licence) is printed under the title.
What the page looks like on paper is set by the site's print style
(``book/_ext/static/gdbook-print.css`` and ``gdbook-print.js``): explorers as
strips of frames, solutions open, no buttons, each chapter on a new page.

The single page lives at ``book/intro.html`` (the book's root document) but
Sphinx writes its links as if it lived at the top of the folder; the script
copies it there, as ``book.html``, with links into itself made ``#fragment``
links, so that figure numbers, citations and section links jump within the PDF
(and without the search index, which that builder does not write).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT_DOC = "book/intro.html"  # _toc.yml's root, where the singlehtml builder writes the page
PAGE = "book.html"

# Wait until the page is ready to print: MathJax done, its fonts and every image loaded.
READY_JS = """
async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  await document.fonts.ready;
  await Promise.all(Array.from(document.images, (img) => img.decode().catch(() => null)));
  const raw = document.querySelectorAll("article .math:not(:has(mjx-container))").length;
  const typeset = document.querySelectorAll("article mjx-container").length;
  const broken = Array.from(document.images, (i) => (i.naturalWidth ? "" : i.src.slice(0, 80)));
  return {raw, typeset, broken: broken.filter(Boolean)};
}
"""

# What only the whole book needs on paper (every page's print style is the site's):
# the title, credits and contents on a page of their own, each chapter from a new page.
BOOK_CSS = """
@media print {
  #jb-print-docs-body { break-after: page; }
  span[id^="document-"] + section { break-before: page; }
  /* A chapter that fills its last page to the foot must not push its last margin
     onto a page of its own, which would be blank before the next chapter's. */
  span[id^="document-"] + section > :last-child,
  span[id^="document-"] + section > section:last-child > :last-child {
    margin-bottom: 0 !important;
  }
  .gd-title-credits { text-align: center; margin: 1em 0 2em; font-size: 0.9em; }
  .gd-title-credits p { margin: 0.2em 0; }
}
"""

# The site's footer (authors, copyright, the CC BY licence), which the theme does
# not print, goes under the title on the first page, as a book's credits do.
CREDITS_JS = """
() => {
  const title = document.querySelector("#jb-print-docs-body h1");
  const items = document.querySelectorAll("footer.bd-footer-content .footer-item");
  const credits = document.createElement("div");
  credits.className = "gd-title-credits";
  items.forEach((item) => credits.append(...Array.from(item.children, (c) => c.cloneNode(true))));
  title.after(credits);
  return credits.textContent.includes("CC BY 4.0");
}
"""

# Sphinx's single page joins the chapters as they are, so ids repeat ("id2" is a
# citation in chapter 3 and an entry of the bibliography): a citation would jump
# to the first element of that id. The bibliography's entries get ids of their
# own and the citations point at them. Then every link that is not to the web must
# land on the page: a link to another file would be dead in the PDF.
LINKS_JS = """
() => {
  // An entry of the bibliography (gdbook.py gives it role=listitem, for accessibility).
  document.querySelectorAll("div.citation").forEach((entry) => {
    entry.id = "bib-" + entry.id;
  });
  const citations = document.querySelectorAll(".bibtex-citation a[href^='#']");
  citations.forEach((a) => a.setAttribute("href", "#bib-" + a.getAttribute("href").slice(1)));
  const dangling = [];
  document.querySelectorAll("article a[href]").forEach((a) => {
    const href = a.getAttribute("href");
    if (/^(https?|mailto):/.test(href)) return;  // the web, as on the website
    const id = href.startsWith("#") ? decodeURIComponent(href.slice(1)) : null;
    if (id === null || (id && !document.getElementById(id))) dangling.push(href);
  });
  const astray = Array.from(citations).filter((a) => {
    const target = document.getElementById(a.getAttribute("href").slice(1));
    return !target || !target.classList.contains("citation");
  }).map((a) => a.textContent);
  return {citations: citations.length, dangling, astray};
}
"""

FOOTER = (
    '<div style="width: 100%; font-size: 8px; color: #555; text-align: center;">'
    '<span class="pageNumber"></span></div>'
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1, on a free port, for as long as the block runs."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def page_at_top(folder: Path) -> Path:
    """Copy the single page to the top of ``folder``, its links into itself as ``#fragment``."""
    source = folder / ROOT_DOC
    if not source.is_file():
        raise ValueError(f"singlehtml: no {ROOT_DOC} in {folder}; build it with make pdf")
    text = source.read_text(encoding="utf-8")
    text = re.sub(r'href="' + re.escape(ROOT_DOC) + r"#", 'href="#', text)
    # The singlehtml builder writes no search index, and paper has no search box.
    text = text.replace('<script src="searchindex.js"></script>', "")
    target = folder / PAGE
    target.write_text(text, encoding="utf-8")
    return target


def print_pdf(folder: Path, pdf: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_at_top(folder)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with serve(folder) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "requestfailed",
                lambda r: r.url.startswith(url) and problems.append(f"failed: {r.url}"),
            )
            page.goto(f"{url}/{PAGE}", wait_until="networkidle")
            page.emulate_media(media="print")
            page.add_style_tag(content=BOOK_CSS)
            if not page.evaluate(CREDITS_JS):
                problems.append("no licence in the site's footer to print under the title")
            links = page.evaluate(LINKS_JS)
            if links["dangling"] or links["astray"] or not links["citations"]:
                problems.append(f"links that would not land: {links}")
            ready = page.evaluate(READY_JS)
            if ready["raw"] or ready["broken"] or not ready["typeset"]:
                problems.append(f"not ready to print: {ready}")
            if problems:
                raise RuntimeError("the single page is not fit to print:\n" + "\n".join(problems))
            page.pdf(
                path=str(pdf),
                format="A4",
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                outline=True,  # bookmarks from the headings; Chromium needs a tagged PDF
                tagged=True,  # for them, which also gives screen readers its structure
            )
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("singlehtml", type=Path, help="the singlehtml build folder")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    args = parser.parse_args(argv)
    print_pdf(args.singlehtml, args.pdf)
    print(f"The PDF is at {args.pdf.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
