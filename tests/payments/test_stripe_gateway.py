"""StripeGateway over the real Stripe SDK, only its HTTP layer faked (no network, no Flask app)."""

import json
import time
from datetime import UTC, datetime

import pytest
import stripe

from app.payments.gateway import (
    CardDeclined,
    GatewayError,
    GatewayUnavailable,
    InvalidSignature,
    Invoice,
    PaymentIntent,
)
from app.payments.stripe_gateway import StripeGateway, verify_stripe_event
from tests.stripe_fakes import (
    FakeStripeHTTP,
    deep_merge,
    make_event,
    sign,
    stripe_list,
    stripe_object,
)

WEBHOOK_SECRET = "whsec_test_secret"
EXPAND = ["latest_invoice.confirmation_secret"]
PERIOD_END = 1_798_761_600  # 2027-01-01 00:00 UTC
CREATED = 1_767_225_600  # 2026-01-01 00:00 UTC


@pytest.fixture
def http():
    return FakeStripeHTTP()


@pytest.fixture
def gateway(http):
    gateway = StripeGateway(
        "sk_test_123", "pk_test_123", WEBHOOK_SECRET, http_client=http, max_network_retries=0
    )
    gateway._product_exists = True  # as after `flask stripe setup`: no product look-up first
    return gateway


def subscription(item=None, **overrides):
    """Stripe's example subscription with `overrides`, its single item merged with `item`."""
    obj = stripe_object("subscription", **overrides)
    obj["items"]["data"][0] = deep_merge(obj["items"]["data"][0], item or {})
    return obj


def open_invoice(**overrides):
    """An open first invoice with its confirmation secret expanded."""
    secret = {"client_secret": "pi_123_secret_456", "type": "payment_intent"}
    fields = {"id": "in_first", "status": "open", "confirmation_secret": secret}
    return stripe_object("invoice", **{**fields, **overrides})


def a_membership(item=None, **overrides):
    """An incomplete $5 monthly membership waiting for its first payment (`item` merged in)."""
    fields = {"id": "sub_1", "customer": "cus_1", "status": "incomplete"}
    fields |= {"cancel_at_period_end": False, "latest_invoice": open_invoice()}
    fields |= {"metadata": {"user_key": "u-1"}}
    base_item = {"id": "si_1", "current_period_end": PERIOD_END}
    base_item["price"] = {"unit_amount": 500, "currency": "usd", "recurring": {"interval": "month"}}
    return subscription(item=deep_merge(base_item, item or {}), **{**fields, **overrides})


def test_create_customer_sends_email_locale_and_user_key(gateway, http):
    """create_customer posts the email, preferred locale and user key under the idempotency key."""
    http.respond(200, stripe_object("customer", id="cus_1", email="reader@example.org"))

    customer_id = gateway.create_customer(
        email="reader@example.org", user_key="u-1", locale="ar", idempotency_key="customer-u-1"
    )

    assert customer_id == "cus_1"
    assert (http.last.method, http.last.path) == ("post", "/v1/customers")
    assert http.last.params == {
        "email": "reader@example.org",
        "preferred_locales": ["ar"],
        "metadata": {"user_key": "u-1"},
    }
    assert http.last.idempotency_key == "customer-u-1"


def test_create_subscription_sends_inline_price_and_waits_for_payment(gateway, http):
    """create_subscription posts an inline product price, default_incomplete and the expand."""
    http.respond(200, a_membership())

    gateway.create_subscription(
        customer_id="cus_1", amount=500, currency="USD", interval="month",
        idempotency_key="subscribe-1", metadata={"user_key": "u-1"},
    )  # fmt: skip

    assert (http.last.method, http.last.path) == ("post", "/v1/subscriptions")
    price_data = {"currency": "usd", "product": "enab_membership", "unit_amount": "500"}
    price_data["recurring"] = {"interval": "month"}
    assert http.last.params == {
        "customer": "cus_1",
        "items": [{"price_data": price_data}],
        "payment_behavior": "default_incomplete",
        "payment_settings": {"save_default_payment_method": "on_subscription"},
        "expand": EXPAND,
        "metadata": {"user_key": "u-1"},
    }
    assert http.last.idempotency_key == "subscribe-1"


