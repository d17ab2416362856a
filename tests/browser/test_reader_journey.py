"""A reader's journey in a real browser (language, register, pay, perks, manage), staff watching."""

import os
import secrets
import shutil

import pytest

from .conftest import REPO_ROOT, WIDE
from .steps import (
    DECLINED_CARD,
    TEXT,
    article_path,
    chart_images,
    continue_to_payment,
    deliver_event,
    expect,
    expect_declined_in_place,
    expect_payment_element,
    html_lang_and_direction,
    main_submit,
    open_support_from_the_prompt,
    open_supporter,
    pay_and_wait_for_the_welcome,
    pay_with,
    payment_errors,
    register,
    sign_in,
    staff_mrr,
    stripe_customer_shown,
    subscription_updated,
    webhook_state_and_attempts,
)

pytestmark = [pytest.mark.own_app, pytest.mark.browser]

OTHER = {"en": "ar", "ar": "en"}
DIRECTION = {"en": "ltr", "ar": "rtl"}
# `UPDATE_DOCS_SCREENSHOTS=1 pytest tests/browser` refreshes the README's two article pictures.
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_reader_becomes_a_member_and_manages_their_support(
    page, staff_page, site, staff, shots, record_property, lang
):
    """Article → language link → register → $1 a month → perks → $5 → cancel; staff watch and replay."""
    text = TEXT[lang]

    # 0. Staff sign in through the login form and note the MRR before this reader pays.
    sign_in(staff_page, lang, staff)
    mrr_before = staff_mrr(staff_page, lang)

    # 1. The article in the other language; the header's language link leads to this one.
    page.goto(article_path(OTHER[lang]))
    assert html_lang_and_direction(page) == (OTHER[lang], DIRECTION[OTHER[lang]])
    before = shots(page, f"article-{OTHER[lang]}-signed-out")
    language_link = page.locator(".site-header .lang-switch")
    expect(language_link).to_have_text(TEXT[OTHER[lang]]["other_language"])
    language_link.click()
    page.wait_for_url(f"**{article_path(lang)}")
    assert html_lang_and_direction(page) == (lang, DIRECTION[lang])
    after = shots(page, f"article-{lang}-signed-out")
    if lang == "ar" and os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(before[WIDE], DOCS_SCREENSHOTS / "article-en.png")
        shutil.copyfile(after[WIDE], DOCS_SCREENSHOTS / "article-ar.png")

    # 2. Register, back to the article, the prompt's $1 a month, the Payment Element, pay.
    email = register(page, lang)
    shots(page, "registered-account")
    open_support_from_the_prompt(page, lang)
    shots(page, "support-preselected")
    continue_to_payment(page, lang)
    shots(page, "payment-form")
    first_state = pay_and_wait_for_the_welcome(page, lang, shots)
    record_property("return_page_first_state", first_state)
    if first_state != "processing":
        print(f"NOTE: the return page never showed 'processing' ({lang}); it welcomed at once.")

    # Staff: the overview's MRR has grown by $1, its charts load; the new supporter's page.
    assert staff_mrr(staff_page, lang) == mrr_before + 100, "MRR after a $1-a-month payment"
    charts = chart_images(staff_page)
    assert set(charts) == {f"/{lang}/staff/charts/{name}.svg"
                           for name in ("mrr", "cash", "movements", "retention")}  # fmt: skip
    for src, chart in charts.items():
        assert chart["width"] > 0, f"the chart {src} did not load"
        assert chart["alt"].strip(), f"the chart {src} has no alt text"
    shots(staff_page, "staff-overview")
    open_supporter(staff_page, lang, email)
    expect(staff_page.locator("main .facts dd").first).to_have_text(text["active"])
    expect(staff_page.locator("main .facts")).to_contain_text(text["one_a_month"])
    customer_id = stripe_customer_shown(staff_page)
    shots(staff_page, "staff-supporter")

    # 3. The member's article: no ad, no prompt, a thank-you; the language toggle works in place.
    page.goto(article_path(lang))
    expect(page.locator(".thanks")).to_have_text(text["thanks"])
    expect(page.locator("[data-ad-slot]")).to_have_count(0)
    expect(page.locator(".support-prompt")).to_have_count(0)
    this_version = page.locator('[data-version="this"]')
    other_version = page.locator('[data-version="other"]')
    expect(this_version).to_be_visible()
    expect(other_version).to_be_hidden()
    shots(page, "member-article")
    page.evaluate("window.stillTheSamePage = true")
    page.locator(".version-toggle__other").click()
    expect(other_version).to_be_visible()
    expect(this_version).to_be_hidden()
    expect(other_version).to_have_attribute("lang", OTHER[lang])
    assert page.url.endswith(article_path(lang))
    assert page.evaluate("window.stillTheSamePage === true"), "the toggle reloaded the page"
    assert page.evaluate('performance.getEntriesByType("navigation").length') == 1
    shots(page, "member-article-toggled")
    page.locator(".version-toggle__this").click()
    expect(this_version).to_be_visible()
    expect(other_version).to_be_hidden()

    # The account page shows the plan; change the amount; cancel at the end of the period.
    page.locator(".account-menu a").first.click()
    page.wait_for_url(f"**/{lang}/account")
    membership = page.locator(".account-page .facts").first
    expect(membership).to_contain_text(text["active"])
    expect(membership).to_contain_text(text["one_a_month"])
    shots(page, "account-member")
    page.locator("a[href$='/account/support/change']").click()
    page.wait_for_url(f"**/{lang}/account/support/change")
    expect(page.locator("input[name=frequency][value=monthly]")).to_be_checked()
    page.fill("#amount", "5")
    shots(page, "change-support")
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/account")
    expect(page.locator(".flashes")).to_contain_text(text["changed"])
    expect(membership).to_contain_text(text["five_a_month"])
    shots(page, "account-changed")
    assert staff_mrr(staff_page, lang) == mrr_before + 500, "MRR after changing $1 to $5 a month"
    # Cancelling asks why (optional); "Cancel my membership" goes at once.
    page.locator("a[href$='/account/support/cancel']").click()
    page.wait_for_url(f"**/{lang}/account/support/cancel")
    shots(page, "cancel-why")
    page.locator("input[type=submit][name=leave]").click()
    page.wait_for_url(f"**/{lang}/account")
    expect(membership).to_contain_text(text["ending"])
    expect(page.locator("form[action$='/account/support/resume'] button")).to_be_visible()
    shots(page, "account-ending")
    assert staff_mrr(staff_page, lang) == mrr_before + 500, "MRR counts until the period ends"

    # 4. Staff: a webhook event about this customer fails (500); replayed, it fails again.
    event_id = f"evt_browser_fail_{lang}_{secrets.token_hex(4)}"
    delivered = deliver_event(site, subscription_updated(event_id, customer_id))
    assert delivered == (500, "failed"), f"the failing event was answered {delivered}"
    staff_page.goto(f"/{lang}/staff/webhooks?state=failed")
    staff_page.locator("main table a", has_text=event_id).click()
    staff_page.wait_for_url(f"**/{lang}/staff/webhooks/{event_id}")
    state, attempts = webhook_state_and_attempts(staff_page)
    expect(state).to_have_attribute("data-state", "failed")
    expect(attempts).to_have_text("1")
    with staff_page.expect_navigation():
        staff_page.locator("main form[action$='/replay'] [type=submit]").click()
    expect(staff_page.locator(".flashes")).to_be_visible()
    expect(attempts).to_have_text("2")
    expect(state).to_have_attribute("data-state", "failed")
    shots(staff_page, "staff-webhook-replayed")
    staff_page.goto(f"/{lang}/staff/audit")
    entry = staff_page.locator("main tbody tr", has_text=event_id)
    expect(entry).to_have_count(1)
    expect(entry.locator("td").nth(1)).to_have_text(staff.email)
    replayed = {"en": "Webhook event applied again", "ar": "طُبّق حدث Stripe مرة أخرى"}[lang]
    expect(entry.locator("td").nth(2)).to_have_text(replayed)


def test_a_declined_card_is_explained_in_arabic(page, shots):
    """4000 0000 0000 0002 on the Arabic support flow: Stripe's Arabic decline in place, no perks."""
    register(page, "ar")
    open_support_from_the_prompt(page, "ar")
    continue_to_payment(page, "ar")
    pay_with(page, DECLINED_CARD)
    errors = payment_errors(page)
    expect_declined_in_place(page, "ar", TEXT["ar"]["declined"])
    expect(errors).to_have_attribute("role", "alert")
    expect_payment_element(page, "ar")
    assert html_lang_and_direction(page) == ("ar", "rtl")
    shots(page, "card-declined", focus=errors)
    page.goto(article_path("ar"))
    expect(page.locator(".support-prompt")).to_have_count(1)
    assert page.locator("[data-ad-slot]").count() > 0
