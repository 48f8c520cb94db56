"""Reading a chapter in Jupyter: what JupyterLab and Notebook 7 show before anything runs.

The chapters are written in markup Jupyter renders as it is (helpers/book/markup.py):
numbers, figure references and citations are ``<span>``s whose text is the value,
each worked solution is a closed ``<details class="solution">``, and the code
cells the website hides are folded. One server serves all chapters; each test
opens one chapter, unexecuted, in one front end and fails on anything a reader
should not see: raw MyST or markup text, an open solution, an unfolded
bookkeeping cell, a number that is not there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHAPTERS = sorted((ROOT / "book").glob("0[0-9]-*.ipynb"))
# Every notebook a reader opens: the chapters and the maths refresher.
NOTEBOOKS = CHAPTERS + sorted((ROOT / "book").glob("appendix-*.ipynb"))
FRONT_ENDS = {
    "lab": ("JupyterLab", "lab/tree/{name}?reset&token={token}"),  # reset: no tabs restored
    "notebook": ("Notebook 7", "notebooks/{name}?token={token}"),
}
CLICKED_CHAPTER = ROOT / "book" / "03-learning-rate.ipynb"
# The notebook of the current tab (JupyterLab keeps other tabs in the page, hidden).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
HIDDEN_TAGS = {"remove-cell", "hide-input", "remove-input"}
SOLUTION_START = '<details class="solution"'
IMPORTANT = re.compile(r"^> \*\*Important\.\*\*", re.M)
SPAN = re.compile(r'<span data-(?:glue|ref|cite)="[^"]*">(.*?)</span>', re.S)
# What must never reach the reader: MyST roles and directives, and markup shown as text.
RAW_MARKUP = re.compile(
    r"\{(?:glue(?::\w+)?|numref|ref|cite(?::\w+)?|admonition|important|note|warning|tip"
    r"|dropdown|figure|code-cell|doc|eq)\}"
    r"|^[ \t]*:::|:class:|```\{|</?span\b|data-(?:glue|ref|cite)|</?details\b|</?summary\b",
    re.M,
)
# Plain text in a solution's source, to look for on the page: cut at math, code, markup.
NOT_PLAIN = re.compile(r"```.*?```|\$\$.*?\$\$|\$.*?\$|`[^`]*`|<[^>]*>|[*_\[\]\\()]", re.S)

# Everything the checks need from the page, cell by cell, in document order.
READ_CELLS = """notebook => {
  const shown = e => !!e && e.checkVisibility();
  return [...document.querySelectorAll(notebook + ' .jp-Cell')].map(cell => {
    const markdown = cell.querySelector('.jp-RenderedMarkdown');
    const kind = ['jp-MarkdownCell', 'jp-CodeCell', 'jp-RawCell'].find(
      c => cell.classList.contains(c));
    return {
      kind: {'jp-MarkdownCell': 'markdown', 'jp-CodeCell': 'code'}[kind] || 'raw',
      rendered: cell.classList.contains('jp-mod-rendered') && shown(markdown),
      editor: shown(cell.querySelector('.jp-InputArea-editor')),
      inputPlaceholder: shown(cell.querySelector('.jp-InputPlaceholder')),
      outputArea: shown(cell.querySelector('.jp-Cell-outputWrapper .jp-OutputArea')),
      text: markdown ? markdown.innerText : '',
      allText: markdown ? markdown.textContent : '',
      details: [...cell.querySelectorAll('details')].map(d => ({
        solution: d.classList.contains('solution'),
        open: d.open,
        summary: d.querySelector(':scope > summary')?.textContent.trim() ?? null,
        bodyShown: [...d.children].some(c => c.tagName !== 'SUMMARY' && shown(c)),
        bodyText: [...d.childNodes].filter(c => c.nodeName !== 'SUMMARY')
          .map(c => c.textContent).join(' '),
      })),
      important: [...cell.querySelectorAll('blockquote > p:first-child > strong:first-child')]
        .map(s => s.textContent),
    };
  });
}"""


def source(cell: dict) -> str:
    return "".join(cell["source"])


def squash(text: str) -> str:
    return " ".join(text.split())


def is_solution(cell: dict) -> bool:
    return cell["cell_type"] == "markdown" and source(cell).startswith(SOLUTION_START)


def hidden_tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", [])) & HIDDEN_TAGS


def solution_phrase(cell: dict) -> str:
    """The longest stretch of plain text in a solution's body, as the page shows it."""
    body = source(cell).split("</summary>", 1)[1].rsplit("</details>", 1)[0]
    pieces = [squash(piece).strip(" ,.;:") for piece in NOT_PLAIN.split(body)]
    return max(pieces, key=len)


def snippet(text: str, start: int, end: int) -> str:
    return squash(text[max(0, start - 30) : end + 30])


