"""A returning supporter on the support form, in a real browser, in both languages: the email they
give has an account, so the next page asks for the code emailed to it (keeping the amount chosen);
a wrong code is named in the page's language, the right one leads straight to the payment page for
that amount, and paying welcomes them."""

import secrets

import pytest

from .conftest import HEIGHT, NARROW, WIDE, new_context
from .steps import (
    IN_LANGUAGE,
    emailed_sign_in_code,
    expect,
    expect_payment_element,
    last_email,
    main_submit,
    open_support_from_the_prompt,
    pay_and_wait_for_the_welcome,
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
