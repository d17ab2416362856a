"""The Stripe fixtures of the billing tests, for the ledger pages."""

from tests.billing.conftest import deliver, stripe_http, stripe_state, subscriber  # noqa: F401