def open_chapter(browser, url: str, token: str, front_end: str, notebook: dict, name: str):
    """A new page showing the chapter, every cell in the page and every markdown cell rendered."""
    label, path = FRONT_ENDS[front_end]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/{path.format(name=name, token=token)}")
    count = len(notebook["cells"])
    try:
        page.wait_for_function(
            "([notebook, n]) => document.querySelectorAll(notebook + ' .jp-Cell').length === n",
            arg=[NOTEBOOK, count],
            timeout=60000,
        )
    except PlaywrightTimeout:
        shown = page.locator(f"{NOTEBOOK} .jp-Cell").count()
        context.close()
        pytest.fail(f"{name} in {label}: the notebook has {count} cells, the page shows {shown}")
    markdown = sum(cell["cell_type"] == "markdown" for cell in notebook["cells"])
    solutions = sum(is_solution(cell) for cell in notebook["cells"])
    # Rendering is asynchronous: a cell's RenderedMarkdown node is in the page before its
    # content, so wait until every one has content and every solution's <details> is there.
    try:  # a cell that stays unrendered is reported by the checks, cell by cell
        page.wait_for_function(
            "([notebook, n, solutions]) => {"
            "  const done = [...document.querySelectorAll("
            "    notebook + ' .jp-MarkdownCell.jp-mod-rendered .jp-RenderedMarkdown')];"
            "  return done.length === n && done.every(e => e.childElementCount > 0)"
            "    && document.querySelectorAll(notebook + ' details.solution').length === solutions;"
            "}",
            arg=[NOTEBOOK, markdown, solutions],
            timeout=30000,
        )
    except PlaywrightTimeout:
        pass
    return context, page


def reading_problems(notebook: dict, cells: list[dict]) -> list[str]:
    """Everything wrong with the page's cells (``READ_CELLS``) for this notebook."""
    problems = []
    # The page's cells are the notebook's, in order: .jp-Cell number i is nb["cells"][i].
    expected = [cell["cell_type"] for cell in notebook["cells"]]
    found = [shown["kind"] for shown in cells]
    if found != expected:
        first = next(i for i in range(len(found) + 1) if found[: i + 1] != expected[: i + 1])
        page, book = found[first : first + 3], expected[first : first + 3]
        return [
            f"the page's {len(found)} cells are not the notebook's {len(expected)}: "
            f"from cell {first} on, the page has {page}, the notebook {book}"
        ]
    solutions = sum(is_solution(cell) for cell in notebook["cells"])
    on_page = sum(d["solution"] for cell in cells for d in cell["details"])
    if on_page != solutions:
        problems.append(
            f"{on_page} details.solution elements on the page, {solutions} solution cells"
        )
    for index, (cell, shown) in enumerate(zip(notebook["cells"], cells, strict=True)):
        text = source(cell)
        where = f"cell {index} ({cell['cell_type']})"
        if cell["cell_type"] == "markdown":
            if not shown["rendered"] or shown["editor"]:
                problems.append(f"{where} is shown as source in an editor, not rendered")
                continue
            # What a reader sees, and what a closed solution holds for later.
            seen = shown["text"] + "\n" + "\n".join(d["bodyText"] for d in shown["details"])
            for match in RAW_MARKUP.finditer(seen):
                problems.append(
                    f"{where} shows raw markup {match[0]!r}: "
                    f"...{snippet(seen, match.start(), match.end())}..."
                )
            for value in SPAN.findall(text):
                if squash(value) not in squash(shown["allText"]):
                    problems.append(f"{where} does not show the span's text {value!r}")
            boxes = len(IMPORTANT.findall(text))
            if shown["important"].count("Important.") != boxes:
                problems.append(
                    f"{where} has {boxes} Important box(es), the page shows "
                    f"{shown['important'].count('Important.')} as a blockquote"
                )
            if is_solution(cell):
                problems += solution_problems(where, cell, shown, opened=False)
        elif cell["cell_type"] == "code":
            tags = hidden_tags(cell)
            label = f"{where}, tags {sorted(tags)}" if tags else f"{where}, untagged"
            if tags and (shown["editor"] or not shown["inputPlaceholder"]):
                problems.append(f"{label}: the input is shown expanded, not folded")
            if not tags and (not shown["editor"] or shown["inputPlaceholder"]):
                problems.append(f"{label}: the input is folded, not shown")
            if "remove-cell" in tags and cell.get("outputs") and shown["outputArea"]:
                problems.append(f"{label}: the outputs are shown expanded, not folded")
            if not tags & {"remove-cell"} and cell.get("outputs") and not shown["outputArea"]:
                problems.append(f"{label}: the outputs are folded, not shown")
    return problems