def test_subscription_reads_period_end_from_item_and_secret_from_invoice(gateway, http):
    """The period end comes from the item, the price from its price, the secret from the invoice."""
    http.respond(200, a_membership())

    sub = gateway.create_subscription(
        customer_id="cus_1", amount=500, currency="usd", interval="month",
        idempotency_key="subscribe-1", metadata={"user_key": "u-1"},
    )  # fmt: skip

    assert sub.id == "sub_1"
    assert sub.customer_id == "cus_1"
    assert sub.status == "incomplete"
    assert sub.cancel_at_period_end is False
    assert sub.current_period_end == datetime(2027, 1, 1, tzinfo=UTC)
    assert (sub.amount, sub.currency, sub.interval) == (500, "usd", "month")
    assert sub.item_id == "si_1"
    assert sub.latest_invoice_id == "in_first"
    assert sub.client_secret == "pi_123_secret_456"
    assert sub.metadata == {"user_key": "u-1"}


def test_subscription_without_an_open_invoice_has_no_client_secret(gateway, http):
    """A paid expanded invoice, or an unexpanded one, gives no client secret."""
    http.respond(200, a_membership(status="active", latest_invoice=open_invoice(status="paid")))
    http.respond(200, a_membership(status="active", latest_invoice="in_first"))

    paid = gateway.retrieve_subscription("sub_1")
    unexpanded = gateway.retrieve_subscription("sub_1")

    assert (paid.client_secret, paid.latest_invoice_id) == (None, "in_first")
    assert (unexpanded.client_secret, unexpanded.latest_invoice_id) == (None, "in_first")


def test_a_subscription_without_items_is_a_gateway_error(gateway, http):
    """A subscription Stripe sends without items raises GatewayError, not KeyError."""
    itemless = a_membership()
    itemless["items"]["data"] = []
    http.respond(200, itemless)

    with pytest.raises(GatewayError, match="sub_1"):
        gateway.retrieve_subscription("sub_1")


def test_retrieve_subscription_expands_the_latest_invoice(gateway, http):
    """retrieve_subscription gets the subscription with the latest invoice's secret expanded."""
    http.respond(200, a_membership())

    sub = gateway.retrieve_subscription("sub_1")

    assert (http.last.method, http.last.path) == ("get", "/v1/subscriptions/sub_1")
    assert http.last.params == {"expand": EXPAND}
    assert http.last.idempotency_key is None
    assert sub.current_period_end == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_new_amount_in_the_same_interval_waits_for_the_next_payment(gateway, http):
    """The same interval: the item's inline price is replaced with no proration (nothing now)."""
    changed_price = {"unit_amount": 500, "currency": "usd", "recurring": {"interval": "month"}}
    http.respond(200, a_membership(status="active"))
    http.respond(200, a_membership(status="active", item={"price": changed_price}))

    sub = gateway.change_subscription(
        "sub_1", amount=500, currency="usd", interval="month", idempotency_key="change-1"
    )

    retrieve, update = http.requests
    assert (retrieve.method, retrieve.path) == ("get", "/v1/subscriptions/sub_1")
    assert (update.method, update.path) == ("post", "/v1/subscriptions/sub_1")
    price_data = {"currency": "usd", "product": "enab_membership", "unit_amount": "500"}
    price_data["recurring"] = {"interval": "month"}
    assert update.params == {
        "items": [{"id": "si_1", "price_data": price_data}],
        "proration_behavior": "none",
        "expand": EXPAND,
    }
    assert update.idempotency_key == "change-1"
    assert (sub.amount, sub.interval) == (500, "month")


def test_a_new_interval_moves_to_a_price_and_charges_at_once_or_not_at_all(gateway, http):
    """Another interval: a Price found by lookup key (pending updates refuse price_data), the
    prorated invoice charged at once, and nothing changed if it cannot be paid."""
    changed_price = {"unit_amount": 5000, "currency": "usd", "recurring": {"interval": "year"}}
    http.respond(200, a_membership(status="active"))
    http.respond(200, stripe_list([stripe_object("price", id="price_year")], "/v1/prices"))
    http.respond(200, a_membership(status="active", pending_update=None,
                                   item={"price": changed_price}))  # fmt: skip

    sub = gateway.change_subscription(
        "sub_1", amount=5000, currency="usd", interval="year", idempotency_key="change-2"
    )

    _, lookup, update = http.requests
    assert lookup.params == {"lookup_keys": ["membership_year_5000_usd"], "limit": "1"}
    assert update.params == {
        "items": [{"id": "si_1", "price": "price_year"}],
        "proration_behavior": "always_invoice",
        "payment_behavior": "pending_if_incomplete",
        "expand": EXPAND,
    }
    assert (sub.amount, sub.interval, sub.pending_update) == (5000, "year", False)


