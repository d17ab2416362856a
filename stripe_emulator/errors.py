"""Stripe's errors: the exception a handler raises and the JSON body Stripe answers with.

https://docs.stripe.com/api/errors: `{"error": {"type", "code", "decline_code", "message",
"param", "doc_url", "request_log_url", "payment_intent" | "setup_intent"}}`.
"""

from typing import Any

DOCS = "https://docs.stripe.com/error-codes"


class StripeError(Exception):
    """An error answered with `status` and Stripe's error body.

    `saved`: whether an idempotent replay answers it again. Stripe saves the result once an
    endpoint began executing, not when parameters failed validation
    (https://docs.stripe.com/api/idempotent_requests).
    """

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        saved: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.saved = saved
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        """The `{"error": ...}` body, keys in Stripe's order, absent ones left out."""
        error: dict[str, Any] = {}
        if self.code is not None:
            error["code"] = self.code
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        error["doc_url"] = (
            f"{DOCS}#{self.code}" if self.code else "https://docs.stripe.com/api/errors"
        )
        error["message"] = self.message
        if self.param is not None:
            error["param"] = self.param
        error.update(self.extra)
        error["request_log_url"] = (
            f"https://dashboard.stripe.com/test/logs/{request_id}?t=0" if request_id else None
        )
        error["type"] = self.type
        return {"error": error}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 invalid_request_error (validation: not saved for idempotent replays)."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param)


def state_error(message: str, code: str | None = None, param: str | None = None) -> StripeError:
    """A 400 raised once the endpoint ran (saved for idempotent replays)."""
    return StripeError(400, "invalid_request_error", message, code=code, param=param, saved=True)


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    """Stripe's 404 for an unknown id: "No such customer: 'cus_x'"."""
    return StripeError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def unknown_parameter(param: str) -> StripeError:
    """Stripe's answer to a parameter the endpoint does not take."""
    return invalid(f"Received unknown parameter: {param}", param=param, code="parameter_unknown")


def card_error(
    code: str, message: str, decline_code: str | None = None, param: str | None = None, **extra: Any
) -> StripeError:
    """A 402 card_error (saved: the endpoint ran and the card was tried)."""
    return StripeError(
        402,
        "card_error",
        message,
        code=code,
        decline_code=decline_code,
        param=param,
        extra=extra,
        saved=True,
    )
