"""Stripe's resources, one module per family (customers, payment intents, invoices...)."""

import importlib
import pkgutil


def load() -> None:
    """Import every resource module, registering its routes, includable fields and
    scheduled-work handlers."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda found: found.name):
        importlib.import_module(f"{__name__}.{module.name}")
