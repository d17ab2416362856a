"""The payment gateway over Stripe's API: the one module of the project that imports `stripe`.

Every call goes through one `stripe.StripeClient` per gateway (no global `stripe.api_key`), on the
API version the SDK pins (2026-10-28.endive). The same code runs everywhere: in production against
Stripe, offline against the Stripe emulator (`base_addresses` points the client at it; tests pass an
in-process `http_client`). Stripe's exceptions never leave this module: they become
`GatewayUnavailable`, `CardDeclined` or `GatewayError` (see `stripe_errors`). `stripe_convert` turns
objects into the gateway's dataclasses, from the JSON shape events carry.
"""

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, Self

import stripe
from stripe.params import (
    CustomerCreateParams,
    EventListParams,
    InvoicePayParams,
    PaymentIntentCreateParams,
    PriceCreateParams,
    SetupIntentCreateParams,
    SubscriptionCreateParams,
    SubscriptionCreateParamsItemPriceData,
    SubscriptionListParams,
    SubscriptionUpdateParams,
)

from .gateway import (
    Card,
    CardDeclined,
    Charge,
    Dispute,
    GatewayError,
    GatewayUnavailable,
    IdempotencyConflict,
    InvalidSignature,
    Invoice,
    ListedSubscription,
    MalformedEvent,
    PaymentIntent,
    Subscription,
)
from .stripe_convert import (
    PAID_UNTIL,
    charge_from_stripe,
    customer_from_stripe,
    dispute_from_stripe,
    invoice_from_stripe,
    payment_intent_from_stripe,
    subscription_from_stripe,
    well_formed_event,
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

    Raises InvalidSignature when the header is missing or malformed, does not match `secret`, or
    its time is more than `tolerance` seconds old or ahead (the SDK checks only the past), and
    MalformedEvent when the signed payload is not a well-formed Stripe event.
    """
    if not signature:
        raise InvalidSignature("missing Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as error:
        raise InvalidSignature(error.user_message or "invalid signature") from error
    except (ValueError, AttributeError) as error:  # signed, but not UTF-8 JSON of a snapshot event
        raise MalformedEvent(f"payload is not a Stripe event: {error}") from error
    if _signed_at(signature) > time.time() + tolerance:
        raise InvalidSignature("signature timestamp is in the future")
    return well_formed_event(json.loads(payload))


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header (construct_event has checked that it is there)."""
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    raise InvalidSignature("signature has no timestamp")


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Run a block of Stripe calls, turning the SDK's exceptions into the gateway's.

    Connection failures, timeouts, rate limits and 5xx answers -> GatewayUnavailable; a declined
    card -> CardDeclined with Stripe's decline code; a key reused with other parameters ->
    IdempotencyConflict; any other Stripe error -> GatewayError.
    """
    try:
        yield
    except stripe.CardError as error:
        raise CardDeclined(code=_decline_code(error), message=error.user_message or "") from error
    except stripe.IdempotencyError as error:
        raise IdempotencyConflict(str(error)) from error
    except (stripe.APIConnectionError, stripe.RateLimitError, TimeoutError) as error:
        raise GatewayUnavailable(str(error)) from error
    except stripe.APIError as error:
        if error.http_status is None or error.http_status >= 500:
            raise GatewayUnavailable(str(error)) from error
        raise GatewayError(str(error)) from error
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def _id_of(field: str | stripe.StripeObject | None) -> str | None:
    """The id of an expandable field, whether Stripe sent the id or the expanded object."""
    if field is None or isinstance(field, str):
        return field
    return str(field["id"])


def _decline_code(error: stripe.CardError) -> str:
    """Stripe's most specific reason: the decline code (insufficient_funds...), else the code."""
    decline_code = error.error.decline_code if error.error is not None else None
    return decline_code or error.code or "card_declined"


class StripeGateway:
    """Stripe for the services: customers, subscriptions, donations, invoices, events, catalog."""

    def __init__(
        self,
        secret_key: str,
        publishable_key: str | None,
        webhook_secret: str,
        product_id: str = DEFAULT_PRODUCT_ID,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
        api_base: str | None = None,
        test_clocks: bool = False,
    ) -> None:
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.product_id = product_id
        self.api_base = api_base
        self._product_exists = False
        # Test mode only: each new customer lives on a test clock of its own (staff move it on).
        self.test_clocks = test_clocks and secret_key.startswith("sk_test_")
        self.test_mode = secret_key.startswith("sk_test_")
        # StripeClient ignores the global stripe.api_base: the address goes in base_addresses.
        self.client = stripe.StripeClient(
            secret_key,
            http_client=http_client,
            max_network_retries=max_network_retries,
            base_addresses={"api": api_base} if api_base else None,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> Self:
        """A gateway from the app config's STRIPE_* settings (the secret key is required)."""
        settings: dict[str, Any] = {
            "secret_key": config["STRIPE_SECRET_KEY"],
            "publishable_key": config.get("STRIPE_PUBLISHABLE_KEY"),
            "webhook_secret": config.get("STRIPE_WEBHOOK_SECRET") or "",
            "product_id": config.get("STRIPE_PRODUCT_ID") or DEFAULT_PRODUCT_ID,
            "api_base": config.get("STRIPE_API_BASE"),
            "test_clocks": bool(config.get("STRIPE_TEST_CLOCKS")),
        }
        return cls(**{**settings, **overrides})

    def create_customer(
        self, *, email: str, user_key: str, locale: str, idempotency_key: str
    ) -> str:
        """A new customer emailed in `locale`, tagged with our `user_key`; returns its id.

        In test mode with test clocks on, the customer is created on a new clock of its own (Stripe
        allows three customers a clock), frozen at the present moment.
        """
        params: CustomerCreateParams = {
            "email": email,
            "preferred_locales": [locale],
            "metadata": {"user_key": user_key},
        }
        with stripe_errors():
            if self.test_clocks:
                clock = self.client.v1.test_helpers.test_clocks.create(
                    params={"frozen_time": int(datetime.now(UTC).timestamp()), "name": user_key},
                    options={"idempotency_key": f"{idempotency_key}-clock"},
                )
                params["test_clock"] = clock.id
            customer = self.client.v1.customers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return customer.id

    def delete_customer(self, customer_id: str) -> None:
        """Delete the customer: Stripe cancels its subscriptions at once and keeps its charges
        (https://docs.stripe.com/api/customers/delete). Already deleted counts as done."""
        try:
            with stripe_errors():
                self.client.v1.customers.delete(customer_id)
        except GatewayError as error:
            if "No such customer" not in str(error):
                raise

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
        """An inline price of the membership product: `amount` per `interval`.

        Stripe refuses `price_data` naming a product that does not exist, so the product is made
        the first time this gateway needs it (`flask stripe setup` makes it ahead of time).
        """
        if not self._product_exists:
            with stripe_errors():
                self._ensure_product()
            self._product_exists = True
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
        """The subscription's single item moved to `amount` per `interval`.

        The same interval: the new amount from the next payment on, nothing charged now
        (`proration_behavior=none`). Another interval: Stripe restarts the billing period and
        invoices at once (https://docs.stripe.com/billing/subscriptions/billing-cycle); the item
        moves to a Price for that amount, interval and currency (found by lookup key, created once:
        pending updates take `price`, not `price_data`), with `pending_if_incomplete`, so that if the
        prorated invoice cannot be paid nothing changes
        (https://docs.stripe.com/billing/subscriptions/pending-updates): the answer then has
        `pending_update` set.
        """
        current = self.retrieve_subscription(subscription_id)
        if current.item_id is None:
            raise GatewayError(f"subscription {subscription_id} has no item to change")
        if interval == current.interval:
            params: SubscriptionUpdateParams = {
                "items": [{"id": current.item_id,
                           "price_data": self._price_data(amount, currency, interval)}],
                "proration_behavior": "none",
            }  # fmt: skip
        else:
            price = self.price_for(amount, currency, interval)
            params = {
                "items": [{"id": current.item_id, "price": price}],
                "proration_behavior": "always_invoice",
                "payment_behavior": "pending_if_incomplete",
            }
        return self._update_subscription(subscription_id, params, idempotency_key)

    def _update_subscription(
        self, subscription_id: str, params: SubscriptionUpdateParams, idempotency_key: str | None
    ) -> Subscription:
        """The subscription updated with `params` at Stripe, as its answer has it (expanded as
        every snapshot is)."""
        options = {"idempotency_key": idempotency_key} if idempotency_key else {}
        with stripe_errors():
            subscription = self.client.v1.subscriptions.update(
                subscription_id,
                params={**params, "expand": SUBSCRIPTION_EXPAND},
                options=options,  # type: ignore[arg-type]
            )
        return subscription_from_stripe(subscription.to_dict(for_json=True))

    def price_for(self, amount: int, currency: str, interval: str) -> str:
        """The id of the membership Price of `amount` per `interval`, made the first time."""
        lookup_key = f"membership_{interval}_{amount}_{currency.lower()}"
        with stripe_errors():
            if not self._product_exists:
                self._ensure_product()
                self._product_exists = True
            return self._ensure_price(lookup_key, amount, currency, interval)[1]

    def set_cancel_at_period_end(
        self, subscription_id: str, cancel: bool, idempotency_key: str | None = None
    ) -> Subscription:
        """The subscription set to end (or, with cancel=False, to go on) at the period's end."""
        return self._update_subscription(
            subscription_id, {"cancel_at_period_end": cancel}, idempotency_key
        )

    def pause_collection(
        self, subscription_id: str, *, resumes_at: datetime, paid_until: datetime,
        idempotency_key: str,
    ) -> Subscription:  # fmt: skip
        """Collect nothing until `resumes_at`: `pause_collection` with `behavior: void`, so every
        invoice made before then is voided at once and none is charged; the subscription stays
        `active` (https://docs.stripe.com/billing/subscriptions/pause-payment). Stripe clears the
        pause at `resumes_at` by itself. The end of the period already paid goes in the
        subscription's metadata (`PAID_UNTIL`), so its every snapshot says until when it was paid."""
        pause: SubscriptionUpdateParams = {
            "pause_collection": {"behavior": "void", "resumes_at": int(resumes_at.timestamp())},
            "metadata": {PAID_UNTIL: str(int(paid_until.timestamp()))},
        }
        return self._update_subscription(subscription_id, pause, idempotency_key)

    def resume_collection(self, subscription_id: str, idempotency_key: str) -> Subscription:
        """Unset `pause_collection` now: Stripe collects again from the next invoice on."""
        resume: SubscriptionUpdateParams = {"pause_collection": "", "metadata": {PAID_UNTIL: ""}}
        return self._update_subscription(subscription_id, resume, idempotency_key)

    def create_donation(
        self, *, customer_id: str, amount: int, currency: str, idempotency_key: str,
        metadata: dict[str, str],
    ) -> PaymentIntent:  # fmt: skip
        """A one-time payment of `amount`, waiting for the reader to confirm it."""
        return self._one_time_payment("One-time donation", customer_id, amount, currency,
                                      metadata, idempotency_key)  # fmt: skip

    def create_gift_payment(
        self, *, customer_id: str, amount: int, currency: str, idempotency_key: str,
        metadata: dict[str, str],
    ) -> PaymentIntent:  # fmt: skip
        """A one-time payment for a gift membership, waiting for the giver to confirm it."""
        return self._one_time_payment("Gift membership", customer_id, amount, currency,
                                      metadata, idempotency_key)  # fmt: skip

    def _one_time_payment(
        self, description: str, customer_id: str, amount: int, currency: str,
        metadata: dict[str, str], idempotency_key: str,
    ) -> PaymentIntent:  # fmt: skip
        params: PaymentIntentCreateParams = {
            "customer": customer_id,
            "amount": amount,
            "currency": currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "description": description,
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

    def make_default_card(
        self, setup_intent_id: str, *, customer_id: str, subscription_id: str | None,
        idempotency_key: str,
    ) -> str | None:  # fmt: skip
        """Make the card a succeeded SetupIntent saved the one Stripe charges from now on.

        A SetupIntent only saves a card (https://docs.stripe.com/payments/setup-intents); Stripe
        charges a subscription's own `default_payment_method` first, then the customer's
        `invoice_settings.default_payment_method`
        (https://docs.stripe.com/billing/subscriptions/payment-methods-setting), so both are set.
        Returns the payment method's id, or None when the SetupIntent has not succeeded or belongs
        to another customer.
        """
        with stripe_errors():
            intent = self.client.v1.setup_intents.retrieve(setup_intent_id)
            card = _id_of(intent.payment_method)
            if intent.status != "succeeded" or _id_of(intent.customer) != customer_id:
                return None
            if card is None:
                return None
            self._set_default_card(card, customer_id, subscription_id, idempotency_key)
        return card

    def _set_default_card(
        self, card: str, customer_id: str, subscription_id: str | None, idempotency_key: str
    ) -> None:
        """`card` as the customer's invoice default and the subscription's own default (which
        Stripe charges first)."""
        self.client.v1.customers.update(
            customer_id,
            params={"invoice_settings": {"default_payment_method": card}},
            options={"idempotency_key": f"{idempotency_key}-customer"},
        )
        if subscription_id:
            self.client.v1.subscriptions.update(
                subscription_id,
                params={"default_payment_method": card},
                options={"idempotency_key": f"{idempotency_key}-subscription"},
            )

    def default_card(self, subscription_id: str) -> Card | None:
        """The card Stripe will charge for the subscription's next invoice: the subscription's
        `default_payment_method`, else its customer's `invoice_settings.default_payment_method`
        (https://docs.stripe.com/billing/subscriptions/payment-methods-setting); None without one
        or when it is not a card. Expiry and last four digits are the PaymentMethod's `card` hash
        (https://docs.stripe.com/api/payment_methods/object#payment_method_object-card)."""
        with stripe_errors():
            subscription = self.client.v1.subscriptions.retrieve(
                subscription_id, params={"expand": ["default_payment_method"]}
            )
            method = subscription.default_payment_method
            if method is None:
                customer = self.client.v1.customers.retrieve(
                    str(_id_of(subscription.customer)),
                    params={"expand": ["invoice_settings.default_payment_method"]},
                )
                settings = customer.invoice_settings
                method = settings.default_payment_method if settings is not None else None
        if method is None or isinstance(method, str) or method.card is None:
            return None
        card = method.card
        return Card(id=method.id, brand=card.brand, last4=card.last4, exp_month=card.exp_month,
                    exp_year=card.exp_year)  # fmt: skip

    def pay_open_invoice(
        self, subscription_id: str, *, payment_method: str | None, idempotency_key: str
    ) -> bool:
        """Pay the subscription's latest invoice now, if it is still open; True if it was paid.

        A decline raises CardDeclined; a card that needs 3-D Secure raises CardDeclined with the code
        `invoice_payment_intent_requires_action` (the member must confirm it on our page).
        """
        with stripe_errors():
            subscription = self.client.v1.subscriptions.retrieve(
                subscription_id, params={"expand": ["latest_invoice"]}
            )
            invoice = subscription.latest_invoice
            if invoice is None or isinstance(invoice, str) or invoice.status != "open":
                return False
            params: InvoicePayParams = {"off_session": True}
            if payment_method:
                params["payment_method"] = payment_method
            paid = self.client.v1.invoices.pay(
                str(invoice.id), params=params, options={"idempotency_key": idempotency_key}
            )
        return paid.status == "paid"

    def retrieve_invoice(self, invoice_id: str) -> Invoice:
        """The invoice as Stripe has it now, with the payment intent and charge that paid it."""
        with stripe_errors():
            invoice = self.client.v1.invoices.retrieve(
                invoice_id, params={"expand": ["payments.data.payment.payment_intent"]}
            )
        return invoice_from_stripe(invoice.to_dict(for_json=True))

    def retrieve_charge(self, charge_id: str) -> Charge:
        """The charge as Stripe has it now, with every refund (Stripe includes `refunds` only when
        expanded, ten at a time) and its dispute, if any."""
        with stripe_errors():
            charge = self.client.v1.charges.retrieve(charge_id, params={"expand": ["refunds"]})
            obj = charge.to_dict(for_json=True)
            listed = obj.get("refunds") or {}
            if listed.get("has_more"):
                refunds = self.client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
                listed["data"] = [
                    refund.to_dict(for_json=True) for refund in refunds.auto_paging_iter()
                ]
            dispute = None
            if obj.get("disputed"):
                disputes = self.client.v1.disputes.list(params={"charge": charge_id, "limit": 1})
                if disputes.data:
                    dispute = dispute_from_stripe(disputes.data[0].to_dict(for_json=True))
        return charge_from_stripe(obj, dispute)

    def retrieve_dispute(self, dispute_id: str) -> Dispute:
        """The dispute as Stripe has it now."""
        with stripe_errors():
            dispute = self.client.v1.disputes.retrieve(dispute_id)
        return dispute_from_stripe(dispute.to_dict(for_json=True))

    def invoice_for_payment_intent(self, payment_intent_id: str) -> str | None:
        """The invoice a payment intent paid (or tried to), if it belongs to one: since API version
        2025-03-31.basil the link is an InvoicePayment, not a field of the intent."""
        with stripe_errors():
            payments = self.client.v1.invoice_payments.list(
                params={"payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                        "limit": 1}
            )  # fmt: skip
        return _id_of(payments.data[0].invoice) if payments.data else None

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

    def list_subscriptions(self) -> Iterator[ListedSubscription]:
        """Every subscription of the account, of every status (`status=all`: Stripe leaves
        canceled ones out by default), newest first, each with its customer expanded (a deleted
        customer's stub says so), fetched a hundred a page as the iterator is consumed
        (https://docs.stripe.com/api/subscriptions/list, https://docs.stripe.com/api/pagination/auto).
        One that cannot be read (no single priced item) comes with its `problem`, not an error."""
        params: SubscriptionListParams = {
            "status": "all",
            "limit": 100,
            "expand": ["data.customer"],
        }
        with stripe_errors():
            for subscription in self.client.v1.subscriptions.list(params=params).auto_paging_iter():
                obj = subscription.to_dict(for_json=True)
                customer = obj.get("customer")
                owner = customer_from_stripe(customer) if isinstance(customer, dict) else None
                try:
                    read: Subscription | None = subscription_from_stripe(obj)
                    problem = None
                except GatewayError as error:
                    read, problem = None, str(error)
                yield ListedSubscription(id=str(obj["id"]), subscription=read, customer=owner,
                                         problem=problem)  # fmt: skip

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

    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> None:
        """End a subscription at once (already ended counts as done)."""
        with stripe_errors():
            current = self.client.v1.subscriptions.retrieve(subscription_id)
            if current.status in ("canceled", "incomplete_expired"):
                return
            self.client.v1.subscriptions.cancel(
                subscription_id, options={"idempotency_key": idempotency_key}
            )

    def refund_invoice(self, invoice_id: str, idempotency_key: str) -> str | None:
        """Refund what is left of the charge that paid an invoice; the refund's id, or None when
        nothing was paid or all of it is refunded already."""
        invoice = self.retrieve_invoice(invoice_id)
        if invoice.charge_id is None:
            return None
        charge = self.retrieve_charge(invoice.charge_id)
        if charge.amount_refunded >= charge.amount or charge.disputed:
            return None
        with stripe_errors():
            refund = self.client.v1.refunds.create(
                params={"charge": charge.id}, options={"idempotency_key": idempotency_key}
            )
        return str(refund.id)

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event in `payload` if signed with our webhook secret, else InvalidSignature."""
        return verify_stripe_event(payload, signature, self.webhook_secret)

    def make_default_card_of_payment(
        self, payment_intent_id: str, *, customer_id: str, subscription_id: str | None,
        idempotency_key: str,
    ) -> str | None:  # fmt: skip
        """Make the card that paid a succeeded PaymentIntent the one Stripe charges from now on.

        Paying an open invoice's PaymentIntent with a new card pays that invoice; Stripe keeps
        the card only as asked: our subscriptions' `payment_settings.save_default_payment_method`
        `on_subscription` sets the subscription's `default_payment_method` when a payment
        succeeds, never the customer's `invoice_settings.default_payment_method`
        (https://docs.stripe.com/api/subscriptions/object#subscription_object-payment_settings-save_default_payment_method),
        so both are set here, as `make_default_card` does for a SetupIntent. Returns the payment
        method's id, or None when the intent has not succeeded, belongs to another customer, or
        its card was not saved to the customer (Stripe refuses an unattached default).
        """
        with stripe_errors():
            intent = self.client.v1.payment_intents.retrieve(
                payment_intent_id, params={"expand": ["payment_method"]}
            )
            method = intent.payment_method
            if intent.status != "succeeded" or _id_of(intent.customer) != customer_id:
                return None
            if method is None or isinstance(method, str) or _id_of(method.customer) != customer_id:
                return None
            card = method.id
            self._set_default_card(card, customer_id, subscription_id, idempotency_key)
        return card
