"""The payment gateway over Stripe's API: the one module of the project that imports `stripe`.

Every call goes through one `stripe.StripeClient` per gateway (no global `stripe.api_key`), on the
API version the SDK pins (2026-10-28.endive). Stripe's exceptions never leave this module: they
become `GatewayUnavailable`, `CardDeclined` or `GatewayError` (see `stripe_errors`).
`stripe_convert` turns objects into the gateway's dataclasses, from the JSON shape events carry.
"""

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, Self

import stripe
from stripe.params import (
    CustomerCreateParams,
    EventListParams,
    PaymentIntentCreateParams,
    PriceCreateParams,
    SetupIntentCreateParams,
    SubscriptionCreateParams,
    SubscriptionCreateParamsItemPriceData,
    SubscriptionUpdateParams,
)

from .gateway import (
    CardDeclined,
    GatewayError,
    GatewayUnavailable,
    InvalidSignature,
    Invoice,
    PaymentIntent,
    Subscription,
)
from .stripe_convert import (
    invoice_from_stripe,
    payment_intent_from_stripe,
    subscription_from_stripe,
)

DEFAULT_PRODUCT_ID = "enab_membership"
PRODUCT_NAME = "Enab Baladi membership"
# Every call returning a subscription expands this, so that an open first (or failed) invoice comes
# with the client secret the Payment Element confirms.
SUBSCRIPTION_EXPAND = ["latest_invoice.confirmation_secret"]

CatalogStatus = Literal["created", "exists"]


