"""A stripe.HTTPClient that calls the emulator's WSGI app in process: no sockets, no threads."""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import stripe
from werkzeug.test import EnvironBuilder, run_wsgi_app

if TYPE_CHECKING:
    from .emulator import Emulator


class EmulatorHTTPClient(stripe.HTTPClient):
    """The SDK's transport, answered by `emulator.wsgi`."""

    name = "stripe_emulator"

    def __init__(self, emulator: "Emulator") -> None:
        super().__init__()
        self._emulator = emulator

    def request(
        self,
        method: str,
        url: str,
        headers: Any,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Any]:
        """Run one SDK request through the WSGI app: (body, status, headers)."""
        fault = self._emulator.faults.peek()
        if fault in ("connection", "timeout"):
            self._emulator.faults.take()
            message = (
                "Request timed out (emulated)."
                if fault == "timeout"
                else "Connection refused (emulated): could not reach Stripe."
            )
            raise stripe.APIConnectionError(
                f"Unexpected error communicating with Stripe. {message}", should_retry=True
            )
        parts = urlsplit(url)
        data = post_data.decode() if isinstance(post_data, bytes) else post_data
        builder = EnvironBuilder(
            path=parts.path,
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method=method.upper(),
            headers=dict(headers or {}),
            data=data or None,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, response_headers = run_wsgi_app(self._emulator.wsgi, environ)
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return body.decode(), int(status.split()[0]), response_headers

    def close(self) -> None:
        """Nothing to close."""
