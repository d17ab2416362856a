"""The supporter emails' HTML in Chromium, from the staff previews: the Arabic one laid out right to
left, neither scrolling sideways at a phone's width, framed on the preview page; and the printable
receipt page of a reader who paid. Screenshots for the README with `UPDATE_DOCS_SCREENSHOTS=1`."""

import os
import shutil

import pytest

from .conftest import HEIGHT, NARROW, REPO_ROOT
from .steps import become_member, expect, expect_one_payment, register, server_errors

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

DIRECTION = {"en": "ltr", "ar": "rtl"}
MEDIUM = 640  # a mail client's reading pane
WIDTHS = (NARROW, MEDIUM)
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
# The body's direction, whether anything reaches past the viewport, and where the masthead's
# link sits: at the start of the line, the right in Arabic.
LAYOUT = """() => {
  const masthead = document.querySelector("a").getBoundingClientRect();
  return {
    direction: getComputedStyle(document.body).direction,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    mastheadCentre: (masthead.left + masthead.right) / 2,
  };
}"""


def _screenshots(page, folder, name: str) -> dict[int, object]:
    """Full-page screenshots at each width, each after checking nothing scrolls sideways."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        layout = page.evaluate(LAYOUT)
        assert layout["scrollWidth"] <= layout["innerWidth"], f"{name} scrolls sideways at {width}"
        files[width] = folder / f"{name}-{width}.png"
        page.screenshot(path=str(files[width]), full_page=True)
    return files


def _update_docs(source, name: str) -> None:
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, DOCS_SCREENSHOTS / name)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_receipt_email_renders_in_its_direction(staff_context, artifacts, request, lang):
    """The receipt email's HTML, as staff preview it: its language's direction, no sideways
    scrolling at 360 and 640 px, and the same HTML loads in the preview page's frame."""
    page = staff_context.new_page()
    try:
        errors = server_errors(page)
        response = page.goto(f"/en/staff/emails/receipt/{lang}.html")
        assert response.status == 200
        folder = artifacts / request.node.name
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            layout = page.evaluate(LAYOUT)
            assert (page.evaluate("document.documentElement.lang"), layout["direction"]) == (
                lang, DIRECTION[lang],
            )  # fmt: skip
            at_the_right = layout["mastheadCentre"] > layout["innerWidth"] / 2
            assert at_the_right == (lang == "ar"), f"masthead on the wrong side at {width}"
        shots = _screenshots(page, folder, f"email-receipt-{lang}")
        _update_docs(shots[MEDIUM], f"email-receipt-{lang}.png")

        page.goto(f"/en/staff/emails/receipt/{lang}")
        framed = page.frame_locator("iframe.email-preview__frame")
        expect(framed.locator("html")).to_have_attribute("dir", DIRECTION[lang])
        expect(page.locator("main pre")).to_have_attribute("dir", DIRECTION[lang])
        _screenshots(page, folder, f"staff-preview-{lang}")
        assert errors == [], f"server errors: {errors}"
    finally:
        page.close()


def test_the_receipt_page_of_a_reader_who_paid(page, artifacts, request):
    """An Arabic reader pays $1 a month; the account's receipt link opens the printable receipt,
    right to left and within 360 px."""
    errors = server_errors(page)
    register(page, "ar")
    become_member(page, "ar")
    expect_one_payment(page, "ar", "paid")
    page.locator(".account-page table.receipts a[href*='/account/receipts/']").click()
    page.wait_for_url("**/ar/account/receipts/*")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    shots = _screenshots(page, artifacts / request.node.name, "receipt-page-ar")
    _update_docs(shots[MEDIUM], "receipt-page-ar.png")
    assert errors == [], f"server errors: {errors}"
