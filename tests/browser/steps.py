"""Reader's and staff's steps in the browser, shared by the test modules here.

Locators use the app's markup (classes, names, ids, form actions) rather than words, so one step
serves both languages; the words a reader must see are checked against `TEXT`. (The emulator's
3-D Secure page is Stripe's stand-in, in English only.)
"""

import contextlib
import json
import re
import secrets
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

from ..stripe_fakes import sign

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips every test, saying why
    expect = None

ARTICLE_SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
PASSWORD = "olive grove 1987"
# Stripe's test cards (https://docs.stripe.com/testing), as the stand-in's list shows them.
OK_CARD, DECLINED_CARD = "4242 4242 4242 4242", "4000 0000 0000 0002"
THREE_DS_ONCE_CARD, THREE_DS_ALWAYS_CARD = "4000 0025 0000 3155", "4000 0027 6000 3184"
FAILS_LATER_CARD = "4000 0000 0000 0341"  # saved fine; every charge on it fails
DISPUTED_CARD = "4000 0000 0000 0259"  # succeeds, then the charge is disputed
EXPIRY, CVC = "12 / 34", "123"
# The development default the server verifies webhooks with, and the emulator signs with.
WEBHOOK_SECRET = "whsec_emulator"
PAYMENT_SETTLED_WITHIN_MS = 15_000
# A renewal: the emulator moves the test clock on in the background, then delivers the events.
RENEWAL_WITHIN_MS = 20_000

TEXT = {
    "en": {
        "one_a_month": "$1 a month",
        "five_a_month": "$5 a month",
        "processing": "Processing your payment",
        "welcome": "Welcome, member!",
        "thanks": "Thank you for supporting independent Syrian journalism.",
        "active": "Active member",
        "ending": "Member until the end of the paid period",
        "changed": "Your support has been changed.",
        "declined": "Your card was declined.",
        "not_authenticated": "We could not authenticate your card. Nothing was charged.",
        "past_due": "Payment failed: please update your card",
        "card_updated": "Your card has been updated.",
        "paid": "Paid",
        "refunded": "Refunded",
        "disputed": "Disputed",
        "refund_requested": "Refund requested.",
        "stripe_refused": "Stripe did not accept that. Nothing was changed.",
        "dispute_needs_response": "Awaiting evidence",
        "dispute_won": "Won",
        "dispute_lost": "Lost",
        "other_language": "العربية",
    },
    "ar": {
        "one_a_month": "1 US$ شهريًا",
        "five_a_month": "5 US$ شهريًا",
        "processing": "جارٍ معالجة الدفع",
        "welcome": "مرحبًا بك عضوًا!",
        "thanks": "شكرًا لدعمك الصحافة السورية المستقلة.",
        "active": "عضو فعّال",
        "ending": "عضو حتى نهاية الفترة المدفوعة",
        "changed": "تم تغيير دعمك.",
        "declined": "تم رفض بطاقتك.",
        "not_authenticated": "لم نتمكن من التحقق من بطاقتك، ولم يُخصم أي مبلغ.",
        "past_due": "فشل الدفع: يرجى تحديث بطاقتك",
        "card_updated": "تم تحديث بطاقتك.",
        "paid": "مدفوعة",
        "refunded": "مستردّة",
        "disputed": "متنازع عليها",
        "refund_requested": "طُلب الاسترداد.",
        "stripe_refused": "لم تقبل Stripe هذا الطلب، ولم يتغيّر شيء.",
        "dispute_needs_response": "بانتظار الأدلة",
        "dispute_won": "كُسب",
        "dispute_lost": "خُسر",
        "other_language": "English",
    },
}


def article_path(lang: str) -> str:
    return f"/{lang}/articles/{ARTICLE_SLUG}"


def main_submit(page):
    """The submit control of the page's main form (the header's sign-out form is not in <main>)."""
    return page.locator("main form [type=submit]").first


def html_lang_and_direction(page) -> tuple[str, str]:
    lang, direction = page.evaluate(
        "[document.documentElement.lang, getComputedStyle(document.documentElement).direction]"
    )
    return lang, direction


def register(page, lang: str) -> str:
    """Create a new account through the form (it signs the reader in); return its email."""
    email = f"reader-{secrets.token_hex(4)}@example.org"
    page.goto(f"/{lang}/register")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/account")
    return email


def open_support_from_the_prompt(page, lang: str) -> None:
    """On the article, press the prompt's first amount ($1 a month): the support page, preselected."""
    page.goto(article_path(lang))
    first_amount = page.locator(".support-prompt .support-prompt__choices a.button--primary")
    expect(first_amount).to_have_text(TEXT[lang]["one_a_month"])
    first_amount.click()
    page.wait_for_url(f"**/{lang}/support?*")
    expect(page.locator("input[name=frequency][value=monthly]")).to_be_checked()
    expect(page.locator("input[name=amount][value='100']")).to_be_checked()


