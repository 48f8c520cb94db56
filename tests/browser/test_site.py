"""The built book in a real browser: every page loads offline and works.

For every page of the table of contents: no JavaScript error, no local
resource missing, every image loaded and described by alt text, the math
typeset, the static explorers responding, the launch and download buttons
present (the download menu also offers the whole book's PDF), the licence
line in the footer, and the page with its images under 3 MB (counted from
the files the page and its <img> tags name, not from network events, whose
timing varies). The shared theme, font and MathJax files are cached across
pages and not counted. The search page finds a word, and the PDF the header
links is the book `make pdf` printed.
Screenshots of every page, at desktop and phone width, go to
_build/screenshots for people to look at.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml
from conftest import ROOT, SITE

MAX_PAGE_BYTES = 3 * 1024 * 1024


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part.get("chapters", [])]
    return pages


def page_weight(doc: str, image_urls: list[str]) -> int:
    """Bytes of the page's HTML plus every local image it shows (data: URIs are in the HTML)."""
    files = {SITE / f"{doc}.html"}
    for url in image_urls:
        if not url.startswith("data:") and is_local(url):
            files.add(SITE / unquote(urlparse(url).path).lstrip("/"))
    missing = [str(f) for f in files if not f.is_file()]
    assert not missing, f"files the page names but the site lacks: {missing}"
    return sum(f.stat().st_size for f in files)


def is_local(url: str) -> bool:
    return urlparse(url).hostname in ("127.0.0.1", None) or url.startswith("data:")


