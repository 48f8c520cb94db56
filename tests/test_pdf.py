"""The printed book, _build/pdf/book.pdf, read back with pypdf.

``make pdf`` prints the PDF (tools/print_pdf.py) and then runs this module with
``-m pdf``; ``pytest tests`` alone skips it, as it skips the browser tests.
It checks what a reader of the paper book needs, against the sources: the
first page gives the title and the licence; every chapter starts a page under
its title and is a bookmark; there are as many
images as the notebooks have figures plus explorer frames, and every printed
frame carries its slider values; every solution prints, open; the maths is
typeset (no TeX left in the text); no page is blank; and nothing made for the
screen (sliders, "Show code cell source") is left on paper.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from helpers.book.markup import SOLUTION

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf" / "book.pdf"
STRIP = 4  # frames an explorer prints, as book/_ext/static/gdbook-print.js picks them
CONTROL = re.compile(
    r'<label class="gd-static-control">(.*?) <input [^>]*data-labels=\'([^\']*)\'', re.S
)
FRAMES = re.compile(r'<script type="application/json">(.*?)</script>', re.S)

pytestmark = pytest.mark.pdf


def squash(text: str) -> str:
    """Text as printed, compared: single spaces, no icons, "ﬁ" as "fi", "mini- batch" whole."""
    text = "".join(
        c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Co"
    )
    return re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(text.split()))


def plain(text: str) -> str:
    """Lower-case letters and digits only: how a title in the .bib and on paper compare."""
    text = re.sub(r"\\[^A-Za-z\s]|[{}]", "", unicodedata.normalize("NFKD", text))  # TeX accents
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return squash(text).lower()


def toc_docs() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]] + [c["file"] for p in toc["parts"] for c in p["chapters"]]
    return [next(ROOT.glob(f"{doc}.*")) for doc in docs]


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def first_heading(doc: Path) -> str:
    text = doc.read_text() if doc.suffix == ".md" else "".join(cells(doc)[0]["source"])
    return re.search(r"^# (.+)$", text, re.M)[1].strip()


def explorer_outputs(notebook: Path) -> list[str]:
    return [
        "".join(out["data"]["text/html"])
        for cell in cells(notebook)
        for out in cell.get("outputs", [])
        if "gd-static-explorer" in "".join(out.get("data", {}).get("text/html", ""))
    ]


def printed_frames(explorer: str) -> list[str]:
    """The captions of the frames an explorer prints: 'lr = 0.01, steps = 20'."""
    frames = json.loads(FRAMES.search(explorer)[1])
    controls = [
        (html.unescape(n), json.loads(html.unescape(v))) for n, v in CONTROL.findall(explorer)
    ]
    assert controls, "an explorer without sliders"
    captions = []
    for index in sorted({round(k * (len(frames) - 1) / (STRIP - 1)) for k in range(STRIP)}):
        parts = []
        for name, labels in reversed(controls):  # the last slider varies fastest
            parts.insert(0, f"{name} = {labels[index % len(labels)]}")
            index //= len(labels)
        captions.append(", ".join(parts))
    return captions


NOTEBOOKS = [doc for doc in toc_docs() if doc.suffix == ".ipynb"]


@pytest.fixture(scope="module")
def book():
    from pypdf import PdfReader

    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf`")
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def pages(book) -> list[str]:
    return [page.extract_text() for page in book.pages]


@pytest.fixture(scope="module")
def text(pages) -> str:
    return squash(" ".join(pages))


def images_on(resources) -> int:
    """Images a page draws, counting those inside its form XObjects."""
    xobjects = resources.get_object().get("/XObject") if resources else None
    count = 0
    for xobject in (xobjects.get_object() if xobjects else {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            count += 1
        elif xobject.get("/Subtype") == "/Form":
            count += images_on(xobject.get("/Resources"))
    return count


@pytest.fixture(scope="module")
def bookmarks(book) -> list[tuple[str, int]]:
    """The PDF's outline in reading order: (title, index of the page it opens)."""

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield squash(item.title), book.get_destination_page_number(item)

    return list(walk(book.outline))


