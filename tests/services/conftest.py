"""The webhook tests' Stripe side, for the services that Stripe's events drive."""

from tests.webhooks.conftest import post, stripe_side, subscriber  # noqa: F401 - fixtures