def continue_to_payment(page, lang: str) -> None:
    """Submit the support form: the payment page, the stand-in Payment Element mounted in it."""
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/support/pay/*")
    expect_payment_element(page, lang)


def expect_payment_element(page, lang: str) -> None:
    """The stand-in for Stripe's Payment Element, in the page's language, with its card fields."""
    element = page.locator("#payment-element [data-standin-element=payment]")
    expect(element).to_be_visible()
    expect(element).to_have_attribute("lang", lang)
    expect(element.locator("input[name=card_number]")).to_be_visible()


def fill_card(page, card: str) -> None:
    """Type a test card into the Payment Element (a future expiry, any CVC)."""
    element = page.locator("#payment-element")
    element.locator("input[name=card_number]").fill(card)
    element.locator("input[name=expiry]").fill(EXPIRY)
    element.locator("input[name=cvc]").fill(CVC)


def pay_with(page, card: str) -> None:
    """Fill the Payment Element with `card` and press the page's Pay (or Save card) button."""
    fill_card(page, card)
    page.locator("#payment-form [type=submit]").click()


def payment_errors(page):
    """`#payment-errors`, where the page shows Stripe's message about the card."""
    return page.locator("#payment-errors")


def expect_declined_in_place(page, lang: str, message: str) -> None:
    """The payment page still, `message` in its error line, the Pay button usable again."""
    expect(payment_errors(page)).to_have_text(message)
    expect(page).to_have_url(re.compile(rf"/{lang}/support/pay/\w+"))
    expect(page.locator("#payment-form [type=submit]")).to_be_enabled()


def authenticate(page, complete: bool) -> None:
    """On the emulator's 3-D Secure page, complete or fail the authentication (it sends us back)."""
    page.wait_for_url("**/_emulator/3ds/**")
    label = "Complete authentication" if complete else "Fail authentication"
    page.get_by_role("button", name=label).click()


def return_page_state(page) -> tuple[str, str]:
    """The return page's `data-state` and heading, read in one go (it reloads itself once settled)."""
    state, heading = page.evaluate(
        "[document.querySelector('[data-payment-status]').dataset.state,"
        " document.querySelector('main h1').textContent]"
    )
    return state, heading


def wait_for_the_welcome(page, lang: str, shots=None) -> str:
    """On the return page: "processing" (or already the welcome), then the welcome.

    Returns the state the return page showed on arrival: "processing" or "succeeded".
    """
    page.wait_for_url(f"**/{lang}/support/done/*")
    first_state, first_heading = return_page_state(page)
    assert first_state in ("processing", "succeeded"), f"return page in state {first_state!r}"
    if first_state == "processing":
        assert TEXT[lang]["processing"] in first_heading
        if shots:
            shots(page, "payment-processing")
    expect(page.locator("main h1")).to_have_text(
        TEXT[lang]["welcome"], timeout=PAYMENT_SETTLED_WITHIN_MS
    )
    if shots:
        shots(page, "payment-welcome")
    return first_state


def pay_and_wait_for_the_welcome(page, lang: str, shots=None, card: str = OK_CARD) -> str:
    """Pay with `card` (4242…): the return page says "processing" (or already welcomes), then
    welcomes. Returns the state the return page showed on arrival."""
    pay_with(page, card)
    return wait_for_the_welcome(page, lang, shots)


def become_member(page, lang: str, on_the_payment_page=None, card: str = OK_CARD) -> str:
    """From the article's prompt to a $1-a-month membership paid with `card`;
    `on_the_payment_page(page)` runs on the payment page before paying."""
    open_support_from_the_prompt(page, lang)
    continue_to_payment(page, lang)
    if on_the_payment_page is not None:
        on_the_payment_page(page)
    return pay_and_wait_for_the_welcome(page, lang, card=card)


def reload_until(page, check, timeout_ms: int = RENEWAL_WITHIN_MS) -> None:
    """Reload the page until `check()` (Playwright expectations, quick to fail) passes.

    For what arrives later by webhook on a page that does not refresh itself: each round awaits
    the condition for a moment, then reloads; the last round's failure is raised.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        page.reload()


# Text in one language: Arabic has no Latin word in it ("US$" aside), English no Arabic letter.
IN_LANGUAGE = {
    "ar": re.compile(r"^(?![\s\S]*[A-Za-z]{3})[\s\S]*[\u0621-\u064a]{3}"),
    "en": re.compile(r"^(?![\s\S]*[\u0600-\u06ff])[\s\S]*[A-Za-z]{3}"),
}


def expect_update_card_notice(page, lang: str, timeout: int = 10_000) -> None:
    """The notice a member whose payment failed sees on every page: in the page's language, with a
    link to the card page."""
    notice = page.locator("main .notice--warning")
    expect(notice).to_have_text(IN_LANGUAGE[lang], timeout=timeout)
    expect(notice.locator("a[href$='/account/support/card']")).to_be_visible(timeout=timeout)


def payment_history(page):
    """The rows of the account page's payment history."""
    return page.locator(".account-page table.receipts tbody tr")


def expect_one_payment(page, lang: str, status: str) -> None:
    """The account's payment history: exactly one row, its status TEXT[lang][status] (payments and
    what happens to them arrive by webhook)."""
    page.goto(f"/{lang}/account")
    rows = payment_history(page)

    def one_row():
        expect(rows).to_have_count(1, timeout=1_000)
        expect(rows.first.locator("td").nth(3)).to_contain_text(TEXT[lang][status], timeout=1_000)

    reload_until(page, one_row)


def update_card(page, lang: str, card: str, from_the_notice: bool = False) -> None:
    """From the account page's "Update your card" (or the update-card notice's link), save `card`
    with the Payment Element (a SetupIntent): the account page again, saying so."""
    page.goto(f"/{lang}/account")
    links = "main .notice--warning" if from_the_notice else ".account-page .actions"
    page.locator(f"{links} a[href$='/account/support/card']").click()
    page.wait_for_url(f"**/{lang}/account/support/card")
    expect_payment_element(page, lang)
    pay_with(page, card)
    page.wait_for_url(f"**/{lang}/account")
    expect(page.locator(".flashes")).to_contain_text(TEXT[lang]["card_updated"])