@pytest.fixture(scope="session")
def offline_report(screenshots):
    """Requests that left the machine, page by page, written to _build/screenshots."""
    report: dict[str, list[str]] = {}
    yield report
    lines = [f"{doc}: {url}" for doc, urls in sorted(report.items()) for url in urls]
    (screenshots / "requests-to-other-hosts.txt").write_text(
        "\n".join(lines or ["none: every page loaded everything from the site itself"]) + "\n"
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.problems = []  # errors that are ours to fix
    page.offline_only = []  # requests to other hosts, which cannot load offline

    def on_request_failed(request):
        (page.problems if is_local(request.url) else page.offline_only).append(
            f"failed request {request.url}"
        )

    def on_response(response):
        if is_local(response.url) and not response.url.startswith("data:"):
            if response.status >= 400:
                page.problems.append(f"HTTP {response.status} for {response.url}")

    def on_console(message):
        if message.type == "error" and "ERR_NAME_NOT_RESOLVED" not in message.text:
            page.problems.append(f"console error: {message.text}")

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("doc", toc_pages())
def test_page_loads_offline_and_works(page, site_url, screenshots, offline_report, doc):
    page.goto(f"{site_url}/{doc}.html", wait_until="networkidle")
    assert page.title(), "page has no title"

    # Every image loaded and has alt text. A lazy image loads when a reader scrolls to
    # it, so each shown one is brought into view first. A dark twin (gdtwins.py) is
    # hidden in the light theme and lazy, so the browser rightly leaves it alone: it
    # must exist, and test_dark_mode checks that it loads in the dark theme.
    images = page.eval_on_selector_all(
        "article img",
        """async imgs => {
          for (const i of imgs) {
            if (i.loading === 'lazy' && i.checkVisibility()) {
              i.scrollIntoView();
              await i.decode().catch(() => {});
            }
          }
          return imgs.map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0,
            alt: i.getAttribute('alt') || '',
            loads: i.loading !== 'lazy' || i.checkVisibility()}));
        }""",
    )
    broken = [i["src"][:80] for i in images if i["loads"] and not i["ok"]]
    assert not broken, f"images that did not load: {broken}"
    undescribed = [i["src"][:80] for i in images if not i["alt"].strip()]
    assert not undescribed, f"images without alt text: {undescribed}"

    # Light pages: the figures come as lossless WebP where that is smaller than the PNG
    # the notebook holds, and the theme's 543 kB fontawesome.js is not loaded (its CSS
    # draws the icons with the icon font; the GitHub icon is inline SVG).
    for image in images:
        path = SITE / unquote(urlparse(image["src"]).path).lstrip("/")
        if path.suffix == ".png" and "/_images/" in image["src"]:
            webp = path.with_suffix(".webp")
            assert not webp.exists() or webp.stat().st_size >= path.stat().st_size, (
                f"{path.name} is served as PNG although its WebP is smaller"
            )
    figures = [i["src"] for i in images if "/_images/" in i["src"]]
    assert not figures or any(src.endswith(".webp") for src in figures), "no figure is WebP"
    assert page.locator("script[src*='fontawesome']").count() == 0, "fontawesome.js is loaded"
    assert page.locator("i.fab").count() == 0, "an icon from the 118 kB brands font"

    # Math: every formula in the source became MathJax output.
    if page.locator("article .math").count():
        page.wait_for_selector("article mjx-container", timeout=15000)
        raw = page.locator("article .math:not(:has(mjx-container))").count()
        assert raw == 0, f"{raw} formulas were not typeset"

    # Static explorers: moving the slider shows another frame.
    explorers = page.locator(".gd-static-explorer")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        slider = explorer.locator("input[type=range]").first
        shown = explorer.locator("img.gd-light")  # the light theme's frame
        before = shown.get_attribute("src")
        last = slider.get_attribute("max")
        target = "0" if slider.input_value() == last else last
        slider.fill(target)
        after = shown.get_attribute("src")
        assert after != before, f"explorer {i} did not change its frame"
        assert shown.get_attribute("alt").startswith("Explorer frame for")
        assert shown.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")

    # Launch (Binder, live code) and download buttons on notebook pages.
    if (ROOT / f"{doc}.ipynb").exists():
        assert page.locator("a[href*='mybinder.org']").count() >= 1, "no Binder launch button"
        assert page.locator("button.btn-launch-thebe, .thebe-launch-button").count() >= 1, (
            "no live-code (Thebe) button"
        )
        assert page.locator("a[href$='.ipynb']").count() >= 1, "no notebook download link"
    assert page.locator(".btn-download-source-button, a.btn[title*='Download']").count() >= 1 or (
        page.locator("[aria-label*='Download']").count() >= 1
    ), "no download button"

    # The header's download menu offers the whole book as one PDF (make pdf puts it there).
    assert page.locator("a.btn-download-book-pdf-button").count() == 1, "no link to the PDF"

    # The footer states the licences: CC BY 4.0 for the text and figures, MIT for the code.
    footer = page.locator("footer .gdbook-licence")
    assert footer.count() == 1, "no licence line in the footer"
    assert "CC BY 4.0" in footer.inner_text() and "MIT" in footer.inner_text()
    assert footer.locator("a[href*='creativecommons.org/licenses/by/4.0']").count() == 1

    page.screenshot(path=str(screenshots / f"{doc.replace('/', '_')}.png"), full_page=True)
    offline_report[doc] = page.offline_only
    page_weight(doc, [i["src"] for i in images])  # every file an <img> names exists
    weight = page_weight(doc, [i["src"] for i in images if i["loads"]])
    assert weight <= MAX_PAGE_BYTES, f"page with its images weighs {weight / 1e6:.2f} MB"
    assert not page.problems, "\n".join(page.problems)
    # Nothing may depend on the internet, except Thebe/Binder themselves.
    unexpected = [u for u in page.offline_only if "thebe" not in u and "binder" not in u]
    assert not unexpected, "resources that need the internet:\n" + "\n".join(unexpected)


@pytest.mark.browser
def test_the_pdf_the_header_links_is_the_printed_book(page, site_url):
    page.goto(f"{site_url}/book/intro.html")
    href = page.locator("a.btn-download-book-pdf-button").get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, f"{href}: HTTP {response.status}"
    assert response.body() == (ROOT / "_build" / "pdf" / "book.pdf").read_bytes()
    assert response.body().startswith(b"%PDF-")


@pytest.mark.browser
def test_search_finds_a_word(page, site_url):
    page.goto(f"{site_url}/search.html?q=learning+rate", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li", timeout=15000)
    assert page.locator("#search-results ul.search li").count() >= 1
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.browser
@pytest.mark.parametrize("doc", toc_pages())
def test_page_reads_at_phone_width(browser, site_url, screenshots, doc):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site_url}/{doc}.html", wait_until="networkidle")
    page.screenshot(path=str(screenshots / f"{doc.replace('/', '_')}-phone.png"))
    # The text column fits the screen: nothing but code blocks and wide outputs may scroll.
    width = page.evaluate("document.querySelector('article').getBoundingClientRect().width")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert width <= 390, f"the article is {width}px wide on a 390px screen"
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at phone width"


@pytest.mark.browser
@pytest.mark.parametrize("doc", [d for d in toc_pages() if (ROOT / f"{d}.ipynb").exists()])
def test_the_notebook_download_is_the_notebook_that_reads_well_in_jupyter(page, site_url, doc):
    """The page's .ipynb download is the chapter itself, in its Jupyter-ready markup."""
    page.goto(f"{site_url}/{doc}.html")
    link = page.locator("a[href$='.ipynb']:not([href*='mybinder'])").first
    href = link.get_attribute("href")
    response = page.request.get(page.url.rsplit("/", 1)[0] + "/" + href)
    assert response.ok, f"{href}: HTTP {response.status}"
    downloaded = response.body()
    assert downloaded == (ROOT / f"{doc}.ipynb").read_bytes()
    assert b"<span data-glue=" in downloaded and b"{glue:text}" not in downloaded
    if not doc.startswith("book/appendix-"):  # the maths refresher has no exercises
        assert b'<details class=\\"solution\\">' in downloaded
