"""An emulator of Stripe's API (version 2026-10-28.endive) for offline development and tests.

The real `stripe` SDK talks to it in process (`Emulator.http_client()`) or over HTTP
(`python -m stripe_emulator`); it answers with Stripe's object shapes, built from Stripe's own
example objects, and keeps Stripe's rules where money is concerned.
"""

from .emulator import Emulator, Faults

__all__ = ["Emulator", "Faults"]