# Staff: the dashboard, in a context of its own beside the reader's.


def sign_in(page, lang: str, account) -> None:
    """Sign in through the `/<lang>/login` form (it leads to the home page)."""
    page.goto(f"/{lang}/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/")


def cents(money: str) -> int:
    """A US-dollar amount as the pages write it ("$1,234.50", "1,234.50 US$") in cents."""
    return int(Decimal(re.sub(r"[^\d.]", "", money)) * 100)


def staff_mrr(page, lang: str) -> int:
    """Open the staff overview; its MRR in US cents (`mrr-usd`, or `mrr` before any USD member)."""
    page.goto(f"/{lang}/staff/")
    figure = page.locator('[data-stat="mrr-usd"], [data-stat="mrr"]')
    expect(figure).to_have_count(1)
    return cents(figure.text_content())


def chart_images(page) -> dict[str, dict]:
    """The overview's chart images by their `src`: alt text and natural width (0: did not load)."""
    images = page.evaluate(
        "[...document.querySelectorAll('main figure.chart img')].map(img => ({"
        " src: img.getAttribute('src'), alt: img.alt, width: img.complete ? img.naturalWidth : 0}))"
    )
    return {image["src"]: image for image in images}


def open_supporter(page, lang: str, email: str) -> None:
    """Search the staff supporters list for `email` (`?q=`, as its search field does); open their page."""
    page.goto(f"/{lang}/staff/supporters?{urllib.parse.urlencode({'q': email})}")
    expect(page.locator("main input[name=q]")).to_have_value(email)
    link = page.locator("main table a", has_text=email)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(re.compile(rf"/{lang}/staff/supporters/\d+$"))
    expect(page.locator("main h1")).to_have_text(email)


def stripe_customer_shown(page) -> str:
    """The `Stripe customer` row of a staff supporter page (the only `cus_` code there)."""
    customer = page.locator("main .facts code", has_text=re.compile(r"^cus_"))
    expect(customer).to_have_count(1)
    return customer.text_content()


def open_test_mode(page, lang: str, email: str):
    """Find the reader on the staff Test mode page (`?email=`, as its search field does): their
    panel (status, test clock, charges)."""
    page.goto(f"/{lang}/staff/test-mode?{urllib.parse.urlencode({'email': email})}")
    expect(page.locator("main form.filters input[name=email]")).to_have_value(email)
    panel = page.locator("main article.test-customer", has_text=email)
    expect(panel).to_have_count(1)
    return panel


def succeeded_charges(panel):
    """The charges of a Test mode panel that went through (failed ones say so in their amount)."""
    return panel.locator("table tbody tr").filter(
        has_not=panel.page.locator("td:nth-child(2)", has_text=re.compile(r"\(.+\)"))
    )


def the_charge(panel):
    """The one charge of a Test mode panel that went through; its cells by column name."""
    row = succeeded_charges(panel)
    expect(row).to_have_count(1)
    cells = row.locator("td")
    return row, {"refunded": cells.nth(2), "dispute": cells.nth(3), "actions": cells.nth(4)}


