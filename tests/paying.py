"""What a reader's browser does on our payment pages, with the Stripe emulator behind them.

`pay` reads the Payment Element's data from the real page (client secret, return URL), confirms as
stripe.js does (through `stripe_emulator.testing`, over the emulator's own HTTP endpoints), and then
follows Stripe's redirect back to our return page, so the server-side tests run the very path a
browser runs. Card numbers are Stripe's test cards.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

from stripe_emulator import testing
from tests.conftest import csrf_token

OK = "4242424242424242"
DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"
AUTH_ONCE = "4000002500003155"  # 3-D Secure on the first payment, not on renewals
AUTH_ALWAYS = "4000002760003184"  # 3-D Secure on every payment, renewals included
FAILS_LATER = "4000000000000341"  # saved fine; every charge fails
DISPUTED = "4000000000000259"  # paid, then disputed as fraudulent

ELEMENT = re.compile(r'<form id="payment-form"[^>]*>', re.S)


@dataclass
class Outcome:
    """Where the browser ended: an error shown in place, a 3-D Secure page, or our return page."""

    error: dict | None = None
    challenge: str | None = None
    response: object | None = None  # the app's response to Stripe's redirect

    @property
    def location(self) -> str:
        return self.response.headers.get("Location", "") if self.response is not None else ""


def start(client, lang="en", frequency="monthly", amount="100", **extra):
    """Submit the support form (CSRF included) as a reader would."""
    data = {"frequency": frequency, "amount": amount,
            "csrf_token": csrf_token(client, f"/{lang}/support")}  # fmt: skip
    data.update(extra)
    return client.post(f"/{lang}/support", data=data)


def element_of(html: str) -> dict[str, str]:
    """The Payment Element's settings, as payment.js reads them from the page."""
    match = ELEMENT.search(html)
    assert match, "no Payment Element on the page"
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(0)))
    return {name: unescape(value) for name, value in attributes.items()}


def pay(client, emulator, page_url: str, card: str = OK, approve: bool | None = None) -> Outcome:
    """Open a payment (or card) page, enter `card` in the Payment Element and confirm.

    A decline stays on the page (`error`). A card that asks for 3-D Secure stops at the challenge
    unless `approve` says how to answer it. Otherwise Stripe sends the browser back to our return
    page, whose response is returned.
    """
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    element = element_of(page.get_data(as_text=True))
    confirm = testing.confirm_setup if element["intent"] == "setup" else testing.confirm_payment
    result = confirm(emulator, element["client-secret"], card_number=card,
                     return_url=element["return-url"],
                     publishable_key=element["publishable-key"])  # fmt: skip
    if result["error"]:
        return Outcome(error=result["error"])
    redirect = result["redirect_url"]
    if not redirect.startswith(element["return-url"]):
        if approve is None:
            return Outcome(challenge=redirect)
        redirect = testing.authenticate(emulator, redirect, approve)
    return Outcome(response=follow(client, redirect))


def follow(client, url: str):
    """GET an absolute URL of ours through the test client."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def renew(client, user):
    """Staff move the reader's test clock past the next renewal; Stripe's events then arrive."""
    from app.services import testmode

    testmode.advance_to_next_renewal(user)
    client.deliver_webhooks()


def advance(client, user, days: int):
    """Move the reader's test clock `days` on (as Stripe's test mode does) and deliver the events."""
    from app.payments import get_gateway
    from app.payments.stripe_testmode import StripeTestMode

    stripe = StripeTestMode(get_gateway())
    clock = stripe.clock_of(user.stripe_customer_id)
    stripe.advance_clock(clock.id, clock.frozen_time + timedelta(days=days))
    client.deliver_webhooks()
