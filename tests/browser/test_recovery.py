"""Recovering in the browser: a past-due member sees on the account page what is due, until when
the perks last and "Pay now", and pays the open invoice on our own pay-now page with the stand-in
Payment Element, 3-D Secure included; staff move the test clock to the renewal that fails."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.templating import long_date

from .steps import (
    FAILS_LATER_CARD,
    OK_CARD,
    TEXT,
    THREE_DS_ALWAYS_CARD,
    advance_to_the_next_renewal,
    authenticate,
    become_member,
    expect,
    expect_payment_element,
    html_lang_and_direction,
    open_pay_now,
    pay_now_notice,
    pay_with,
    payment_errors,
    payment_history,
    register,
    reload_until,
    server_errors,
    update_card,
    update_card_with_authentication,
    wait_for_the_account_after_paying,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

GRACE = timedelta(days=7)  # MEMBERSHIP_GRACE_DAYS, the development default the server runs with
RECOVERY_TEXT = {
    "en": {
        "pay_now": "Pay now",
        "update_card": "Update your card",
        "paid": "Paid",
        "failed": "Failed",
        "due": "Your membership payment of $1 is due.",
        "keep_until": "You keep your member benefits until {date}.",
        "charged_once": "You will be charged $1 once, today.",
        "paid_again": "Thank you: your payment went through and your membership is active again.",
        "not_authenticated": "We could not authenticate your card. Nothing was charged. "
        "Please try again or use another card.",
    },
    "ar": {
        "pay_now": "ادفع الآن",
        "update_card": "تحديث بطاقتك",
        "paid": "مدفوعة",
        "failed": "فشلت",
        "due": "حان موعد دفعة عضويتك البالغة 1 US$.",
        "keep_until": "تحتفظ بمزايا العضوية حتى {date}.",
        "charged_once": "سيُخصم منك 1 US$ لمرة واحدة، اليوم.",
        "paid_again": "شكرًا لك، تمت عملية الدفع وعادت عضويتك فعّالة.",
        "not_authenticated": "لم نتمكن من التحقق من بطاقتك، ولم يُخصم أي مبلغ. "
        "يرجى المحاولة مجددًا أو استخدام بطاقة أخرى.",
    },
}
BIDI_MARKS = re.compile(r"[\u200e\u200f\u061c\u2066-\u2069]")


def words(text: str) -> str:
    """Text as a reader reads it: without bidi marks, runs of spaces (no-break ones too) as one."""
    return " ".join(BIDI_MARKS.sub("", text).split())


def status_of(page):
    """The account page's membership status."""
    return page.locator(".account-page .facts dd").first


def renewal_left_open(page, staff_context, shots, lang: str, email: str) -> tuple[datetime, ...]:
    """Staff advance the reader's clock past the next renewal, which fails; the account page
    then shows the membership past due with the pay-now notice. Returns the wall-clock times
    between which the server learnt of it (the grace days count from then)."""
    page.goto(f"/{lang}/account")
    expect(status_of(page)).to_contain_text(TEXT[lang]["active"])
    before = datetime.now(UTC)
    staff = staff_context.new_page()
    try:
        advance_to_the_next_renewal(staff, lang, email)
        shots(staff, "staff-clock-advancing")
    finally:
        staff.close()

    page.goto(f"/{lang}/account")
    notice = pay_now_notice(page)

    def past_due():
        expect(status_of(page)).to_contain_text(TEXT[lang]["past_due"], timeout=1_000)
        expect(notice.locator("a[href$='/account/support/pay']")).to_be_visible(timeout=1_000)

    reload_until(page, past_due)
    return before, datetime.now(UTC)


def expect_the_due_notice(page, lang: str, failed_between: tuple[datetime, ...]) -> None:
    """The account's notice, in the page's language: the amount due, the perks kept for the grace
    days from the failure, "Pay now" (the pay-now page) and "Update your card"."""
    text = RECOVERY_TEXT[lang]
    notice = pay_now_notice(page)
    expect(notice).to_have_count(1)
    shown = words(notice.inner_text())
    kept_until = {long_date(moment + GRACE, lang) for moment in failed_between}
    expected = [
        f"{text['due']} {text['keep_until'].format(date=date)} {text['pay_now']} "
        f"{text['update_card']}"
        for date in sorted(kept_until)
    ]
    assert shown in expected, f"the past-due notice says {shown!r}"
    links = notice.locator("a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", f"/{lang}/account/support/pay")
    expect(links.nth(0)).to_have_text(text["pay_now"])
    expect(links.nth(1)).to_have_attribute("href", f"/{lang}/account/support/card")


def expect_the_pay_now_page(page, lang: str) -> None:
    """The pay-now page, in the reader's language: what is due, charged once, and its button."""
    text = RECOVERY_TEXT[lang]
    assert html_lang_and_direction(page) == (lang, "rtl" if lang == "ar" else "ltr")
    expect(page.locator("main h1")).to_have_text(text["pay_now"])
    summary = page.locator("main .charge-summary")
    expect(summary).to_have_count(1)
    assert words(summary.inner_text()) == f"{text['due']} {text['charged_once']}"
    expect(page.locator("#payment-form [type=submit]")).to_have_text(text["pay_now"])


