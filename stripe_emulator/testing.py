"""What stripe.js does in the browser, for server-side tests: card creation, confirmation and
the 3-D Secure page, through the emulator's HTTP endpoints with the publishable key and the
client secret, as the browser stand-in script does."""

import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.test import Client

from .emulator import Emulator

PUBLISHABLE_KEY = "pk_test_emulator"
RETURN_URL = "http://127.0.0.1/return"


class StripeJsError(Exception):
    """stripe.js rejected the card: `error` is Stripe's error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "card error"))
        self.error = error


def _post(emu: Emulator, path: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = Client(emu.wsgi).post(path, data=data)
    return response.status_code, response.get_json()


def _card_fields(number: str, exp_month: int, exp_year: int | None, cvc: str, prefix: str) -> dict:
    year = exp_year if exp_year is not None else datetime.date.today().year + 2
    return {
        f"{prefix}[number]": number,
        f"{prefix}[exp_month]": str(exp_month),
        f"{prefix}[exp_year]": str(year),
        f"{prefix}[cvc]": cvc,
    }


def create_card(
    emu: Emulator,
    number: str,
    exp_month: int = 12,
    exp_year: int | None = None,
    cvc: str = "123",
    publishable_key: str = PUBLISHABLE_KEY,
) -> str:
    """A card PaymentMethod made as stripe.js makes it; its id. StripeJsError if refused."""
    data = {
        "type": "card",
        "key": publishable_key,
        **_card_fields(number, exp_month, exp_year, cvc, "card"),
    }
    status, body = _post(emu, "/v1/payment_methods", data)
    if status != 200:
        raise StripeJsError(body["error"])
    return body["id"]


def _confirm(
    emu: Emulator,
    kind: str,
    client_secret: str,
    card_number: str | None,
    payment_method: str | None,
    return_url: str,
    publishable_key: str,
) -> dict[str, Any]:
    intent_id = client_secret.split("_secret_")[0]
    data: dict[str, Any] = {
        "client_secret": client_secret,
        "return_url": return_url,
        "key": publishable_key,
    }
    if card_number is not None:
        data["payment_method_data[type]"] = "card"
        data.update(_card_fields(card_number, 12, None, "123", "payment_method_data[card]"))
    elif payment_method is not None:
        data["payment_method"] = payment_method
    status, body = _post(emu, f"/v1/{kind}s/{intent_id}/confirm", data)
    if status != 200:
        error = body["error"]
        intent = error.get(kind)
        return {
            "status": intent["status"] if intent else None,
            "error": error,
            "redirect_url": None,
        }
    redirect = None
    if body["status"] == "requires_action":
        redirect = body["next_action"]["redirect_to_url"]["url"]
    elif body["status"] in ("succeeded", "processing"):
        query = urlencode(
            {
                kind: body["id"],
                f"{kind}_client_secret": client_secret,
                "redirect_status": "succeeded",
            }
        )
        redirect = f"{return_url}{'&' if '?' in return_url else '?'}{query}"
    return {"status": body["status"], "error": None, "redirect_url": redirect}


def confirm_payment(
    emu: Emulator,
    client_secret: str,
    card_number: str | None = None,
    payment_method: str | None = None,
    return_url: str = RETURN_URL,
    publishable_key: str = PUBLISHABLE_KEY,
) -> dict[str, Any]:
    """stripe.confirmPayment: {"status", "error", "redirect_url"} (the 3-D Secure page, or
    return_url with payment_intent, payment_intent_client_secret, redirect_status)."""
    return _confirm(
        emu,
        "payment_intent",
        client_secret,
        card_number,
        payment_method,
        return_url,
        publishable_key,
    )


def confirm_setup(
    emu: Emulator,
    client_secret: str,
    card_number: str | None = None,
    payment_method: str | None = None,
    return_url: str = RETURN_URL,
    publishable_key: str = PUBLISHABLE_KEY,
) -> dict[str, Any]:
    """stripe.confirmSetup: as confirm_payment, for a SetupIntent (setup_intent...)."""
    return _confirm(
        emu, "setup_intent", client_secret, card_number, payment_method, return_url, publishable_key
    )


def authenticate(emu: Emulator, redirect_url: str, approve: bool) -> str:
    """Complete (approve) or fail the 3-D Secure page at `redirect_url`; the return_url redirect
    it answers with (redirect_status succeeded|failed), "" when the intent had no return_url."""
    parts = urlsplit(redirect_url)
    secret = dict(parse_qsl(parts.query)).get("client_secret", "")
    response = Client(emu.wsgi).post(
        parts.path, data={"client_secret": secret, "result": "complete" if approve else "fail"}
    )
    if response.status_code == 303:
        return response.headers["Location"]
    if response.status_code != 200:
        raise StripeJsError({"message": response.get_data(as_text=True)})
    return ""
