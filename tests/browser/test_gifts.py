"""A gift membership bought in Arabic in the browser: the gift form, the stand-in Payment Element,
the thanks, then the recipient's Arabic email and the page its link opens, whose one button
starts the membership."""

import re

import pytest

from .conftest import new_context
from .steps import (
    OK_CARD,
    expect,
    expect_payment_element,
    html_lang_and_direction,
    last_email,
    main_submit,
    pay_with,
    register,
    server_errors,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

FRIEND = "friend-in-aleppo@example.org"
TEXT = {
    "thanks": "شكرًا على هديتك!",
    "charge": "15 US$",
    "from_sara": "هدية من سارة: 3 أشهر من عضوية عنب بلدي.",
    "started": "بدأت عضويتك",
}


def test_a_gift_bought_in_arabic_is_redeemed_by_its_recipient(page, browser, site, shots):
    """Three months at 5 US$ a month for an Arabic email: 15 US$ charged once, the thanks, the
    recipient's Arabic email naming the giver, and the link's one button starting the membership."""
    errors = server_errors(page)
    register(page, "ar")
    page.goto("/ar/gift")
    assert html_lang_and_direction(page) == ("ar", "rtl")
    page.click("label[for=months-1]")  # 3 months (the choices: 1, 3, 6, 12)
    page.click("label[for=amount-1]")  # 5 US$ a month
    page.fill("#recipient_email", FRIEND)
    page.click("label[for=lang-1]")  # the email in Arabic (the choices: English, Arabic)
    page.fill("#giver_name", "سارة")
    page.fill("#message", "كل عام وأنت بخير")
    expect(page.locator("input[name=lang][value=ar]")).to_be_checked()
    shots(page, "gift-form")
    main_submit(page).click()
    page.wait_for_url("**/ar/support/pay/*")
    expect_payment_element(page, "ar")
    expect(page.locator(".charge-summary")).to_contain_text(TEXT["charge"])
    pay_with(page, OK_CARD)
    page.wait_for_url("**/ar/support/done/*")
    expect(page.locator("main h1")).to_have_text(TEXT["thanks"], timeout=15_000)
    expect(page.locator("main")).to_contain_text(FRIEND)
    shots(page, "gift-thanks")

    email = last_email(site, FRIEND)
    assert email["lang"] == "ar" and TEXT["from_sara"] in email["body"]
    link = re.search(r"/ar/gift/redeem/[A-Za-z0-9_-]+", email["body"]).group(0)
    recipient = new_context(browser, site)
    try:
        friend = recipient.new_page()
        friend.goto(link)
        expect(friend.locator("main")).to_contain_text("كل عام وأنت بخير")
        shots(friend, "gift-redeem")
        main_submit(friend).click()
        expect(friend.locator("main h1")).to_have_text(TEXT["started"])
        expect(friend.locator("main")).to_contain_text("سجّلت الدخول على هذا الجهاز")
        shots(friend, "gift-redeemed")
        friend.goto(link)  # used once: the page now says so, with no button
        expect(friend.locator("main form")).to_have_count(0)
    finally:
        recipient.close()
    assert errors == [], f"server errors: {errors}"
