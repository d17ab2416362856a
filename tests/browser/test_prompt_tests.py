"""A prompt test in a real browser: staff start it from their pages; a reader's variant survives
reloads, the frequency cap hides the prompt, and the cached article is byte-identical for two
readers shown different variants (the choice is made in the browser, from its own storage)."""

import json
import re

import pytest

from .steps import article_path, expect

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

VARIANT_WORDS = "A free press is what keeps Idlib on the map."
PROMPT = "aside[data-prompt]"


@pytest.fixture(scope="module")
def running_test(staff_context):
    """Staff cap the English prompt at 2 shows a day, write a variant and start a 50/50 test."""
    page = staff_context.new_page()
    page.goto("/en/staff/prompts")
    page.locator("table.receipts tr:has(.badge):has(td:text-is('English')) a").first.click()
    page.fill("#max_shows", "2")
    page.fill("#show_days", "1")
    page.click("#submit")
    expect(page.locator(".flashes, [role=status]").first).to_be_visible()
    page.fill("#test-name", "Words")
    page.locator("form[action$='/tests'] button[type=submit]").click()
    page.locator("a[href$='/variants/new']").click()
    page.fill("#name", "A free press")
    page.fill("#lines", f"{VARIANT_WORDS}\nGive what you can.")
    page.click("#submit")
    page.locator("form[action$='/start'] button[type=submit]").click()
    expect(page.locator("h1 .badge")).to_have_text("Running")
    page.close()


def shown_variant(page) -> str:
    """The variant the prompt shows, once the browser has chosen it."""
    prompt = page.locator(PROMPT)
    expect(prompt).to_have_attribute("data-shown", re.compile(r"\d+"))
    return prompt.get_attribute("data-shown")


def see_the_prompt(page, shows: int) -> None:
    """Scroll the prompt into view and wait until this browser has noted its `shows`-th show."""
    page.locator(PROMPT).scroll_into_view_if_needed()
    page.wait_for_function(
        "n => (JSON.parse(localStorage.getItem('enab-prompt') || '{}').shows || []).length >= n",
        arg=shows,
    )


def test_the_variant_a_reader_is_given_survives_reloads(running_test, page):
    """Drawn once, the variant is kept in the browser's storage: every reload shows the same one,
    with its own words."""
    page.goto(article_path("en"))
    first = shown_variant(page)
    for _ in range(4):
        page.reload()
        assert shown_variant(page) == first
    control = page.locator(PROMPT).get_attribute("data-control")
    words = page.locator(f"{PROMPT} [data-prompt-body]").inner_text()
    assert (VARIANT_WORDS in words) == (first != control)
    stored = json.loads(page.evaluate("localStorage.getItem('enab-prompt')"))
    assert stored["tests"] == {page.locator(PROMPT).get_attribute("data-test"): first}


def test_the_frequency_cap_hides_the_prompt(running_test, page):
    """At most 2 shows a day: seen twice, the prompt is hidden on the third article view."""
    page.goto(article_path("en"))
    see_the_prompt(page, 1)
    page.reload()
    see_the_prompt(page, 2)
    page.reload()
    expect(page.locator(PROMPT)).to_be_hidden()
    expect(page.locator("article h1, .article h1").first).to_be_visible()


def test_the_cached_article_is_byte_identical_for_two_readers(running_test, browser, site, page):
    """Two readers given different variants get the very same bytes, without a cookie; each sees
    the variant its own browser keeps."""
    from .conftest import new_context

    page.goto(article_path("en"))
    prompt = page.locator(PROMPT)
    test_id, control = prompt.get_attribute("data-test"), prompt.get_attribute("data-control")
    variant = next(v for v in json.loads(prompt.get_attribute("data-split")) if v != control)
    other_context = new_context(browser, site)
    try:
        readers = [(page, control), (other_context.new_page(), variant)]
        bodies = []
        for reader, given in readers:
            state = json.dumps({"tests": {test_id: given}})
            reader.context.add_init_script(
                f"localStorage.setItem('enab-prompt', {json.dumps(state)})"
            )
            response = reader.goto(article_path("en"))
            assert "set-cookie" not in response.headers
            bodies.append(response.body())
            assert shown_variant(reader) == given
        assert bodies[0] == bodies[1]
        assert VARIANT_WORDS in readers[1][0].locator(f"{PROMPT} [data-prompt-body]").inner_text()
        assert (
            VARIANT_WORDS not in readers[0][0].locator(f"{PROMPT} [data-prompt-body]").inner_text()
        )
    finally:
        other_context.close()
