"""The link in the cancellation email that resumes a membership in one click, while its paid
period runs. The link is signed, names the account and the subscription, and does nothing once
the membership is no longer ending on that subscription; it never signs anyone in."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import MembershipStatus, User
from ..urls import external_url


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="billing.resume")


def resume_url(user: User, subscription_id: str) -> str:
    token = _serializer().dumps({"k": user.key, "s": subscription_id})
    return external_url("billing.resume_from_email", lang=user.language, token=token)


def read_resume_token(token: str) -> User | None:
    """The account a resume link names, while its membership is still ending on the subscription
    the link was sent for; None otherwise (tampered with, resumed already, ended, another plan)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    user = db.session.scalar(select(User).where(User.key == data["k"]))
    if user is None or not user.is_active or user.membership is None:
        return None
    membership = user.membership
    if membership.status != MembershipStatus.ENDING or membership.subscription_id != data.get("s"):
        return None
    return user
