"""Products and prices (https://docs.stripe.com/api/products, https://docs.stripe.com/api/prices)."""

from typing import Any

from ..errors import invalid, state_error
from ..fixtures import build
from ..forms import as_bool, as_int, as_list, check_known, choice, merge_metadata, require
from ..render import page
from ..routing import Request, route
from ..store import Store
from .common import where

INTERVALS = ("day", "week", "month", "year")
PRICE_CREATE = {
    "product",
    "unit_amount",
    "currency",
    "recurring",
    "recurring.interval",
    "recurring.interval_count",
    "lookup_key",
    "transfer_lookup_key",
    "metadata",
    "nickname",
    "active",
    "expand",
}


@route("POST", "/v1/products")
def create_product(store: Store, request: Request) -> dict[str, Any]:
    """A product (under the given `id` if any, else prod_...): product.created."""
    params = request.params
    check_known(params, {"id", "name", "description", "metadata", "active", "expand"})
    product_id = params.get("id") or store.new_id("prod")
    if store.find("product", product_id) is not None:
        raise invalid("Product already exists.", param="id", code="resource_already_exists")
    now = store.now()
    product = build(
        "product",
        {
            "active": as_bool(params, "active", True),
            "created": now,
            "default_price": None,
            "description": params.get("description") or None,
            "id": product_id,
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": merge_metadata({}, params.get("metadata")),
            "name": require(params, "name"),
            "object": "product",
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": None,
            "tax_code": None,
            "unit_label": None,
            "updated": now,
            "url": None,
            "type": "service",
        },
    )
    store.put("product", product)
    store.emit("product.created", product)
    return store.public(product)


@route("GET", "/v1/products/{product_id}")
def retrieve_product(store: Store, request: Request, product_id: str) -> dict[str, Any]:
    """The product, or 404."""
    return store.public(store.get("product", product_id))


def _currency(params: dict[str, Any], param: str) -> str:
    currency = str(require(params, "currency", param)).lower()
    if len(currency) != 3 or not currency.isalpha():
        raise invalid(f"Invalid currency: {currency}", param=param)
    return currency


def new_price(
    store: Store, params: dict[str, Any], prefix: str, created: int, inline: bool
) -> dict[str, Any]:
    """A price from `params` (the price create parameters, or an item's `price_data`).

    `inline`: made from price_data, which Stripe keeps inactive and without lookup key
    (https://docs.stripe.com/api/subscriptions/create#create_subscription-items-price_data).
    """
    store.get("product", require(params, "product", f"{prefix}product"), f"{prefix}product")
    amount = as_int(params, "unit_amount", f"{prefix}unit_amount")
    if amount is None or amount < 0:
        raise invalid(f"Missing required param: {prefix}unit_amount.", param=f"{prefix}unit_amount")
    recurring = params.get("recurring")
    if inline and not isinstance(recurring, dict):
        raise invalid(f"Missing required param: {prefix}recurring.", param=f"{prefix}recurring")
    if isinstance(recurring, dict):
        interval = choice(recurring, "interval", INTERVALS, None)
        if interval is None:
            raise invalid(
                f"Missing required param: {prefix}recurring[interval].",
                param=f"{prefix}recurring[interval]",
            )
        recurring = {
            "interval": interval,
            "interval_count": as_int(recurring, "interval_count") or 1,
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": None,
        }
    price = build(
        "price",
        {
            "active": not inline and as_bool(params, "active", True),
            "billing_scheme": "per_unit",
            "created": created,
            "currency": _currency(params, f"{prefix}currency"),
            "custom_unit_amount": None,
            "id": store.new_id("price"),
            "livemode": False,
            "lookup_key": None if inline else (params.get("lookup_key") or None),
            "metadata": merge_metadata({}, params.get("metadata")),
            "nickname": params.get("nickname") or None,
            "object": "price",
            "product": params["product"],
            "recurring": recurring or None,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": amount,
            "unit_amount_decimal": str(amount),
        },
    )
    return store.put("price", price)


@route("POST", "/v1/prices")
def create_price(store: Store, request: Request) -> dict[str, Any]:
    """A price: price.created. A lookup key already in use needs transfer_lookup_key=true.

    https://docs.stripe.com/api/prices/create#create_price-transfer_lookup_key
    """
    params = request.params
    check_known(params, PRICE_CREATE)
    lookup_key = params.get("lookup_key") or None
    holder = next((p for p in store.live("price") if p["lookup_key"] == lookup_key), None)
    if lookup_key and holder is not None and not as_bool(params, "transfer_lookup_key"):
        raise state_error(
            f"A price (`{holder['id']}`) already uses that lookup key.", param="lookup_key"
        )
    price = new_price(store, params, "", store.now(), inline=False)
    if holder is not None and lookup_key:
        holder["lookup_key"] = None
    store.emit("price.created", price)
    return store.public(price)


@route("GET", "/v1/prices/{price_id}")
def retrieve_price(store: Store, request: Request, price_id: str) -> dict[str, Any]:
    """The price, or 404."""
    return store.public(store.get("price", price_id))


@route("GET", "/v1/prices")
def list_prices(store: Store, request: Request) -> dict[str, Any]:
    """Prices, newest first, filtered by lookup_keys[], active, product, type, currency."""
    params = request.params
    items = where(store.live("price"), params, "product", "type", "currency")
    keys = as_list(params, "lookup_keys")
    if keys:
        items = [price for price in items if price["lookup_key"] in keys]
    if params.get("active") not in (None, ""):
        wanted = as_bool(params, "active")
        items = [price for price in items if price["active"] == wanted]
    return page(store, items, params, "/v1/prices")
