"""Paying through the stand-in Payment Element and the Stripe emulator: declines, 3-D Secure, two
tabs, and a renewal that fails on the member's new card, with staff moving the test clock on."""

import re

import pytest

from .steps import (
    DECLINED_CARD,
    FAILS_LATER_CARD,
    OK_CARD,
    TEXT,
    THREE_DS_ALWAYS_CARD,
    THREE_DS_ONCE_CARD,
    advance_to_the_next_renewal,
    authenticate,
    become_member,
    continue_to_payment,
    expect,
    expect_declined_in_place,
    expect_one_payment,
    expect_payment_element,
    expect_update_card_notice,
    html_lang_and_direction,
    open_support_from_the_prompt,
    open_test_mode,
    pay_and_wait_for_the_welcome,
    pay_with,
    payment_errors,
    register,
    reload_until,
    server_errors,
    succeeded_charges,
    update_card,
    wait_for_the_welcome,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]


def expect_one_charge(staff, lang: str, email: str) -> None:
    """Stripe's side, on the staff Test mode page: the reader's charges include exactly one that
    went through."""
    panel = open_test_mode(staff, lang, email)
    expect(succeeded_charges(panel)).to_have_count(1)


def test_a_declined_card_then_a_good_one_on_the_same_page_pays_once(page, staff_context, shots):
    """4000…0002 is declined in place; 4242 on the same page then pays once and welcomes."""
    errors = server_errors(page)
    email = register(page, "en")
    open_support_from_the_prompt(page, "en")
    continue_to_payment(page, "en")
    payment_page = page.url
    pay_with(page, DECLINED_CARD)
    expect_declined_in_place(page, "en", TEXT["en"]["declined"])
    assert page.url == payment_page, "the decline left the payment page"
    shots(page, "card-declined", focus=payment_errors(page))

    pay_and_wait_for_the_welcome(page, "en", shots, card=OK_CARD)
    expect_one_payment(page, "en", "paid")
    shots(page, "account-one-payment")
    staff = staff_context.new_page()
    try:
        expect_one_charge(staff, "en", email)
        shots(staff, "staff-test-mode-one-charge")
    finally:
        staff.close()
    assert errors == [], f"server errors: {errors}"


def test_two_tabs_starting_the_same_support_pay_once(page, staff_context, shots, record_property):
    """Two tabs start $1 a month for one reader and both press Pay: one subscription, one charge."""
    errors = server_errors(page)
    email = register(page, "en")
    second = page.context.new_page()
    for tab in (page, second):
        open_support_from_the_prompt(tab, "en")
    for tab in (page, second):
        continue_to_payment(tab, "en")
    # Today both tabs land on the reader's one pending attempt; what counts is the money below.
    record_property("both_tabs_on_one_attempt", page.url == second.url)
    shots(second, "second-tab-payment")
    pay_and_wait_for_the_welcome(page, "en", shots)
    # The second tab, still showing its payment page, pays too: it can only lead to the welcome.
    pay_with(second, OK_CARD)
    wait_for_the_welcome(second, "en")
    shots(second, "second-tab-after-paying")
    staff = staff_context.new_page()
    try:
        expect_one_charge(staff, "en", email)
        shots(staff, "staff-test-mode-one-charge")
    finally:
        staff.close()
    expect_one_payment(page, "en", "paid")
    assert errors == [], f"server errors: {errors}"


def test_a_failed_3d_secure_check_is_explained_in_arabic_then_another_card_pays(page, shots):
    """4000…3184 failing 3-D Secure: our Arabic payment page says so; 4000…3155 then pays."""
    errors = server_errors(page)
    register(page, "ar")
    open_support_from_the_prompt(page, "ar")
    continue_to_payment(page, "ar")
    shots(page, "payment-form")
    pay_with(page, THREE_DS_ALWAYS_CARD)
    authenticate(page, complete=False)
    page.wait_for_url(re.compile(r"/ar/support/pay/\w+"))
    assert html_lang_and_direction(page) == ("ar", "rtl")
    expect(payment_errors(page)).to_contain_text(TEXT["ar"]["not_authenticated"])
    expect_payment_element(page, "ar")
    shots(page, "authentication-failed", focus=payment_errors(page))

    pay_with(page, THREE_DS_ONCE_CARD)
    authenticate(page, complete=True)
    wait_for_the_welcome(page, "ar", shots)
    assert errors == [], f"server errors: {errors}"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_renewal_fails_on_a_new_card_then_another_card_restores_the_membership(
    page, staff_context, shots, lang
):
    """Pay with 4242, save 4000…0341, staff advance the clock: past due; 4242 saved: active."""
    text = TEXT[lang]
    errors = server_errors(page)
    email = register(page, lang)
    become_member(page, lang)
    update_card(page, lang, FAILS_LATER_CARD)
    shots(page, "card-updated")
    staff = staff_context.new_page()
    try:
        advance_to_the_next_renewal(staff, lang, email)
        shots(staff, "staff-clock-advancing")
    finally:
        staff.close()

    page.goto(f"/{lang}/account")
    notice = page.locator("main .notice--warning")
    status = page.locator(".account-page .facts dd").first

    def past_due():
        expect(status).to_contain_text(text["past_due"], timeout=1_000)
        expect_update_card_notice(page, lang, timeout=1_000)

    reload_until(page, past_due)
    assert html_lang_and_direction(page)[0] == lang
    shots(page, "account-past-due", focus=notice)

    update_card(page, lang, OK_CARD, from_the_notice=True)

    def active_again():
        expect(status).to_contain_text(text["active"], timeout=1_000)
        expect(notice).to_have_count(0, timeout=1_000)

    reload_until(page, active_again)
    shots(page, "account-active-again")
    assert errors == [], f"server errors: {errors}"
