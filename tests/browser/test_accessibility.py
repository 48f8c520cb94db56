"""The built book for readers who do not use a mouse, or a screen, or JavaScript.

- axe-core checks the main content of every page of the table of contents, in the
  light theme and again in the dark one: no violation of impact "serious" or
  "critical", with axe's default rules. axe comes from npm with the site's other
  JavaScript (book/_offline/package.json, a devDependency: the tests inject it, the
  site never serves it).
- Every static explorer works from the keyboard: Tab reaches each slider, an arrow
  key shows another frame and message, and the slider says its new value
  (aria-valuetext) under a name (its label); the message is a polite live region.
- Without JavaScript every static explorer shows its first frame, a real image
  (the light one: no script sets the dark theme).
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest
from conftest import ROOT, switch_to_dark
from test_site import toc_pages

AXE = ROOT / "book" / "_offline" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"


def explorer_count(doc: str) -> int:
    """How many static explorers the chapter's notebook stores in its outputs."""
    notebook = ROOT / f"{doc}.ipynb"
    if not notebook.exists():
        return 0
    cells = json.loads(notebook.read_text())["cells"]
    return sum(
        'class="gd-static-explorer"' in "".join(output.get("data", {}).get("text/html", ""))
        for cell in cells
        for output in cell.get("outputs", [])
    )


EXPLORER_PAGES = [doc for doc in toc_pages() if explorer_count(doc)]


def open_page(page, site_url: str, doc: str) -> None:
    page.goto(f"{site_url}/{doc}.html", wait_until="networkidle")
    if page.locator("article .math").count():  # axe should see the typeset math
        page.wait_for_selector("article mjx-container", timeout=15000)


def serious_violations(page) -> list[str]:
    results = page.evaluate(
        "axe.run(document.querySelector('main'), {resultTypes: ['violations']})"
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        + (f" and {len(v['nodes']) - 5} more" if len(v["nodes"]) > 5 else "")
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.browser
@pytest.mark.parametrize("doc", toc_pages())
def test_axe_finds_nothing_serious_in_the_light_or_the_dark_theme(page, site_url, doc):
    if not AXE.is_file():
        pytest.fail(f"no {AXE.relative_to(ROOT)}: run `make offline` (npm ci in book/_offline)")
    open_page(page, site_url, doc)
    page.add_style_tag(content=NO_TRANSITIONS)  # axe reads the colours the theme ends at
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    found = {"light": serious_violations(page)}
    switch_to_dark(page)
    found["dark"] = serious_violations(page)
    report = [f"{theme}: {line}" for theme, lines in found.items() for line in lines]
    assert not report, "axe-core found:\n" + "\n".join(report)
    assert not page.errors, "\n".join(page.errors)


def focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


@pytest.mark.browser
@pytest.mark.parametrize("doc", EXPLORER_PAGES)
def test_every_static_explorer_works_from_the_keyboard(page, site_url, doc, screenshots):
    page.goto(f"{site_url}/{doc}.html", wait_until="load")  # the player runs as the page loads
    explorers = page.locator(".gd-static-explorer")
    assert explorers.count() == explorer_count(doc)
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        image, message = explorer.locator("img.gd-light"), explorer.locator(".gd-static-message")
        assert message.get_attribute("aria-live") == "polite"
        # Start just before the explorer, as a reader tabbing down the page arrives there.
        explorer.evaluate("box => { box.tabIndex = -1; box.focus(); }")
        sliders = explorer.locator("input[type=range]")
        assert sliders.count() >= 1
        for j in range(sliders.count()):
            slider = sliders.nth(j)
            where = f"explorer {i}, slider {j}"
            page.keyboard.press("Tab")
            assert focused(slider), f"{where}: Tab does not reach it"
            name = slider.evaluate("s => s.parentElement.firstChild.textContent.trim()")
            assert name and page.get_by_role("slider", name=name, exact=True).count() >= 1, (
                f"{where}: no slider is named by its label {name!r}"
            )
            labels = json.loads(slider.get_attribute("data-labels"))
            value = int(slider.input_value())
            assert slider.get_attribute("aria-valuetext") == labels[value]
            before = (image.get_attribute("src"), message.inner_text())
            key, step = ("ArrowRight", 1) if value < len(labels) - 1 else ("ArrowLeft", -1)
            page.keyboard.press(key)
            assert int(slider.input_value()) == value + step, f"{where}: {key} did not move it"
            shown = labels[value + step]
            assert slider.get_attribute("aria-valuetext") == shown
            assert slider.locator("xpath=following-sibling::output").inner_text() == shown
            assert image.get_attribute("src") != before[0], f"{where}: {key} kept the frame"
            assert message.inner_text() != before[1], f"{where}: {key} kept the message"
            assert focused(slider), f"{where}: the slider lost the focus"
            if i == j == 0:  # for people to look at: the focus ring a keyboard reader sees
                explorer.screenshot(path=str(screenshots / f"{doc.replace('/', '_')}-keyboard.png"))
    assert not page.errors, "\n".join(page.errors)


@pytest.mark.browser
@pytest.mark.parametrize("doc", EXPLORER_PAGES)
def test_without_javascript_every_explorer_shows_its_first_frame(browser, site_url, doc):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site_url}/{doc}.html", wait_until="load")
    explorers = page.locator(".gd-static-explorer")
    assert explorers.count() == explorer_count(doc)
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        image = explorer.locator("img.gd-light")  # no script sets a theme: the light one
        assert image.is_visible() and explorer.locator("img.gd-dark").is_hidden()
        src = image.get_attribute("src")
        assert src.endswith(".webp"), f"explorer {i} shows {src[:40]!r}, not a WebP frame"
        webp = page.request.get(urljoin(page.url, src)).body()
        assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP", f"explorer {i}: not a WebP image"
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), (
            f"explorer {i}: the browser could not show its frame"
        )
        assert image.get_attribute("alt").startswith("Explorer frame for")
        assert explorer.locator(".gd-static-message").inner_text().strip()
        # Sliders that no script would answer stay hidden.
        assert explorer.locator(".gd-static-controls").is_hidden()
    context.close()
