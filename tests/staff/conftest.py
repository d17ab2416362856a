"""The webhook tests' Stripe fixtures, for the ledger pages: real events from the emulator,
captured and posted by the tests."""

from tests.webhooks.conftest import post, stripe_side, subscriber  # noqa: F401
