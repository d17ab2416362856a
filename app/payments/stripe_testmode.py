"""What Stripe's test mode itself offers staff: test clocks, refunds and test disputes.

Only Stripe's own test-mode features are used, so these work alike against the emulator and against a
real test key: time moves by advancing a customer's test clock (asynchronously, at most two billing
intervals at a time); a dispute comes from paying with 4000 0000 0000 0259 and is won or lost by
submitting Stripe's `winning_evidence` / `losing_evidence` test evidence
(https://docs.stripe.com/testing#disputes). Like `stripe_gateway`, whose client and error mapping it
uses, it never lets a Stripe exception out.
"""

from datetime import datetime
from typing import Any

from .gateway import Charge, GatewayError, TestClock
from .stripe_convert import charge_from_stripe, dispute_from_stripe, expandable_id, to_datetime
from .stripe_gateway import StripeGateway, stripe_errors


class StripeTestMode:
    """Test-mode controls over one gateway's Stripe account (refused with a live key)."""

    def __init__(self, gateway: StripeGateway) -> None:
        if not gateway.test_mode:
            raise GatewayError("test-mode controls need a test-mode secret key")
        self.client = gateway.client

    def clock_of(self, customer_id: str) -> TestClock | None:
        """The test clock the customer lives on, if any."""
        with stripe_errors():
            customer = self.client.v1.customers.retrieve(customer_id)
            clock_id = expandable_id(getattr(customer, "test_clock", None))
            if clock_id is None:
                return None
            clock = self.client.v1.test_helpers.test_clocks.retrieve(clock_id)
        return TestClock(clock.id, to_datetime(clock.frozen_time), str(clock.status))

    def advance_clock(self, clock_id: str, to: datetime) -> TestClock:
        """Ask Stripe to move the clock on to `to`. It advances asynchronously: until it is ready,
        `frozen_time` stays where it was and the target is in `status_details`, which the answer's
        `frozen_time` gives instead (the time the clock is moving to)."""
        with stripe_errors():
            clock = self.client.v1.test_helpers.test_clocks.advance(
                clock_id, params={"frozen_time": int(to.timestamp())}
            )
        advancing = (clock.to_dict().get("status_details") or {}).get("advancing") or {}
        target = advancing.get("target_frozen_time") or clock.frozen_time
        return TestClock(clock.id, to_datetime(target), str(clock.status))

    def charges_of(self, customer_id: str, limit: int = 20) -> list[Charge]:
        """The customer's latest charges, newest first, with the dispute of any disputed one."""
        with stripe_errors():
            charges = self.client.v1.charges.list(params={"customer": customer_id, "limit": limit})
            return [self._charge(charge.to_dict()) for charge in charges.data]

    def _charge(self, obj: dict[str, Any]) -> Charge:
        dispute = None
        if obj.get("disputed"):
            disputes = self.client.v1.disputes.list(params={"charge": obj["id"], "limit": 1})
            if disputes.data:
                dispute = dispute_from_stripe(disputes.data[0].to_dict())
        return charge_from_stripe(obj, dispute)

    def refund(self, charge_id: str, amount: int | None, idempotency_key: str) -> str:
        """Refund `amount` (None: all that is left) of a charge through the Refunds API."""
        params: dict[str, Any] = {"charge": charge_id}
        if amount is not None:
            params["amount"] = amount
        with stripe_errors():
            refund = self.client.v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return str(refund.id)

    def submit_dispute_evidence(self, dispute_id: str, win: bool) -> None:
        """Submit Stripe's test evidence that wins (or loses) the dispute."""
        evidence = "winning_evidence" if win else "losing_evidence"
        with stripe_errors():
            self.client.v1.disputes.update(
                dispute_id, params={"evidence": {"uncategorized_text": evidence}}
            )

    def close_dispute(self, dispute_id: str) -> None:
        """Accept the dispute: it closes as lost."""
        with stripe_errors():
            self.client.v1.disputes.close(dispute_id)
