"""Payments: Stripe through its SDK, in every environment (offline, the SDK talks to the emulator)."""

from flask import current_app

from .stripe_gateway import StripeGateway


def get_gateway() -> StripeGateway:
    """The app's Stripe gateway (built once per app from its STRIPE_* settings)."""
    gateway = current_app.extensions.get("payment_gateway")
    if gateway is None:
        gateway = StripeGateway.from_config(current_app.config)
        current_app.extensions["payment_gateway"] = gateway
    return gateway
