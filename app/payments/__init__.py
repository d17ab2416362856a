"""Payment providers behind one interface: Stripe, or the offline sandbox when no keys are set."""

from flask import current_app

from .gateway import PaymentGateway


def get_gateway() -> PaymentGateway:
    """The app's payment provider (built once per app)."""
    gateway = current_app.extensions.get("payment_gateway")
    if gateway is None:
        if current_app.config.get("STRIPE_SECRET_KEY"):
            from .stripe_gateway import StripeGateway

            gateway = StripeGateway.from_config(current_app.config)
        else:
            from .sandbox import SandboxGateway

            gateway = SandboxGateway.from_config(current_app.config)
        current_app.extensions["payment_gateway"] = gateway
    return gateway
