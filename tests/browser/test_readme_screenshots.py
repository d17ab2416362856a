"""The README's pictures, in English and Arabic: the support prompt under an article, the support
page (also at 360 px), a member's article side by side, and the staff overview with its charts.

Each test checks what its picture is meant to show, then saves it to
`test-artifacts/browser/<test>/`; with `UPDATE_DOCS_SCREENSHOTS=1` also to `docs/screenshots/`.
"""

import os
import shutil

import pytest

from .conftest import HEIGHT, NARROW, REPO_ROOT, WIDE, _flask
from .steps import (
    TEXT,
    article_path,
    become_member,
    chart_images,
    expect,
    html_lang_and_direction,
    register,
    server_errors,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
OTHER = {"en": "ar", "ar": "en"}
DIRECTION = {"en": "ltr", "ar": "rtl"}
CHARTS = ("mrr", "cash", "movements", "retention")


def _save(page, request, artifacts, name: str, width: int = WIDE) -> None:
    """Screenshot the viewport at `width` into the test's artifacts folder (and the README's)."""
    page.set_viewport_size({"width": width, "height": HEIGHT})
    folder = artifacts / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)


def _scroll_to(page, locator, above: int) -> None:
    """Scroll so that `locator`'s top sits `above` px below the top of the viewport."""
    top = locator.evaluate("el => el.getBoundingClientRect().top + window.scrollY")
    page.evaluate(f"window.scrollTo(0, {max(0, top - above)})")


def _in_view(locator) -> bool:
    """Whether some of `locator` is inside the viewport (vertically)."""
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.bottom > 0 && r.top < window.innerHeight; }"
    )


@pytest.fixture(scope="module")
def seeded(site):
    """A few demo supporters (`flask demo seed`) before the overview is first drawn (it caches)."""
    _flask(site.env, "demo", "seed", "--supporters", "40")
    return site


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_prompt_and_the_support_page(page, request, artifacts, lang):
    """Under the article, the prompt with its amount links; the support page's amount choices."""
    errors = server_errors(page)
    page.goto(article_path(lang))
    assert html_lang_and_direction(page) == (lang, DIRECTION[lang])
    prompt = page.locator(".support-prompt")
    expect(prompt).to_be_visible()
    amounts = prompt.locator(".support-prompt__choices a[href*='/support?']")
    assert amounts.count() >= 3
    expect(amounts.first).to_have_text(TEXT[lang]["one_a_month"])
    # The prompt's bottom near the viewport's, the end of the article's text above it.
    text_above = page.locator(".article .article__body p").last
    expect(text_above).to_be_visible()
    height = prompt.evaluate("el => el.getBoundingClientRect().height")
    _scroll_to(page, prompt, above=HEIGHT - int(height) - 24)
    assert page.evaluate("window.scrollY") > 0, "the prompt is not below the article's text"
    assert _in_view(prompt), "the prompt is not in view"
    assert _in_view(text_above), "no article text above the prompt"
    _save(page, request, artifacts, f"prompt-{lang}")

    amounts.first.click()
    page.wait_for_url(f"**/{lang}/support?*")
    page.goto(f"/{lang}/support")
    assert html_lang_and_direction(page) == (lang, DIRECTION[lang])
    expect(page.locator("input[name=frequency]")).to_have_count(3)
    choices = page.locator(".amount-choices label.tile")
    assert choices.count() >= 4
    expect(choices.first).to_be_visible()
    expect(page.locator("main form [type=submit]").first).to_be_visible()
    _save(page, request, artifacts, f"support-{lang}")
    _save(page, request, artifacts, f"support-{lang}-{NARROW}", width=NARROW)
    layout = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert layout[0] <= layout[1], f"the support page scrolls sideways at {NARROW} px"
    assert errors == [], f"server errors: {errors}"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_member_reads_side_by_side(page, request, artifacts, lang):
    """A new member turns on side by side: both versions, each in its language and direction,
    next to each other (and still so after a reload: the choice is kept on the account)."""
    errors = server_errors(page)
    register(page, lang)
    become_member(page, lang)
    page.goto(article_path(lang))
    both = page.locator(".version-toggle button[data-show=both]")
    expect(both).to_have_attribute("aria-pressed", "false")
    with page.expect_response(lambda r: r.url.endswith("/account/reading-mode")) as saved:
        both.click()
    assert saved.value.ok, f"the reading mode was answered {saved.value.status}"
    page.reload()
    expect(page.locator(".versions.versions--both")).to_be_visible()
    expect(both).to_have_attribute("aria-pressed", "true")
    boxes = {}
    for version, version_lang in (("this", lang), ("other", OTHER[lang])):
        article = page.locator(f'[data-version="{version}"]')
        expect(article).to_be_visible()
        expect(article).to_have_attribute("lang", version_lang)
        expect(article).to_have_attribute("dir", DIRECTION[version_lang])
        boxes[version] = article.bounding_box()
    this, other = boxes["this"], boxes["other"]
    assert abs(this["y"] - other["y"]) < 5, "the two versions do not start on the same line"
    first, second = (this, other) if lang == "en" else (other, this)
    assert first["x"] + first["width"] <= second["x"], "the versions are not side by side"
    _save(page, request, artifacts, f"side-by-side-{lang}")
    assert errors == [], f"server errors: {errors}"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_staff_overview_with_its_charts(seeded, staff_context, request, artifacts, lang):
    """The overview draws its four charts (each image loaded, with alt text) from the supporters."""
    page = staff_context.new_page()
    try:
        errors = server_errors(page)
        page.goto(f"/{lang}/staff/")
        assert html_lang_and_direction(page) == (lang, DIRECTION[lang])
        figures = page.locator("main figure.chart img")
        expect(figures).to_have_count(len(CHARTS))
        for index in range(len(CHARTS)):
            figures.nth(index).scroll_into_view_if_needed()
        page.wait_for_function(
            "[...document.querySelectorAll('main figure.chart img')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        charts = chart_images(page)
        assert set(charts) == {f"/{lang}/staff/charts/{name}.svg" for name in CHARTS}
        for src, chart in charts.items():
            assert chart["width"] > 0, f"the chart {src} did not load"
            assert chart["alt"].strip(), f"the chart {src} has no alt text"
        _scroll_to(page, figures.first, above=HEIGHT // 3)
        assert _in_view(figures.first)
        _save(page, request, artifacts, f"staff-overview-{lang}")
        assert errors == [], f"server errors: {errors}"
    finally:
        page.close()