@pytest.mark.parametrize(("cancel", "sent"), [(True, "true"), (False, "false")])
def test_set_cancel_at_period_end(gateway, http, cancel, sent):
    """set_cancel_at_period_end posts the flag and returns the updated subscription."""
    http.respond(200, a_membership(status="active", cancel_at_period_end=cancel))

    sub = gateway.set_cancel_at_period_end("sub_1", cancel)

    assert (http.last.method, http.last.path) == ("post", "/v1/subscriptions/sub_1")
    assert http.last.params == {"cancel_at_period_end": sent, "expand": EXPAND}
    assert sub.cancel_at_period_end is cancel


def test_create_donation_creates_a_payment_intent(gateway, http):
    """create_donation posts a one-time payment intent with automatic payment methods and metadata."""
    intent = {"id": "pi_1", "customer": "cus_1", "amount": 2500, "client_secret": "pi_1_secret_2",
              "last_payment_error": None}  # fmt: skip
    http.respond(200, stripe_object("payment_intent", metadata={"kind": "donation"}, **intent))

    donation = gateway.create_donation(
        customer_id="cus_1", amount=2500, currency="USD", idempotency_key="donation-1",
        metadata={"kind": "donation"},
    )  # fmt: skip

    assert (http.last.method, http.last.path) == ("post", "/v1/payment_intents")
    assert http.last.params == {
        "customer": "cus_1",
        "amount": "2500",
        "currency": "usd",
        "automatic_payment_methods": {"enabled": "true"},
        "description": "One-time donation",
        "metadata": {"kind": "donation"},
    }
    assert http.last.idempotency_key == "donation-1"
    assert donation == PaymentIntent(
        id="pi_1", customer_id="cus_1", status="requires_payment_method", amount=2500,
        currency="usd", client_secret="pi_1_secret_2", metadata={"kind": "donation"},
    )  # fmt: skip


def test_retrieve_payment_intent_reads_the_latest_charge(gateway, http):
    """retrieve_payment_intent gets the intent; the latest charge id is read as sent."""
    fields = {"id": "pi_1", "status": "succeeded", "latest_charge": "ch_1", "customer": "cus_1"}
    http.respond(200, stripe_object("payment_intent", **fields))

    intent = gateway.retrieve_payment_intent("pi_1")

    assert (http.last.method, http.last.path, http.last.params) == (
        "get",
        "/v1/payment_intents/pi_1",
        {},
    )
    assert (intent.status, intent.latest_charge_id, intent.customer_id) == (
        "succeeded",
        "ch_1",
        "cus_1",
    )


def test_create_setup_intent_returns_its_client_secret(gateway, http):
    """create_setup_intent posts an off-session setup intent and returns its client secret."""
    http.respond(200, stripe_object("setup_intent", customer="cus_1"))

    secret = gateway.create_setup_intent(customer_id="cus_1", idempotency_key="card-1")

    assert secret == stripe_object("setup_intent")["client_secret"]
    assert (http.last.method, http.last.path) == ("post", "/v1/setup_intents")
    assert http.last.params == {
        "customer": "cus_1",
        "usage": "off_session",
        "automatic_payment_methods": {"enabled": "true"},
    }
    assert http.last.idempotency_key == "card-1"


def test_list_invoices_converts_each_invoice(gateway, http):
    """list_invoices asks for the customer's invoices and reads the subscription from `parent`."""
    parent = {"type": "subscription_details", "quote_details": None}
    parent["subscription_details"] = {"metadata": {}, "subscription": "sub_1"}
    paid = {"id": "in_1", "customer": "cus_1", "status": "paid", "amount_paid": 1000}
    paid |= {"created": CREATED, "number": "7FE1103-0001", "hosted_invoice_url": "https://pay/in_1"}
    invoices = [stripe_object("invoice", parent=parent, **paid)]
    http.respond(200, stripe_list(invoices, "/v1/invoices"))

    (invoice,) = gateway.list_invoices("cus_1")

    assert (http.last.method, http.last.path) == ("get", "/v1/invoices")
    assert http.last.params == {"customer": "cus_1", "limit": "24"}
    assert invoice == Invoice(
        id="in_1", customer_id="cus_1", subscription_id="sub_1", status="paid", amount_due=1000,
        amount_paid=1000, currency="usd", created=datetime(2026, 1, 1, tzinfo=UTC),
        number="7FE1103-0001", hosted_invoice_url="https://pay/in_1",
    )  # fmt: skip


