"""Fixtures for the emulator's tests: an emulator, the real SDK pointed at it, and helpers that
walk the flows the app's gateway uses (through the SDK and stripe_emulator.testing only)."""

import json
from typing import Any

import pytest
import stripe

from stripe_emulator import Emulator, testing

START = 1767225600  # 2026-01-01T00:00:00Z: test clocks start here
DAY = 86400
PRODUCT = "enab_membership"


@pytest.fixture
def emu() -> Emulator:
    return Emulator(seed=7)


def sdk(emu: Emulator, key: str = "sk_test_x") -> stripe.StripeClient:
    """The real SDK, answered by `emu` in process."""
    return stripe.StripeClient(
        key,
        http_client=emu.http_client(),
        base_addresses={"api": "http://127.0.0.1:12111"},
        max_network_retries=0,
    )


@pytest.fixture
def client(emu: Emulator) -> stripe.StripeClient:
    return sdk(emu)


class Flows:
    """The gateway's calls, for tests to compose."""

    def __init__(self, emu: Emulator, client: stripe.StripeClient) -> None:
        self.emu = emu
        self.client = client
        self._product = False

    def clock(self, frozen_time: int = START) -> Any:
        return self.client.v1.test_helpers.test_clocks.create(params={"frozen_time": frozen_time})

    def advance(self, clock_id: str, to: int) -> Any:
        self.client.v1.test_helpers.test_clocks.advance(clock_id, params={"frozen_time": to})
        self.emu.settle()
        return self.client.v1.test_helpers.test_clocks.retrieve(clock_id)

    def customer(self, clock_id: str | None = None, **params: Any) -> Any:
        params = {"email": "reader@example.com", **params}
        if clock_id:
            params["test_clock"] = clock_id
        return self.client.v1.customers.create(params=params)

    def product(self) -> None:
        if not self._product:
            self.client.v1.products.create(params={"id": PRODUCT, "name": "Membership"})
            self._product = True

    def price_data(self, amount: int = 1000, interval: str = "month") -> dict[str, Any]:
        self.product()
        return {
            "currency": "usd",
            "product": PRODUCT,
            "unit_amount": amount,
            "recurring": {"interval": interval},
        }

    def price(self, amount: int = 1000, interval: str = "month") -> Any:
        self.product()
        return self.client.v1.prices.create(
            params={
                "product": PRODUCT,
                "unit_amount": amount,
                "currency": "usd",
                "recurring": {"interval": interval},
            }
        )

    def subscribe(
        self, customer_id: str, amount: int = 1000, interval: str = "month", **extra: Any
    ) -> Any:
        """The gateway's create_subscription: incomplete, first invoice open."""
        params = {
            "customer": customer_id,
            "items": [{"price_data": self.price_data(amount, interval)}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.confirmation_secret"],
            **extra,
        }
        return self.client.v1.subscriptions.create(params=params)

    def pay_first(self, subscription: Any, card: str = "4242424242424242") -> dict[str, Any]:
        secret = subscription.latest_invoice.confirmation_secret.client_secret
        return testing.confirm_payment(self.emu, secret, card_number=card)

    def active(
        self, clock_id: str | None = None, card: str = "4242424242424242", **subscribe: Any
    ) -> tuple[Any, Any]:
        """A customer with a paid, active subscription."""
        customer = self.customer(clock_id)
        subscription = self.subscribe(customer.id, **subscribe)
        result = self.pay_first(subscription, card)
        assert result["status"] == "succeeded", result
        return customer, self.client.v1.subscriptions.retrieve(subscription.id)

    def events(self) -> list[dict[str, Any]]:
        """The events delivered so far (drained), oldest first."""
        return [json.loads(payload) for payload, _ in self.emu.drain_deliveries()]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture
def flows(emu: Emulator, client: stripe.StripeClient) -> Flows:
    return Flows(emu, client)
