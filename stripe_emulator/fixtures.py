"""Stripe's example objects (tests/fixtures/stripe/fixtures3.json), the mould of every object.

`build(kind, values)` deep-copies Stripe's example `kind` and sets every one of its top-level
fields from `values`, so that keys, nesting and order are Stripe's while no placeholder value of
the example survives.
"""

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stripe" / "fixtures3.json"
)

# Top-level fields an object may carry although the example leaves them out (none so far:
# polymorphic hashes such as invoice_payment.payment get their members one level down).
EXTRA_TOP_LEVEL: dict[str, set[str]] = {}


@cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]


def example(kind: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's example object of `kind` (e.g. "invoice")."""
    return copy.deepcopy(_resources()[kind])


def build(kind: str, values: dict[str, Any], omit: tuple[str, ...] = ()) -> dict[str, Any]:
    """Stripe's example `kind` with every field replaced by `values`, `omit` left out (fields
    Stripe includes only when asked for, such as charge.refunds).

    Raises KeyError when `values` misses a field of the example or names one it lacks (internal
    fields, starting with "_", aside), so no example value leaks into an answer.
    """
    obj = example(kind)
    for key in omit:
        obj.pop(key)
    missing = [key for key in obj if key not in values]
    unknown = [
        key
        for key in values
        if key not in obj and not key.startswith("_") and key not in EXTRA_TOP_LEVEL.get(kind, ())
    ]
    if missing or unknown:
        raise KeyError(f"{kind}: missing {missing}, unknown {unknown}")
    for key, value in values.items():
        obj[key] = value
    return obj
