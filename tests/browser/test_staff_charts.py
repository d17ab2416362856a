"""The overview's charts in both languages, with a year of demo supporters: every chart draws, counts
have whole-number ticks on the value axis, and the new-against-churned chart's date labels stand
apart; at 360 px each chart's narrow rendition shows, its text still 11 px or more (screenshots of
the page and of each chart go to test-artifacts/browser/)."""

import itertools
import math
import re

import pytest

from .conftest import HEIGHT, NARROW, _flask

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

CHARTS = ("mrr", "cash", "movements", "retention")
COUNT_CHARTS = ("movements", "retention")
MIN_TEXT_PX = 11
# The x axis's shown labels: text, left and right edges, height, rotation, the tick's x.
X_LABELS = (
    "[...document.querySelectorAll('.axis.x text')]"
    ".filter(t => getComputedStyle(t).display !== 'none' && t.textContent.trim())"
    ".map(t => { const r = t.getBoundingClientRect(), b = t.getBBox();"
    " const turn = /rotate\\(([-0-9.]+)/.exec(t.getAttribute('transform') || '');"
    " return [t.textContent, r.left, r.right, b.height, turn ? +turn[1] : 0,"
    " t.x.baseVal[0].value]; })"
)
# Every shown text of an SVG document and its font size, in the SVG's own units.
TEXT_SIZES = (
    "[...document.querySelectorAll('text')]"
    ".filter(t => getComputedStyle(t).display !== 'none' && t.textContent.trim())"
    ".map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize)])"
)


@pytest.fixture(scope="module")
def seeded(site):
    """A year of demo supporters in this module's database (`flask demo seed`), before any page
    of the overview is drawn (its figures are cached for a minute)."""
    _flask(site.env, "demo", "seed", "--supporters", "400")
    return site


def y_ticks(svg: str) -> list[str]:
    """The value axes' tick labels (left and right), as the SVG's text."""
    labels = []
    for axis in re.findall(r'<g class="axis (?:y|y2)[^"]*">(.*?)</g></g>', svg, re.S):
        labels += re.findall(r"<text[^>]*>([^<]+)</text>", axis)
    return labels


def apart(first, second) -> bool:
    """Two neighbouring axis labels do not overlap: level ones side by side, rotated ones (parallel)
    at least a line's height apart across their slant."""
    _, left, right, height, angle, tick = first
    _, next_left, next_right, _, _, next_tick = second
    if not angle:
        return right <= next_left or next_right <= left
    step = abs(next_tick - tick)  # in the SVG's own units, as the height is
    return step * abs(math.sin(math.radians(angle))) >= height * 0.9


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_overview_charts_are_readable(seeded, staff_context, shots, lang):
    """Four charts draw; the count charts' ticks are whole numbers; no two date labels overlap."""
    page = staff_context.new_page()
    try:
        page.goto(f"/{lang}/staff/")
        srcs = page.eval_on_selector_all(
            "main figure.chart img", "imgs => imgs.map(img => img.getAttribute('src'))"
        )
        assert [src.rsplit("/", 1)[-1] for src in srcs] == [f"{name}.svg" for name in CHARTS]
        shots(page, f"overview-{lang}", focus=page.locator("main figure.chart").nth(2))
        for name in CHARTS:
            page.goto(f"/{lang}/staff/charts/{name}.svg")
            svg = page.content()
            assert 'class="no_data"' not in svg, f"{name} draws 'No data'"
            page.screenshot(path=str(shots.folder / f"chart-{name}-{lang}.png"))
            ticks = y_ticks(svg)
            assert ticks, f"{name} has no value axis labels"
            if name in COUNT_CHARTS:
                assert all(re.fullmatch(r"[\d,٬]+", tick) for tick in ticks), (name, ticks)
                assert int(ticks[-1].replace(",", "").replace("٬", "")) > 1, (name, ticks)
            labels = page.evaluate(X_LABELS)
            assert len(labels) >= 6, (name, labels)
            for first, second in itertools.pairwise(labels):
                assert apart(first, second), f"{name} ({lang}): '{first[0]}' overlaps '{second[0]}'"
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_charts_read_at_360_px(seeded, staff_context, shots, lang):
    """At 360 px the overview shows each chart's narrow rendition, every text of it 11 px or more as
    shown, its date labels apart and whole; the page does not scroll sideways."""
    page = staff_context.new_page()
    shots.folder.mkdir(parents=True, exist_ok=True)
    try:
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
        page.goto(f"/{lang}/staff/")
        page.wait_for_function(
            "[...document.querySelectorAll('main figure.chart img')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW
        shown = page.eval_on_selector_all(
            "main figure.chart img",
            "imgs => imgs.map(img => [img.currentSrc, img.getBoundingClientRect().width])",
        )
        assert len(shown) == len(CHARTS)
        for (src, width), name in zip(shown, CHARTS, strict=True):
            assert f"/charts/{name}.svg" in src and "size=narrow" in src, (name, src)
            page.goto(src)
            scale = width / page.evaluate("document.documentElement.viewBox.baseVal.width")
            sizes = page.evaluate(TEXT_SIZES)
            assert len(sizes) >= 6, (name, sizes)
            text, size = min(sizes, key=lambda found: found[1])
            assert size * scale >= MIN_TEXT_PX, (
                f"{name} ({lang}) at {NARROW} px: '{text}' is {size * scale:.1f} px"
            )
            labels = page.evaluate(X_LABELS)
            assert len(labels) >= 3, (name, labels)
            edge = page.evaluate("window.innerWidth")  # the SVG spans the window
            assert all(left >= 0 and right <= edge for _, left, right, *_ in labels), (name, labels)
            for first, second in itertools.pairwise(labels):
                assert apart(first, second), f"{name} ({lang}): '{first[0]}' overlaps '{second[0]}'"
            page.screenshot(path=str(shots.folder / f"chart-{name}-{lang}-{NARROW}.png"))
    finally:
        page.close()