@pytest.mark.parametrize("doc", toc_docs(), ids=lambda p: p.stem)
def test_every_chapter_is_a_bookmark_that_starts_a_page(pages, bookmarks, doc):
    title = first_heading(doc)
    # Chapters are numbered ("3. The learning rate, ..."); the back matter is not.
    heading = re.compile(rf"(\d+\. )?{re.escape(title)}")
    found = [i for i, (mark, _) in enumerate(bookmarks) if heading.fullmatch(mark)]
    assert found, f"no bookmark {title!r}"
    index, page = found[0], bookmarks[found[0]][1]
    assert index == 0 or bookmarks[index - 1][1] < page, f"{title!r} does not start a page"
    assert title in squash(pages[page]), f"{title!r} is not on the page its bookmark opens"


def test_the_first_page_credits_the_book_and_states_its_licence(pages):
    first = squash(pages[0])
    assert first.startswith("Gradient Descent, from First Principles"), first[:80]
    assert "CC BY 4.0" in first and "MIT" in first, f"no licence on the first page: {first}"


def test_the_bibliography_is_printed(text):
    bib = (ROOT / "book" / "references.bib").read_text()
    titles = re.findall(r"^\s*title\s*=\s*\{(.+?)\},?$", bib, re.M)
    assert titles, "no titles in references.bib"
    # Every entry is printed; its title's first words, in the bibliography's style.
    printed = plain(text)
    missing = [t for t in titles if plain(t)[:30] not in printed]
    assert not missing, f"references not printed: {missing}"


def test_every_figure_and_every_explorer_frame_is_printed(book):
    figures = sum(
        1
        for notebook in NOTEBOOKS
        for cell in cells(notebook)
        if cell["metadata"].get("mystnb", {}).get("figure", {}).get("name")
    )
    frames = sum(len(printed_frames(e)) for nb in NOTEBOOKS for e in explorer_outputs(nb))
    assert figures >= 40 and frames >= 20, f"{figures} figures, {frames} frames in the notebooks"
    images = sum(images_on(page.get("/Resources")) for page in book.pages)
    assert images >= figures + frames, f"{images} images for {figures} figures + {frames} frames"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_explorer_prints_its_frames_with_their_slider_values(text, notebook):
    for explorer in explorer_outputs(notebook):
        missing = [c for c in printed_frames(explorer) if c not in text]
        assert not missing, f"frames printed without their slider values: {missing}"


def test_every_solution_prints_open_under_its_title(pages, text):
    solutions = [
        SOLUTION.match("".join(cell["source"]))[1]
        for notebook in NOTEBOOKS
        for cell in cells(notebook)
        if cell["cell_type"] == "markdown" and SOLUTION.match("".join(cell["source"]))
    ]
    titles = sum(squash(line) == "Solution" for page in pages for line in page.splitlines())
    assert solutions and titles == len(solutions), f"{titles} printed, {len(solutions)} in the book"
    # Open: each one's first line of code is on paper too.
    for solution in solutions:
        code = re.search(r"```python\n(.+)", solution)
        if code:
            assert squash(code[1]) in text, f"solution not printed open: {code[1]}"


def test_the_maths_is_typeset(text):
    """No TeX in the printed text: each command the prose's maths uses became symbols."""
    maths = "".join(
        "".join(cell["source"])
        for notebook in NOTEBOOKS
        for cell in cells(notebook)
        if cell["cell_type"] == "markdown"
    )
    code = "".join(
        "".join(cell["source"]) + json.dumps(cell.get("outputs", []))
        for notebook in NOTEBOOKS
        for cell in cells(notebook)
        if cell["cell_type"] == "code"
    )
    spans = re.findall(r"\$\$?(.+?)\$\$?", maths, re.S)
    commands = {c for span in spans for c in re.findall(r"\\[A-Za-z]+", span)}
    commands -= set(re.findall(r"\\[A-Za-z]+", code))  # code prints as it is written
    assert {r"\frac", r"\nabla"} <= commands, "the prose's maths is not where this test looks"
    assert "$$" not in text
    left = sorted(c for c in commands if re.search(re.escape(c) + r"(?![A-Za-z])", text))
    assert not left, f"TeX left in the PDF: {left}"


def test_no_page_is_blank(book, pages):
    blank = [
        number
        for number, (page, words) in enumerate(zip(book.pages, pages, strict=True), start=1)
        if not re.sub(rf"\s*\b{number}\s*$", "", words).strip()
        and not images_on(page.get("/Resources"))
    ]
    assert not blank, f"blank pages: {blank}"


def test_nothing_made_for_the_screen_is_printed(text):
    for screen_only in ("Show code cell source", "A static version of the explorer"):
        assert screen_only not in text, f"printed: {screen_only}"
