"""Email preferences: which optional messages a reader gets, and the one-click unsubscribe links
(RFC 8058) in them. Only the receipt for each monthly payment is optional; payment problems and
renewal notices are always sent."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..urls import external_url

# The optional lists, each a boolean column on the account.
LISTS = ("receipts_monthly",)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="preferences.unsubscribe")


def unsubscribe_token(user: User, list_name: str = "receipts_monthly") -> str:
    if list_name not in LISTS:
        raise ValueError(f"unknown list: {list_name}")
    return _serializer().dumps({"k": user.key, "l": list_name})


def unsubscribe_url(user: User, list_name: str = "receipts_monthly") -> str:
    """An absolute link, in the account's language, that turns `list_name` off. It never expires
    (mail is read late) and needs no stored token: the signature is the proof."""
    return external_url(
        "accounts.unsubscribe", lang=user.language, token=unsubscribe_token(user, list_name)
    )


def unsubscribe_headers(user: User, list_name: str = "receipts_monthly") -> dict[str, str]:
    """The `List-Unsubscribe` and `List-Unsubscribe-Post` headers of an optional message (RFC 8058:
    mail clients POST `List-Unsubscribe=One-Click` to the link)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, list_name)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The account and list a link names, or None when it is tampered with or names no one."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("l") not in LISTS
        or not isinstance(data.get("k"), str)
    ):
        return None
    user = db.session.scalar(select(User).where(User.key == data["k"]))
    if user is None or not user.is_active:
        return None
    return user, data["l"]


def unsubscribe(user: User, list_name: str) -> None:
    """Turn one optional list off (doing it twice is harmless)."""
    if list_name not in LISTS:
        raise ValueError(f"unknown list: {list_name}")
    setattr(user, list_name, False)
    db.session.commit()


def set_receipt_preference(user: User, on: bool) -> None:
    """Whether `user` gets a receipt email for each monthly payment (annual and one-time payments
    always get one)."""
    user.receipts_monthly = bool(on)
    db.session.commit()


def wants_receipt(user: User, interval: str | None) -> bool:
    """Whether a payment on a plan of `interval` (None: a one-time donation) should be receipted."""
    return interval != "month" or user.receipts_monthly
