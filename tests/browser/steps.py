"""Reader's and staff's steps in the browser, shared by the journey and the accessibility tests.

Locators use the app's markup (classes, names, ids) rather than words, so one step serves both
languages; the words a reader must see are checked against `TEXT`.
"""

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips every test, saying why
    expect = None

ARTICLE_SLUG = "putin-and-erdogan-meet-in-istanbul-amid-ongoing-battles-in-syrias-idlib"
PASSWORD = "olive grove 1987"
OK_CARD, DECLINED_CARD = "4242 4242 4242 4242", "4000 0000 0000 0002"
PAYMENT_SETTLED_WITHIN_MS = 15_000

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
        "declined": "Your card was declined. Please try another card.",
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
        "declined": "رُفضت بطاقتك. يرجى تجربة بطاقة أخرى.",
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
    """Submit the support form: the payment page with the sandbox's test-card form."""
    main_submit(page).click()
    page.wait_for_url(f"**/{lang}/support/pay/*")
    expect(page.locator(".sandbox-banner")).to_be_visible()
    expect(page.locator("#card_number")).to_be_visible()


def pay_with(page, card: str) -> None:
    page.fill("#card_number", card)
    main_submit(page).click()


def pay_and_wait_for_the_welcome(page, lang: str, shots=None) -> str:
    """Pay with 4242…: the return page says "processing" (or already welcomes), then welcomes.

    Returns the state the return page showed on arrival: "processing" or "succeeded".
    """
    pay_with(page, OK_CARD)
    page.wait_for_url(f"**/{lang}/support/done/*")
    # Read on arrival, in one go: the page reloads itself once the payment has settled.
    first_state, first_heading = page.evaluate(
        "[document.querySelector('[data-payment-status]').dataset.state,"
        " document.querySelector('main h1').textContent]"
    )
    assert first_state in ("processing", "succeeded"), f"return page in state {first_state!r}"
    if first_state == "processing":
        assert TEXT[lang]["processing"] in first_heading
        if shots:
            shots(page, "payment-processing")
    heading = page.locator("main h1")
    expect(heading).to_have_text(TEXT[lang]["welcome"], timeout=PAYMENT_SETTLED_WITHIN_MS)
    if shots:
        shots(page, "payment-welcome")
    return first_state


def become_member(page, lang: str) -> str:
    """From the article's prompt to a paid $1-a-month membership."""
    open_support_from_the_prompt(page, lang)
    continue_to_payment(page, lang)
    return pay_and_wait_for_the_welcome(page, lang)


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


def subscription_updated(event_id: str, customer_id: str) -> dict:
    """A Stripe-shaped event about a subscription the sandbox does not have (applying it fails)."""
    return {
        "id": event_id,
        "object": "event",
        "type": "customer.subscription.updated",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "sub_sbx_does_not_exist",
                "object": "subscription",
                "customer": customer_id,
            }
        },
        "livemode": False,
        "api_version": "2026-10-28.endive",
    }


def deliver_event(site, event: dict) -> tuple[int, str]:
    """POST an event to `/stripe/webhook`, signed as the sandbox signs; its status and outcome."""
    payload = json.dumps(event).encode()
    secret = "whsec_sandbox_" + site.env["SECRET_KEY"][:16]
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 - our own local server
        f"{site.url}/stripe/webhook",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={mac}"},
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