def expect_active_again_with_the_renewal_paid(page, lang: str) -> None:
    """The account page after paying: thanks, no notice, active (webhooks may still be on their
    way: reloaded until so), and both payments, the first and the renewal, paid."""
    expect(page.locator(".flashes")).to_have_text(RECOVERY_TEXT[lang]["paid_again"])
    rows = payment_history(page)

    def active_with_two_paid():
        expect(status_of(page)).to_contain_text(TEXT[lang]["active"], timeout=1_000)
        expect(pay_now_notice(page)).to_have_count(0, timeout=1_000)
        expect(rows).to_have_count(2, timeout=1_000)
        for row in range(2):
            expect(rows.nth(row).locator("td").nth(3)).to_contain_text(
                TEXT[lang]["paid"], timeout=1_000
            )

    reload_until(page, active_with_two_paid)


def test_a_renewal_needing_3d_secure_is_paid_now_in_arabic(page, staff_context, shots):
    """4242 pays; 4000…3184 (3-D Secure on every payment) is saved; the renewal waits for the
    member: the Arabic account says what is due and "ادفع الآن"; 3184 there, 3-D Secure completed
    on the emulator's page: active again, the renewal paid, no 5xx."""
    lang = "ar"
    errors = server_errors(page)
    email = register(page, lang)
    become_member(page, lang)
    update_card_with_authentication(page, lang, THREE_DS_ALWAYS_CARD)
    shots(page, "card-saved")
    failed_between = renewal_left_open(page, staff_context, shots, lang, email)
    assert html_lang_and_direction(page) == ("ar", "rtl")
    expect_the_due_notice(page, lang, failed_between)
    shots(page, "account-payment-due", focus=pay_now_notice(page))

    open_pay_now(page, lang)
    expect_the_pay_now_page(page, lang)
    shots(page, "pay-now")
    pay_with(page, THREE_DS_ALWAYS_CARD)
    authenticate(page, complete=True)
    wait_for_the_account_after_paying(page, lang)
    expect_active_again_with_the_renewal_paid(page, lang)
    shots(page, "account-active-again")
    assert errors == [], f"server errors: {errors}"


def test_a_failed_renewal_is_paid_now_with_another_card(page, staff_context, shots):
    """4242 pays; 4000…0341 (saved, every charge fails) is saved; the renewal fails: the account
    says what is due and "Pay now"; 4242 there pays it: active again, the renewal paid."""
    lang = "en"
    errors = server_errors(page)
    email = register(page, lang)
    become_member(page, lang)
    update_card(page, lang, FAILS_LATER_CARD)
    failed_between = renewal_left_open(page, staff_context, shots, lang, email)
    expect_the_due_notice(page, lang, failed_between)
    shots(page, "account-payment-due", focus=pay_now_notice(page))

    open_pay_now(page, lang)
    expect_the_pay_now_page(page, lang)
    shots(page, "pay-now")
    pay_with(page, OK_CARD)
    wait_for_the_account_after_paying(page, lang)
    expect_active_again_with_the_renewal_paid(page, lang)
    shots(page, "account-active-again")
    assert errors == [], f"server errors: {errors}"


def test_failed_3d_secure_on_the_pay_now_page_says_so_in_arabic(page, staff_context, shots):
    """The renewal waiting for 3-D Secure; on the pay-now page 4000…3184 and "Fail
    authentication": back on the pay-now page with the Arabic message, still due, no 5xx."""
    lang = "ar"
    errors = server_errors(page)
    email = register(page, lang)
    become_member(page, lang)
    update_card_with_authentication(page, lang, THREE_DS_ALWAYS_CARD)
    failed_between = renewal_left_open(page, staff_context, shots, lang, email)

    open_pay_now(page, lang)
    pay_with(page, THREE_DS_ALWAYS_CARD)
    authenticate(page, complete=False)
    page.wait_for_url(re.compile(rf"/{lang}/account/support/pay\?failed=\w+$"))
    expect(payment_errors(page)).to_have_text(RECOVERY_TEXT[lang]["not_authenticated"])
    expect_payment_element(page, lang)
    expect_the_pay_now_page(page, lang)
    expect(page.locator("#payment-form [type=submit]")).to_be_enabled()
    shots(page, "authentication-failed", focus=payment_errors(page))

    page.goto(f"/{lang}/account")
    expect(status_of(page)).to_contain_text(TEXT[lang]["past_due"])
    expect_the_due_notice(page, lang, failed_between)
    rows = payment_history(page)

    def first_paid_renewal_failed():
        expect(rows).to_have_count(2, timeout=1_000)
        for status in ("paid", "failed"):
            expect(rows.filter(has_text=RECOVERY_TEXT[lang][status])).to_have_count(
                1, timeout=1_000
            )

    reload_until(page, first_paid_renewal_failed)
    shots(page, "account-still-due", focus=pay_now_notice(page))
    assert errors == [], f"server errors: {errors}"
