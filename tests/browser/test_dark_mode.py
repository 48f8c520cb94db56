"""The built book in the dark theme: no figure is a light rectangle.

Every figure and explorer frame of a chapter has a dark twin, drawn by the same
code in the dark style of helpers/book/plots.py (book/_ext/gdtwins.py). Here a
reader switches the theme with its button, and for every figure and explorer on
the page the test looks at what the screen shows, a screenshot of the image, and
measures its mean luminance: it must be dark. The light frames are not loaded for
the dark reader's explorer, nor the dark ones for the light reader.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from conftest import ROOT, switch_to_dark
from PIL import Image
from test_accessibility import EXPLORER_PAGES, explorer_count
from test_site import toc_pages

# Luminance (0 black .. 255 white) of what the reader sees. Measured on the built
# files: the light figures have a mean of 158 or more and a white edge (their
# paper); the dark twins are drawn on the page's own background (#14181e, luma 23),
# their edges measure under 25, and their means under 51 except where a colour map
# fills most of the figure (chapter 5's viridis map of momentum's rates, 120).
DARK_MEAN, DARK_EDGE = 128, 60
NOTEBOOK_PAGES = [doc for doc in toc_pages() if (ROOT / f"{doc}.ipynb").exists()]


def luminance(png: bytes) -> tuple[float, float]:
    """Mean Rec. 709 luma of a screenshot, and of its outermost two pixels (the paper)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    luma = rgb @ [0.2126, 0.7152, 0.0722]
    edge = np.concatenate(
        [luma[:2].ravel(), luma[-2:].ravel(), luma[:, :2].ravel(), luma[:, -2:].ravel()]
    )
    return float(luma.mean()), float(edge.mean())


def displayed(image) -> bool:
    """Whether CSS shows the image (a lazy image not yet loaded has no size, so
    Playwright's is_visible would say no)."""
    return image.evaluate("img => img.checkVisibility()")


def looks_dark(image, where: str) -> None:
    image.scroll_into_view_if_needed()  # the dark twin is lazy: it loads when seen
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth > 0)"), (
        f"{where}: the dark twin did not load"
    )
    mean, edge = luminance(image.screenshot(animations="disabled"))
    assert mean < DARK_MEAN and edge < DARK_EDGE, (
        f"{where} is a light rectangle in the dark theme (luma {mean:.0f}, at its edge {edge:.0f})"
    )


@pytest.mark.browser
@pytest.mark.parametrize("doc", NOTEBOOK_PAGES)
def test_in_the_dark_theme_no_figure_is_a_light_rectangle(page, site_url, doc, screenshots):
    page.goto(f"{site_url}/{doc}.html", wait_until="networkidle")
    outputs = page.locator("article .cell_output img:not(.gd-print-strip img)")  # paper is light
    light = page.locator("article .cell_output img.gd-light")
    dark = page.locator("article .cell_output img.gd-dark")
    # Every output image is one of a pair: a figure without a twin would stay light.
    assert outputs.count() == light.count() + dark.count() and light.count() == dark.count()
    assert light.count() > 0, "a chapter without figures?"
    for i in range(light.count()):  # the light reader downloads no dark twin
        assert displayed(light.nth(i)) and not displayed(dark.nth(i))
        assert dark.nth(i).evaluate("img => !img.complete || img.naturalWidth === 0"), (
            f"figure {i}: its dark twin loaded in the light theme"
        )

    switch_to_dark(page)
    for i in range(dark.count()):
        assert not displayed(light.nth(i)) and displayed(dark.nth(i)), f"figure {i}"
        looks_dark(dark.nth(i), f"figure {i}")
    page.screenshot(path=str(screenshots / f"{doc.replace('/', '_')}-dark.png"), full_page=True)
    assert not page.errors, "\n".join(page.errors)


@pytest.mark.browser
@pytest.mark.parametrize("doc", EXPLORER_PAGES)
def test_in_the_dark_theme_the_explorers_play_their_dark_frames(page, site_url, doc):
    page.goto(f"{site_url}/{doc}.html", wait_until="networkidle")
    explorers = page.locator(".gd-static-explorer")
    assert explorers.count() == explorer_count(doc)  # every one the notebook shows
    switch_to_dark(page)
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        frames = json.loads(explorer.locator("script[type='application/json']").text_content())
        light_files = {frame["src"] for frame in frames}
        dark_files = {frame["dark"] for frame in frames}
        assert not light_files & dark_files, f"explorer {i}: a frame is its own dark twin"
        shown = explorer.locator("img.gd-dark")
        first_light = explorer.locator("img.gd-light").get_attribute("src")
        looks_dark(shown, f"explorer {i}, first frame")
        slider = explorer.locator("input[type=range]").first
        before = shown.get_attribute("src")
        slider.focus()  # the player fetches the reader's theme's frames on the first touch
        slider.fill(slider.get_attribute("max") if slider.input_value() == "0" else "0")
        after = shown.get_attribute("src")
        assert after != before and after in dark_files, f"explorer {i} kept its frame"
        looks_dark(shown, f"explorer {i}, after the slider moved")
        fetched = page.evaluate(
            "performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
        )
        light_fetched = {f for f in light_files if any(p.endswith(f.lstrip("./")) for p in fetched)}
        # Before the switch the page showed the light first frame, and it loads the
        # four light frames of the print strip (gdbook-print.js): paper is light.
        light_fetched -= {first_light}
        strip = explorer.locator("xpath=following-sibling::figure[@class='gd-print-strip'][1]")
        light_fetched -= {img.get_attribute("src") for img in strip.locator("img").all()}
        assert not light_fetched, (
            f"explorer {i}: the dark reader's player fetched light frames {sorted(light_fetched)}"
        )
    assert not page.errors, "\n".join(page.errors)