def press_in_test_mode(page, lang: str, form) -> None:
    """Press a Test mode form's button (advance, refund, win, lose): back on Test mode, with a
    message that is not Stripe's refusal."""
    with page.expect_navigation():
        form.locator("[type=submit]").click()
    flash = page.locator(".flashes")
    expect(flash).to_be_visible()
    expect(flash).not_to_have_text(TEXT[lang]["stripe_refused"])


def advance_to_the_next_renewal(page, lang: str, email: str) -> None:
    """Staff press "Advance to the next renewal" for the reader; the page says it is moving on."""
    panel = open_test_mode(page, lang, email)
    press_in_test_mode(page, lang, panel.locator("form[action$='/advance']"))


def subscription_updated(event_id: str, customer_id: str) -> dict:
    """A Stripe-shaped event about a subscription Stripe does not have (applying it fails)."""
    return {
        "id": event_id,
        "object": "event",
        "type": "customer.subscription.updated",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "sub_browser_does_not_exist",
                "object": "subscription",
                "customer": customer_id,
            }
        },
        "livemode": False,
        "api_version": "2026-10-28.endive",
    }


def deliver_event(site, event: dict) -> tuple[int, str]:
    """POST an event to `/stripe/webhook`, signed as Stripe (here the emulator) signs it with the
    server's webhook secret; the answer's status and outcome."""
    payload = json.dumps(event).encode()
    request = urllib.request.Request(  # noqa: S310 - our own local server
        f"{site.url}/stripe/webhook",
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload, WEBHOOK_SECRET),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body or b"{}").get("outcome", "")


def webhook_state_and_attempts(page) -> tuple:
    """The staff webhook page's state `<dd>` and the attempts `<dd>` after it."""
    state = page.locator("main dd[data-state]")
    return state, page.locator("main dd[data-state] + dt + dd")


def server_errors(page) -> list[str]:
    """A list that fills with every 5xx answer the page's context receives, as "status URL"."""
    seen: list[str] = []
    page.context.on(
        "response",
        lambda response: (
            seen.append(f"{response.status} {response.url}") if response.status >= 500 else None
        ),
    )
    return seen


# Recovering: a past-due member pays the open invoice on `/<lang>/account/support/pay`.


def update_card_with_authentication(page, lang: str, card: str) -> None:
    """As `update_card`, for a card whose bank asks for 3-D Secure when it is saved (4000…3184):
    authentication completed on the emulator's page, then the account page, saying so."""
    page.goto(f"/{lang}/account")
    page.locator(".account-page .actions a[href$='/account/support/card']").click()
    page.wait_for_url(f"**/{lang}/account/support/card")
    expect_payment_element(page, lang)
    pay_with(page, card)
    authenticate(page, complete=True)
    page.wait_for_url(f"**/{lang}/account")
    expect(page.locator(".flashes")).to_contain_text(TEXT[lang]["card_updated"])


def pay_now_notice(page):
    """The account page's past-due notice: what is due, until when the perks last, "Pay now"."""
    return page.locator("main .notice--warning")


def open_pay_now(page, lang: str) -> None:
    """From the account page's past-due notice, "Pay now": the pay-now page, its Payment Element
    mounted."""
    pay_now_notice(page).locator("a[href$='/account/support/pay']").click()
    page.wait_for_url(f"**/{lang}/account/support/pay")
    expect_payment_element(page, lang)


def wait_for_the_account_after_paying(page, lang: str) -> None:
    """Back from paying the open invoice: the account page (after a moment of "processing", which
    refreshes itself, when Stripe is slow to confirm)."""
    page.wait_for_url(f"**/{lang}/account", timeout=PAYMENT_SETTLED_WITHIN_MS)


# Emails: the server keeps them in its outbox table (no mail server), where a reader's inbox is read.


def last_email(site, address: str) -> dict:
    """The newest message the server wrote to `address` (subject, body, language)."""
    database = site.env["DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(database)) as connection:
        row = connection.execute(
            'SELECT subject, body, lang FROM outbox WHERE "to" = ? ORDER BY id DESC LIMIT 1',
            (address,),
        ).fetchone()
    assert row is not None, f"no email to {address}"
    return dict(zip(("subject", "body", "lang"), row, strict=True))


def emailed_sign_in_code(site, address: str) -> str:
    """The 6-digit code of the newest sign-in email to `address` (on a line of its own)."""
    found = re.search(r"^\s+(\d{6})\s*$", last_email(site, address)["body"], re.M)
    assert found, "no sign-in code in the email"
    return found.group(1)