def test_list_events_pages_through_every_event(gateway, http):
    """list_events sends created[gte] and types, follows has_more, and yields JSON-ready dicts."""
    first = [
        make_event("invoice.paid", stripe_object("invoice"), event_id=f"evt_{n}") for n in (3, 2)
    ]
    last = [make_event("invoice.paid", stripe_object("invoice"), event_id="evt_1")]
    http.respond(200, stripe_list(first, "/v1/events", has_more=True))
    http.respond(200, stripe_list(last, "/v1/events"))

    events = list(gateway.list_events(datetime(2026, 1, 1, tzinfo=UTC), types=["invoice.paid"]))

    assert [event["id"] for event in events] == ["evt_3", "evt_2", "evt_1"]
    assert events[0]["data"]["object"]["object"] == "invoice"
    json.dumps(events)  # plain data, like a webhook payload
    query = {"created": {"gte": str(CREATED)}, "limit": "100", "types": ["invoice.paid"]}
    assert [(r.method, r.path) for r in http.requests] == [("get", "/v1/events")] * 2
    assert http.requests[0].params == query
    assert http.requests[1].params == {**query, "starting_after": "evt_2"}


def test_list_events_reads_a_naive_time_as_utc(gateway, http):
    """A naive `created_gte` is taken as UTC, and no `types` means every type."""
    http.respond(200, stripe_list([], "/v1/events"))

    assert list(gateway.list_events(datetime(2026, 1, 1))) == []
    assert http.last.params == {"created": {"gte": str(CREATED)}, "limit": "100"}


def test_connection_error_is_gateway_unavailable(gateway, http):
    """An unreachable Stripe raises GatewayUnavailable, not the SDK's error."""
    http.fail_connection()

    with pytest.raises(GatewayUnavailable) as caught:
        gateway.retrieve_subscription("sub_1")
    assert not isinstance(caught.value, stripe.StripeError)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_rate_limits_are_gateway_unavailable(gateway, http, status):
    """5xx answers and rate limits raise GatewayUnavailable."""
    http.respond_error(status, "api_error", "Something went wrong on Stripe's end.")

    with pytest.raises(GatewayUnavailable):
        gateway.create_customer(
            email="reader@example.org", user_key="u-1", locale="en", idempotency_key="c-1"
        )


def test_card_declined_carries_the_decline_code(gateway, http):
    """A 402 card error raises CardDeclined with Stripe's decline code."""
    http.respond_error(
        402, "card_error", "Your card has insufficient funds.", code="card_declined",
        decline_code="insufficient_funds", param="",
    )  # fmt: skip

    with pytest.raises(CardDeclined) as caught:
        gateway.create_donation(
            customer_id="cus_1", amount=500, currency="usd", idempotency_key="g-1", metadata={}
        )
    assert caught.value.code == "insufficient_funds"
    assert str(caught.value) == "Your card has insufficient funds."


def test_invalid_request_is_a_plain_gateway_error(gateway, http):
    """A refused request (4xx) raises GatewayError, not GatewayUnavailable."""
    http.respond_error(
        404, "invalid_request_error", "No such subscription: 'sub_x'", "resource_missing"
    )

    with pytest.raises(GatewayError) as caught:
        gateway.retrieve_subscription("sub_x")
    assert type(caught.value) is GatewayError


def test_errors_while_paging_events_are_mapped(gateway, http):
    """A failure on a later page of events still raises GatewayUnavailable."""
    page = [make_event("invoice.paid", stripe_object("invoice"), event_id="evt_2")]
    http.respond(200, stripe_list(page, "/v1/events", has_more=True))
    http.fail_connection()

    events = gateway.list_events(datetime(2026, 1, 1, tzinfo=UTC))

    assert next(events)["id"] == "evt_2"
    with pytest.raises(GatewayUnavailable):
        next(events)


def signed(event, secret=WEBHOOK_SECRET, timestamp=None):
    """The event's JSON payload and the Stripe-Signature header Stripe would send with it."""
    payload = json.dumps(event).encode()
    return payload, sign(payload, secret, timestamp)


