"""The staff dashboard's own controls, beyond what the reader's journey passes through: filters,
charts, and Test mode's refunds and disputes on a member's payment."""

import pytest

from .steps import (
    DISPUTED_CARD,
    TEXT,
    become_member,
    expect,
    expect_one_payment,
    open_test_mode,
    press_in_test_mode,
    register,
    reload_until,
    server_errors,
    the_charge,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

NO_DATA = 'class="no_data"'  # the placeholder pygal draws instead of the series


def test_the_supporters_filter_form_filters(staff_context):
    """Staff submit the supporters list's filter form (search and status): the list answers."""
    page = staff_context.new_page()
    try:
        page.goto("/en/staff/supporters")
        page.fill("main input[name=q]", "example.org")
        page.select_option("main select[name=status]", "active")
        with page.expect_navigation() as navigation:
            page.locator("main form.filters [type=submit]").click()
        status = navigation.value.status
        assert status == 200, f"the filtered list answered {status}"
        expect(page.locator("main input[name=q]")).to_have_value("example.org")
        expect(page.locator("main select[name=status]")).to_have_value("active")
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_overview_charts_draw_their_figures(staff_context, lang):
    """Every chart SVG of the overview draws their series, not pygal's "No data" placeholder."""
    page = staff_context.new_page()
    try:
        page.goto(f"/{lang}/staff/")
        charts = page.evaluate(
            "Promise.all([...document.querySelectorAll('main figure.chart img')].map(img =>"
            " fetch(img.src).then(async r => [img.getAttribute('src'), r.status, await r.text()])))"
        )
        assert len(charts) == 4, f"{len(charts)} chart images on the overview"
        for src, status, svg in charts:
            assert status == 200, f"{src} answered {status}"
            assert NO_DATA not in svg, f"{src} draws 'No data' instead of its series"
    finally:
        page.close()


def test_staff_refund_a_members_payment_in_test_mode(page, staff_context, shots):
    """A member pays $1; staff refund all of it on Test mode: refunded there and on the account."""
    text = TEXT["en"]
    errors = server_errors(page)
    email = register(page, "en")
    become_member(page, "en")
    staff = staff_context.new_page()
    try:
        panel = open_test_mode(staff, "en", email)
        _, charge = the_charge(panel)
        expect(charge["refunded"]).to_have_text("$0")
        shots(staff, "test-mode-paid")
        refund = charge["actions"].locator("form[action$='/refund']")
        expect(refund.locator("input[name=amount]")).to_have_value("")  # empty: all of it
        press_in_test_mode(staff, "en", refund)
        expect(staff.locator(".flashes")).to_have_text(text["refund_requested"])
        reload_until(staff, lambda: expect(charge["refunded"]).to_have_text("$1", timeout=1_000))
        shots(staff, "test-mode-refunded")
    finally:
        staff.close()
    expect_one_payment(page, "en", "refunded")
    shots(page, "account-refunded")
    assert errors == [], f"server errors: {errors}"


@pytest.mark.parametrize(
    ("lang", "action", "outcome", "payment"),
    [("en", "win", "dispute_won", "paid"), ("ar", "lose", "dispute_lost", "disputed")],
    ids=["won-en", "lost-ar"],
)
def test_staff_settle_a_dispute_in_test_mode(
    page, staff_context, shots, lang, action, outcome, payment
):
    """A member pays with 4000…0259 (then disputed); staff win or lose it on Test mode."""
    text = TEXT[lang]
    errors = server_errors(page)
    email = register(page, lang)
    become_member(page, lang, card=DISPUTED_CARD)
    staff = staff_context.new_page()
    try:
        panel = open_test_mode(staff, lang, email)
        _, charge = the_charge(panel)
        # Stripe opens the dispute a moment after the payment.
        reload_until(
            staff,
            lambda: expect(charge["dispute"]).to_have_text(
                text["dispute_needs_response"], timeout=1_000
            ),
        )
        shots(staff, "test-mode-disputed")
        press_in_test_mode(staff, lang, charge["actions"].locator(f"form[action$='/{action}']"))
        reload_until(
            staff, lambda: expect(charge["dispute"]).to_have_text(text[outcome], timeout=1_000)
        )
        shots(staff, f"test-mode-{outcome}")
    finally:
        staff.close()
    expect_one_payment(page, lang, payment)
    shots(page, "account-after-the-dispute")
    assert errors == [], f"server errors: {errors}"
