"""The contract suite's two Stripes: the emulator (always) and Stripe's own test mode (when
`STRIPE_TEST_SECRET_KEY` is set), behind the same production gateway. A journey written once runs
against both, so anyone with a test key can check that the emulator keeps Stripe's rules."""

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.payments.gateway import TestClock
from app.payments.stripe_gateway import StripeGateway
from app.payments.stripe_testmode import StripeTestMode

pytestmark = pytest.mark.own_app
REAL_KEY = "STRIPE_TEST_SECRET_KEY"
# Stripe advances test clocks and opens test disputes asynchronously; give it this long.
PATIENCE = timedelta(minutes=3)


@dataclass
class Stripe:
    """One Stripe to run journeys against: the gateway, its test-mode controls, and a way to wait."""

    name: str
    gateway: StripeGateway
    settle: object  # callable: let asynchronous work finish (the emulator) or pause (Stripe)

    @property
    def client(self):
        return self.gateway.client

    @property
    def test_mode(self) -> StripeTestMode:
        return StripeTestMode(self.gateway)

    def customer(self, email: str = "contract@example.org") -> str:
        """A new customer on a test clock of its own."""
        unique = f"contract-{time.time_ns()}"
        return self.gateway.create_customer(
            email=email, user_key=unique, locale="en", idempotency_key=unique
        )

    def clock(self, customer_id: str) -> TestClock:
        clock = self.test_mode.clock_of(customer_id)
        assert clock is not None, "every customer lives on a test clock in test mode"
        return clock

    def advance(self, customer_id: str, to: datetime) -> TestClock:
        """Advance the customer's clock to `to` and wait until Stripe is done (status ready)."""
        self.test_mode.advance_clock(self.clock(customer_id).id, to)
        return self.until(lambda: self.clock(customer_id), lambda c: c.status == "ready")

    def until(self, read, done, what: str = "Stripe"):
        """Read again until `done(value)`; Stripe works asynchronously (the emulator at settle)."""
        deadline = datetime.now() + PATIENCE
        while True:
            self.settle()
            value = read()
            if done(value):
                return value
            assert datetime.now() < deadline, f"{what} did not get there in time: {value!r}"


def _pause() -> None:
    time.sleep(2)


@pytest.fixture(params=["emulator", "stripe"])
def stripe(request) -> Stripe:
    """The emulator, or Stripe's test mode with a test key (skipped, saying why, without one)."""
    if request.param == "stripe":
        key = os.environ.get(REAL_KEY, "")
        if not key:
            pytest.skip(f"{REAL_KEY} is not set: these journeys ran against the emulator only")
        if not key.startswith("sk_test_"):
            pytest.fail(f"{REAL_KEY} must be a test-mode key (sk_test_...)")
        gateway = StripeGateway(key, None, "", test_clocks=True)
        gateway.setup_catalog([])  # the membership product the subscriptions' prices belong to
        return Stripe("stripe", gateway, _pause)
    from stripe_emulator import Emulator

    emulator = Emulator()
    gateway = StripeGateway("sk_test_emulator", "pk_test_emulator", "whsec_emulator",
                            http_client=emulator.http_client(), max_network_retries=0,
                            api_base="http://127.0.0.1:12111", test_clocks=True)  # fmt: skip
    gateway.setup_catalog([])
    return Stripe("emulator", gateway, emulator.settle)
