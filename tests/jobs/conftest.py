"""The webhook tests' Stripe side, for the jobs that apply events."""

from tests.webhooks.conftest import post, stripe_side  # noqa: F401 - fixtures