def test_verify_stripe_event_accepts_a_valid_signature():
    """A correctly signed, fresh payload comes back as the event dict."""
    event = make_event("invoice.paid", stripe_object("invoice"), event_id="evt_1")
    payload, signature = signed(event)

    assert verify_stripe_event(payload, signature, WEBHOOK_SECRET) == event


def test_gateway_verify_event_uses_its_webhook_secret(gateway):
    """StripeGateway.verify_event checks against the configured webhook secret."""
    payload, signature = signed(make_event("customer.updated", stripe_object("customer")))
    other_payload, other_signature = signed(make_event("x.y", {}), secret="whsec_other")

    assert gateway.verify_event(payload, signature)["type"] == "customer.updated"
    with pytest.raises(InvalidSignature):
        gateway.verify_event(other_payload, other_signature)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=123"])
def test_verify_stripe_event_rejects_a_missing_or_malformed_signature(header):
    """No header, an empty one, or one without a v1 signature raises InvalidSignature."""
    payload, _ = signed(make_event("invoice.paid", stripe_object("invoice")))

    with pytest.raises(InvalidSignature):
        verify_stripe_event(payload, header, WEBHOOK_SECRET)


def test_verify_stripe_event_rejects_a_signature_made_with_another_secret():
    """A signature made with another secret raises InvalidSignature."""
    payload, signature = signed(make_event("invoice.paid", stripe_object("invoice")), "whsec_evil")

    with pytest.raises(InvalidSignature):
        verify_stripe_event(payload, signature, WEBHOOK_SECRET)


def test_verify_stripe_event_rejects_a_stale_signature():
    """A signature older than 300 seconds raises InvalidSignature (a replay)."""
    event = make_event("invoice.paid", stripe_object("invoice"))
    fresh_enough = signed(event, timestamp=int(time.time()) - 290)
    stale = signed(event, timestamp=int(time.time()) - 301)

    assert verify_stripe_event(*fresh_enough, WEBHOOK_SECRET)["type"] == "invoice.paid"
    with pytest.raises(InvalidSignature):
        verify_stripe_event(*stale, WEBHOOK_SECRET)


def test_verify_stripe_event_rejects_a_tampered_payload():
    """A payload changed after signing raises InvalidSignature."""
    payload, signature = signed(
        make_event("invoice.paid", stripe_object("invoice", amount_paid=100))
    )
    tampered = payload.replace(b'"amount_paid": 100', b'"amount_paid": 999')
    assert tampered != payload

    with pytest.raises(InvalidSignature):
        verify_stripe_event(tampered, signature, WEBHOOK_SECRET)


@pytest.mark.parametrize("payload", [b"[1, 2]", b"not json", b'{"object": "customer"}'])
def test_verify_stripe_event_rejects_signed_payloads_that_are_not_events(payload):
    """A correctly signed payload that is not a JSON event still raises InvalidSignature."""
    with pytest.raises(InvalidSignature):
        verify_stripe_event(payload, sign(payload, WEBHOOK_SECRET), WEBHOOK_SECRET)


PRICES = [("member_monthly_5", 500, "usd", "month"), ("donation_25", 2500, "usd", None)]
MISSING = {"type": "invalid_request_error", "code": "resource_missing", "param": "id"}


def test_setup_catalog_creates_the_product_and_prices(gateway, http):
    """On an empty account, setup_catalog creates the product and every price."""
    http.respond_error(404, message="No such product: 'enab_membership'", **MISSING)
    http.respond(200, stripe_object("product", id="enab_membership", name="Enab Baladi membership"))
    http.respond(200, stripe_list([], "/v1/prices"))
    http.respond(200, stripe_object("price", id="price_monthly", lookup_key="member_monthly_5"))
    http.respond(200, stripe_list([], "/v1/prices"))
    http.respond(
        200, stripe_object("price", id="price_donation", lookup_key="donation_25", recurring=None)
    )

    result = gateway.setup_catalog(PRICES)

    assert result == [
        ("member_monthly_5", "price_monthly", "created"),
        ("donation_25", "price_donation", "created"),
    ]
    calls = [(r.method, r.path, r.params) for r in http.requests]
    monthly = {"product": "enab_membership", "unit_amount": "500", "currency": "usd"}
    monthly |= {"lookup_key": "member_monthly_5", "transfer_lookup_key": "false"}
    monthly["recurring"] = {"interval": "month"}
    donation = {"product": "enab_membership", "unit_amount": "2500", "currency": "usd"}
    donation |= {"lookup_key": "donation_25", "transfer_lookup_key": "false"}
    assert calls == [
        ("get", "/v1/products/enab_membership", {}),
        ("post", "/v1/products", {"id": "enab_membership", "name": "Enab Baladi membership"}),
        ("get", "/v1/prices", {"lookup_keys": ["member_monthly_5"], "limit": "1"}),
        ("post", "/v1/prices", monthly),
        ("get", "/v1/prices", {"lookup_keys": ["donation_25"], "limit": "1"}),
        ("post", "/v1/prices", donation),
    ]


