"""A returning supporter on the support form, in a real browser, in both languages: the email they
give has an account, so the next page asks for the code emailed to it (keeping the amount chosen);
a wrong code is named in the page's language, the right one leads straight to the payment page for
that amount, and paying welcomes them. A returning giver on the gift form goes the same way to the
payment of the gift they filled in."""

import secrets

import pytest

from .conftest import HEIGHT, NARROW, WIDE, new_context
from .steps import (
    IN_LANGUAGE,
    OK_CARD,
    emailed_sign_in_code,
    expect,
    expect_payment_element,
    last_email,
    main_submit,
    open_support_from_the_prompt,
    pay_and_wait_for_the_welcome,
    pay_with,
    server_errors,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

SUBJECT = {"en": "Your code to sign in to Enab Baladi", "ar": "رمز الدخول إلى عنب بلدي"}


def _fits_a_phone(page) -> None:
    """Nothing on the page reaches past a 360 px screen."""
    page.set_viewport_size({"width": NARROW, "height": HEIGHT})
    try:
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{page.url} scrolls sideways at {NARROW} px"
    finally:
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})


def _gave_before(browser, site, lang: str, email: str) -> None:
    """Some time ago, in another browser: the support form with a new email (an account made on
    the spot, without a password), the payment page reached, then left."""
    context = new_context(browser, site)
    try:
        earlier = context.new_page()
        earlier.goto(f"/{lang}/support")
        earlier.fill("#email", email)
        main_submit(earlier).click()
        earlier.wait_for_url(f"**/{lang}/support/pay/*")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_returning_supporter_signs_in_with_a_code_and_pays_the_amount_chosen(
    browser, site, page, shots, lang
):
    """Prompt -> another amount -> their email -> code page (the amount named) -> a wrong code
    (named, in the page's language) -> the emailed code -> the payment page for that amount."""
    errors = server_errors(page)
    email = f"returning-{secrets.token_hex(4)}@example.org"
    _gave_before(browser, site, lang, email)

    open_support_from_the_prompt(page, lang)
    radio = page.locator("input[name=amount]:not([value=other])").nth(1)
    chosen = radio.get_attribute("value")
    tile = page.locator(f"label[for='{radio.get_attribute('id')}']")
    figure = tile.locator(".for-any-frequency.tile__figure").text_content().strip()
    tile.click()
    expect(radio).to_be_checked()
    page.fill("#email", email)
    main_submit(page).click()

    page.wait_for_url(f"**/{lang}/sign-in/email/code")
    choice = page.locator(".code-sign-in__choice")
    expect(choice).to_have_attribute("data-amount", chosen)
    expect(choice).to_contain_text(figure)
    expect(choice).to_have_text(IN_LANGUAGE[lang])
    shots(page, "code-page", focus=choice)
    message = last_email(site, email)
    assert (message["lang"], message["subject"]) == (lang, SUBJECT[lang])
    code = emailed_sign_in_code(site, email)

    page.fill("#code", f"{(int(code) + 1) % 1_000_000:06d}")
    main_submit(page).click()
    error = page.locator("#code-errors")
    expect(error).to_contain_text("4")
    expect(error).to_have_text(IN_LANGUAGE[lang])
    shots(page, "wrong-code", focus=error)
    _fits_a_phone(page)

    page.fill("#code", code)
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/support/pay/*")
    expect_payment_element(page, lang)
    expect(page.locator(".charge-summary")).to_contain_text(figure)
    shots(page, "payment-page")
    pay_and_wait_for_the_welcome(page, lang)
    assert errors == [], f"server errors: {errors}"


GIFT_CHARGE = {"en": "$30", "ar": "30 US$"}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_returning_giver_signs_in_with_a_code_and_pays_the_gift_filled_in(
    browser, site, page, shots, lang
):
    """Signed out, the gift form filled in with an email that has an account -> the code page
    (the gift named) -> the emailed code -> the payment page for that very gift -> the thanks."""
    errors = server_errors(page)
    email = f"giver-{secrets.token_hex(4)}@example.org"
    _gave_before(browser, site, lang, email)

    page.goto(f"/{lang}/gift")
    page.click("label[for=months-2]")  # 6 months (the choices: 1, 3, 6, 12)
    page.click("label[for=amount-1]")  # 5 US$ a month
    page.fill("#recipient_email", "friend-in-idlib@example.org")
    page.fill("#giver_name", "Sara" if lang == "en" else "سارة")
    page.fill("#message", "For you" if lang == "en" else "كل عام وأنت بخير")
    page.fill("#email", email)
    main_submit(page).click()

    page.wait_for_url(f"**/{lang}/sign-in/email/code")
    gift = page.locator(".code-sign-in__gift")
    expect(gift).to_have_attribute("data-months", "6")
    expect(gift).to_contain_text(GIFT_CHARGE[lang])
    expect(gift).to_have_text(IN_LANGUAGE[lang])
    shots(page, "gift-code-page", focus=gift)
    _fits_a_phone(page)

    page.fill("#code", emailed_sign_in_code(site, email))
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/support/pay/*")
    expect_payment_element(page, lang)
    expect(page.locator(".charge-summary")).to_contain_text(GIFT_CHARGE[lang])
    shots(page, "gift-payment-page")
    paying = page.url
    page.goto(f"/{lang}/gift/continue")  # the continue page again: the same payment, not another
    page.wait_for_url(paying)
    pay_with(page, OK_CARD)
    page.wait_for_url(f"**/{lang}/support/done/*")
    expect(page.locator("main")).to_contain_text("friend-in-idlib@example.org", timeout=15_000)
    assert errors == [], f"server errors: {errors}"