def solution_problems(where: str, cell: dict, shown: dict, opened: bool) -> list[str]:
    """A solution cell's problems, closed (as it must start) or after its summary was clicked."""
    solutions = [d for d in shown["details"] if d["solution"]]
    if len(solutions) != 1:
        return [f"{where} is a solution cell, the page has {len(solutions)} details.solution in it"]
    (details,) = solutions
    phrase = solution_phrase(cell)
    problems = []
    if details["summary"] != "Solution":
        problems.append(f"{where}: the solution's summary reads {details['summary']!r}")
    if phrase not in squash(shown["allText"]):
        problems.append(f"{where}: the solution's text {phrase!r} is not in the page at all")
    when = "after its summary was clicked" if opened else "before it is clicked"
    if details["open"] != opened:
        problems.append(f"{where}: the solution is {'closed' if opened else 'open'} {when}")
    if details["bodyShown"] != opened or (phrase in squash(shown["text"])) != opened:
        problems.append(
            f"{where}: the solution's text {phrase!r} is {'hidden' if opened else 'visible'} {when}"
        )
    if not opened and squash(shown["text"]) != "Solution":
        problems.append(
            f"{where}: a closed solution shows more than its summary: "
            f"{squash(shown['text'])[:80]!r}"
        )
    return problems


def check_chapter(browser, url, token, front_end, path: Path, screenshots: Path | None = None):
    """Open the chapter ``path`` (served as ``path.name``); fail on what a reader must not see."""
    notebook = json.loads(path.read_text())
    context, page = open_chapter(browser, url, token, front_end, notebook, path.name)
    try:
        if screenshots is not None:
            page.screenshot(path=str(screenshots / f"jupyter-{front_end}-{path.stem}.png"))
        problems = reading_problems(notebook, page.evaluate(READ_CELLS, NOTEBOOK))
    finally:
        context.close()
    if problems:
        label = FRONT_ENDS[front_end][0]
        pytest.fail(
            f"{path.name} in {label}, before running it: {len(problems)} problem(s)\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )


def check_opening_a_solution(browser, url, token, front_end, path: Path, screenshots=None):
    """Click the first solution's summary: it opens and its text shows."""
    notebook = json.loads(path.read_text())
    index = next(i for i, cell in enumerate(notebook["cells"]) if is_solution(cell))
    where = f"{path.name} in {FRONT_ENDS[front_end][0]}, cell {index}"
    context, page = open_chapter(browser, url, token, front_end, notebook, path.name)
    try:
        details = page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator("details.solution")
        closed = solution_problems(where, notebook["cells"][index], read(page, index), False)
        assert not closed, "\n".join(closed)
        summary = details.locator(":scope > summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        try:  # if it never opens, the check below says so
            page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator(
                "details.solution[open]"
            ).wait_for(state="attached", timeout=10000)
        except PlaywrightTimeout:
            pass
        if screenshots is not None:
            summary.evaluate("s => s.scrollIntoView({block: 'center'})")
            page.screenshot(path=str(screenshots / f"jupyter-{front_end}-solution-open.png"))
        opened = solution_problems(where, notebook["cells"][index], read(page, index), True)
    finally:
        context.close()
    assert not opened, "after clicking its summary:\n" + "\n".join(opened)


def read(page, index: int) -> dict:
    return page.evaluate(READ_CELLS, NOTEBOOK)[index]


@pytest.fixture(scope="module")
def book_server(jupyter_server):
    return jupyter_server(NOTEBOOKS)


@pytest.mark.browser
def test_every_chapter_has_what_the_checks_look_for():
    """Eight chapters, each with numbers, solutions and hidden cells: no check passes on nothing."""
    assert len(CHAPTERS) == 8, [path.name for path in CHAPTERS]
    assert [path.name for path in NOTEBOOKS[8:]] == ["appendix-maths.ipynb"]
    boxes = 0
    for path in CHAPTERS:
        cells = json.loads(path.read_text())["cells"]
        markdown = "\n".join(source(cell) for cell in cells if cell["cell_type"] == "markdown")
        assert '<span data-glue="' in markdown, path.name
        assert any(is_solution(cell) for cell in cells), path.name
        assert any("remove-cell" in hidden_tags(c) and c.get("outputs") for c in cells), path.name
        assert any(c["cell_type"] == "code" and not hidden_tags(c) for c in cells), path.name
        boxes += len(IMPORTANT.findall(markdown))
    assert boxes, "no chapter has an Important box"


@pytest.mark.browser
@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize("chapter", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_chapter_opened_in_jupyter_reads_like_the_website(
    browser, book_server, screenshots, chapter, front_end
):
    url, token = book_server
    check_chapter(browser, url, token, front_end, chapter, screenshots)


@pytest.mark.browser
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_clicking_a_solution_opens_it(browser, book_server, screenshots, front_end):
    url, token = book_server
    check_opening_a_solution(browser, url, token, front_end, CLICKED_CHAPTER, screenshots)