def test_setup_catalog_run_again_creates_only_what_is_missing(gateway, http):
    """A second run finds the product and existing prices and creates only the missing one."""
    existing = stripe_object("price", id="price_monthly", lookup_key="member_monthly_5")
    http.respond(200, stripe_object("product", id="enab_membership"))
    http.respond(200, stripe_list([existing], "/v1/prices"))
    http.respond(200, stripe_list([], "/v1/prices"))
    http.respond(
        200, stripe_object("price", id="price_donation", lookup_key="donation_25", recurring=None)
    )

    result = gateway.setup_catalog(PRICES)

    assert result == [
        ("member_monthly_5", "price_monthly", "exists"),
        ("donation_25", "price_donation", "created"),
    ]
    posts = [(r.path, r.params["lookup_key"]) for r in http.requests if r.method == "post"]
    assert posts == [("/v1/prices", "donation_25")]


def test_setup_catalog_maps_errors_other_than_a_missing_product(gateway, http):
    """A failure to read the product (other than 404) is not taken as "missing"."""
    http.respond_error(401, "invalid_request_error", "Invalid API Key provided: sk_test_***")

    with pytest.raises(GatewayError):
        gateway.setup_catalog(PRICES)
    assert [r.method for r in http.requests] == ["get"]


def test_from_config_reads_the_stripe_settings():
    """from_config takes the keys, the webhook secret and the product id from the config."""
    config = {"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_PUBLISHABLE_KEY": "pk_test_1"}
    config |= {"STRIPE_WEBHOOK_SECRET": "whsec_1"}

    default = StripeGateway.from_config(config)
    custom = StripeGateway.from_config({**config, "STRIPE_PRODUCT_ID": "prod_custom"})

    assert (default.publishable_key, default.webhook_secret) == ("pk_test_1", "whsec_1")
    assert (default.product_id, custom.product_id) == ("enab_membership", "prod_custom")
    assert default.api_base is None and not default.test_clocks


def test_from_config_points_the_sdk_at_the_emulator_and_turns_on_test_clocks():
    """STRIPE_API_BASE becomes the client's API address; test clocks need a test key."""
    config = {"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_API_BASE": "http://127.0.0.1:12111",
              "STRIPE_TEST_CLOCKS": True}  # fmt: skip
    gateway = StripeGateway.from_config(config)
    assert gateway.client._requestor.base_addresses["api"] == "http://127.0.0.1:12111"
    assert gateway.test_clocks and gateway.test_mode
    live = StripeGateway.from_config({**config, "STRIPE_SECRET_KEY": "sk_live_1"})
    assert not live.test_clocks and not live.test_mode


def test_the_first_subscription_makes_the_product_stripe_requires():
    """Stripe refuses price_data for a missing product: the gateway makes it the first time."""
    from stripe_emulator import Emulator

    emulator = Emulator()
    gateway = StripeGateway("sk_test_1", None, "", http_client=emulator.http_client(),
                            max_network_retries=0)  # fmt: skip
    customer = gateway.create_customer(email="a@example.org", user_key="k", locale="en",
                                       idempotency_key="customer-k")  # fmt: skip
    for key in ("one", "two"):
        gateway.create_subscription(customer_id=customer, amount=100, currency="usd",
                                    interval="month", idempotency_key=key, metadata={})  # fmt: skip
    assert gateway.client.v1.products.retrieve("enab_membership").name
    lookups = [r for r in emulator.requests if r[1] == "/v1/products/enab_membership"]
    assert len(lookups) == 2  # one look-up by the gateway (then remembered), one by this test