def verify_stripe_event(
    payload: bytes, signature: str | None, secret: str, tolerance: int = 300
) -> dict[str, Any]:
    """The event in `payload` as a plain dict, if `signature` (the Stripe-Signature header) holds.

    Raises InvalidSignature when the header is missing or malformed, does not match `secret`, is
    older than `tolerance` seconds, or the payload is not a JSON event.
    """
    if not signature:
        raise InvalidSignature("missing Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as error:
        raise InvalidSignature(error.user_message or "invalid signature") from error
    except (ValueError, AttributeError) as error:  # signed, but not UTF-8 JSON of a snapshot event
        raise InvalidSignature(f"payload is not a Stripe event: {error}") from error
    event = json.loads(payload)
    if not isinstance(event, dict) or event.get("object") != "event":
        raise InvalidSignature("payload is not a Stripe event")
    return event


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Run a block of Stripe calls, turning the SDK's exceptions into the gateway's.

    Connection failures, timeouts, rate limits and 5xx answers -> GatewayUnavailable; a declined
    card -> CardDeclined with Stripe's decline code; any other Stripe error -> GatewayError.
    """
    try:
        yield
    except stripe.CardError as error:
        raise CardDeclined(code=_decline_code(error), message=error.user_message or "") from error
    except (stripe.APIConnectionError, stripe.RateLimitError, TimeoutError) as error:
        raise GatewayUnavailable(str(error)) from error
    except stripe.APIError as error:
        if error.http_status is None or error.http_status >= 500:
            raise GatewayUnavailable(str(error)) from error
        raise GatewayError(str(error)) from error
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def _decline_code(error: stripe.CardError) -> str:
    """Stripe's most specific reason: the decline code (insufficient_funds...), else the code."""
    decline_code = error.error.decline_code if error.error is not None else None
    return decline_code or error.code or "card_declined"


class StripeGateway:
    """`PaymentGateway` over Stripe: customers, subscriptions, gifts, invoices, events, catalog."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        publishable_key: str | None,
        webhook_secret: str,
        product_id: str = DEFAULT_PRODUCT_ID,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
    ) -> None:
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.product_id = product_id
        self.client = stripe.StripeClient(
            secret_key, http_client=http_client, max_network_retries=max_network_retries
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        """A gateway from the app config's STRIPE_* settings (the secret key is required)."""
        return cls(
            secret_key=config["STRIPE_SECRET_KEY"],
            publishable_key=config.get("STRIPE_PUBLISHABLE_KEY"),
            webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or "",
            product_id=config.get("STRIPE_PRODUCT_ID") or DEFAULT_PRODUCT_ID,
        )

    def create_customer(
        self, *, email: str, user_key: str, locale: str, idempotency_key: str
    ) -> str:
        """A new customer emailed in `locale`, tagged with our `user_key`; returns its id."""
        params: CustomerCreateParams = {
            "email": email,
            "preferred_locales": [locale],
            "metadata": {"user_key": user_key},
        }
        with stripe_errors():
            customer = self.client.v1.customers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return customer.id

    def create_subscription(
        self, *, customer_id: str, amount: int, currency: str, interval: str,
        idempotency_key: str, metadata: dict[str, str],
    ) -> Subscription:  # fmt: skip
        """A subscription at `amount` per `interval`, incomplete until its first invoice is paid.

        Its `client_secret` (from the expanded first invoice) is what the Payment Element confirms;
        the card is saved as the subscription's default once that payment succeeds.
        """
        params: SubscriptionCreateParams = {
            "customer": customer_id,
            "items": [{"price_data": self._price_data(amount, currency, interval)}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": SUBSCRIPTION_EXPAND,
            "metadata": metadata,
        }
        with stripe_errors():
            subscription = self.client.v1.subscriptions.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return subscription_from_stripe(subscription.to_dict(for_json=True))

    def _price_data(
        self, amount: int, currency: str, interval: str
    ) -> SubscriptionCreateParamsItemPriceData:
        """An inline price of the membership product: `amount` per `interval`."""
        return {
            "currency": currency.lower(),
            "product": self.product_id,
            "unit_amount": amount,
            "recurring": {"interval": interval},
        }

    def retrieve_subscription(self, subscription_id: str) -> Subscription:
        """The subscription as Stripe has it now."""
        with stripe_errors():
            subscription = self.client.v1.subscriptions.retrieve(
                subscription_id, params={"expand": SUBSCRIPTION_EXPAND}
            )
        return subscription_from_stripe(subscription.to_dict(for_json=True))

    def change_subscription(
        self, subscription_id: str, *, amount: int, currency: str, interval: str,
        idempotency_key: str,
    ) -> Subscription:  # fmt: skip
        """The subscription's single item moved to a new price from now on, with prorations."""
        current = self.retrieve_subscription(subscription_id)
        if current.item_id is None:
            raise GatewayError(f"subscription {subscription_id} has no item to change")
        params: SubscriptionUpdateParams = {
            "items": [
                {"id": current.item_id, "price_data": self._price_data(amount, currency, interval)}
            ],
            "proration_behavior": "create_prorations",
            "expand": SUBSCRIPTION_EXPAND,
        }
        with stripe_errors():
            subscription = self.client.v1.subscriptions.update(
                subscription_id, params=params, options={"idempotency_key": idempotency_key}
            )
        return subscription_from_stripe(subscription.to_dict(for_json=True))

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> Subscription:
        """The subscription set to end (or, with cancel=False, to go on) at the period's end."""
        with stripe_errors():
            subscription = self.client.v1.subscriptions.update(
                subscription_id,
                params={"cancel_at_period_end": cancel, "expand": SUBSCRIPTION_EXPAND},
            )
        return subscription_from_stripe(subscription.to_dict(for_json=True))

    def create_gift(
        self, *, customer_id: str, amount: int, currency: str, idempotency_key: str,
        metadata: dict[str, str],
    ) -> PaymentIntent:  # fmt: skip
        """A one-time payment of `amount`, waiting for the reader to confirm it."""
        params: PaymentIntentCreateParams = {
            "customer": customer_id,
            "amount": amount,
            "currency": currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "description": "One-time gift",
            "metadata": metadata,
        }
        with stripe_errors():
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return payment_intent_from_stripe(intent.to_dict(for_json=True))

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        """The payment intent as Stripe has it now."""
        with stripe_errors():
            intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        return payment_intent_from_stripe(intent.to_dict(for_json=True))

    def create_setup_intent(self, *, customer_id: str, idempotency_key: str) -> str:
        """A SetupIntent saving a card for later off-session charges; returns its client secret."""
        params: SetupIntentCreateParams = {
            "customer": customer_id,
            "usage": "off_session",
            "automatic_payment_methods": {"enabled": True},
        }
        with stripe_errors():
            intent = self.client.v1.setup_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        if not intent.client_secret:
            raise GatewayError(f"setup intent {intent.id} came without a client secret")
        return intent.client_secret

    def list_invoices(self, customer_id: str, limit: int = 24) -> list[Invoice]:
        """The customer's latest `limit` invoices (at most 100), newest first."""
        with stripe_errors():
            invoices = self.client.v1.invoices.list(
                params={"customer": customer_id, "limit": limit}
            )
        return [
            invoice_from_stripe(invoice.to_dict(for_json=True), customer_id)
            for invoice in invoices.data
        ]

    def list_events(
        self, created_gte: datetime, types: list[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every event created at or after `created_gte` (naive = UTC), of `types` if given.

        Events come newest first, as plain dicts shaped like webhook payloads, fetched page by page
        as the iterator is consumed.
        """
        if created_gte.tzinfo is None:
            created_gte = created_gte.replace(tzinfo=UTC)
        params: EventListParams = {"created": {"gte": int(created_gte.timestamp())}, "limit": 100}
        if types:
            params["types"] = list(types)
        with stripe_errors():
            for event in self.client.v1.events.list(params=params).auto_paging_iter():
                yield event.to_dict(for_json=True)

    def setup_catalog(
        self, prices: list[tuple[str, int, str, str | None]]
    ) -> list[tuple[str, str, CatalogStatus]]:
        """Ensure the product and each `(lookup_key, unit_amount, currency, interval)` price exist.

        A price is found by its lookup key and created only if missing (`interval` None = one-time),
        so running this again changes nothing. Returns `(lookup_key, price_id, "created"|"exists")`.
        """
        with stripe_errors():
            self._ensure_product()
            return [self._ensure_price(*price) for price in prices]

    def _ensure_product(self) -> None:
        """Create the membership product under `self.product_id` unless it exists."""
        try:
            self.client.v1.products.retrieve(self.product_id)
        except stripe.InvalidRequestError as error:
            if error.http_status != 404:
                raise
            self.client.v1.products.create(params={"id": self.product_id, "name": PRODUCT_NAME})

    def _ensure_price(
        self, lookup_key: str, unit_amount: int, currency: str, interval: str | None
    ) -> tuple[str, str, CatalogStatus]:
        """The price with `lookup_key`, created unless it exists."""
        found = self.client.v1.prices.list(params={"lookup_keys": [lookup_key], "limit": 1})
        if found.data:
            return lookup_key, found.data[0].id, "exists"
        params: PriceCreateParams = {
            "product": self.product_id,
            "unit_amount": unit_amount,
            "currency": currency.lower(),
            "lookup_key": lookup_key,
            "transfer_lookup_key": False,
        }
        if interval is not None:
            params["recurring"] = {"interval": interval}
        price = self.client.v1.prices.create(params=params)
        return lookup_key, price.id, "created"

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event in `payload` if signed with our webhook secret, else InvalidSignature."""
        return verify_stripe_event(payload, signature, self.webhook_secret)
