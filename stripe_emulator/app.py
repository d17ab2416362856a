"""The WSGI application: Stripe's HTTP surface (auth, errors, idempotency, expand, CORS).

Every /v1 request runs under the store's lock, after the real-time work that fell due (Stripe
does it in the background; here it is checked lazily at each request).
"""

import contextlib
import json
import logging
import socket
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request as HTTPRequest
from werkzeug.wrappers import Response

from . import resources, threeds
from .errors import StripeError
from .forms import as_list, decode
from .render import expand
from .routing import Request, match
from .store import API_VERSION

if TYPE_CHECKING:
    from .emulator import Emulator

log = logging.getLogger("stripe_emulator")
resources.load()

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Version, Idempotency-Key",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Max-Age": "300",
}
# Stripe keeps idempotent results for at least 24 hours
# (https://docs.stripe.com/api/idempotent_requests).
IDEMPOTENCY_WINDOW = 24 * 3600


def _json(status: int, body: Any, headers: dict[str, str]) -> Response:
    return Response(
        json.dumps(body, indent=2),
        status=status,
        headers={**headers, **CORS},
        content_type="application/json",
    )


class Api:
    """The emulator's WSGI callable."""

    def __init__(self, emulator: "Emulator") -> None:
        self.emulator = emulator
        self.store = emulator.store

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = HTTPRequest(environ)
        response = self.dispatch(request, environ)
        return response(environ, start_response)

    def dispatch(self, http: HTTPRequest, environ: dict[str, Any]) -> Response:
        """The answer to one HTTP request."""
        path = http.path
        if path == "/healthz":
            return Response("ok", content_type="text/plain")
        if path.startswith("/_emulator/"):
            with self.store.lock:
                response = threeds.page(self.store, http)
                if http.method == "POST":
                    self.emulator.saved()
            log.info("%s %s -> %s", http.method, path, response.status_code)
            return response
        if not path.startswith("/v1/"):
            return Response("Not found", status=404, content_type="text/plain")
        if http.method == "OPTIONS":
            # stripe.js calls the API from the page's origin: answer the CORS preflight.
            return Response(status=204, headers=CORS)
        return self.api(http, environ)

    def api(self, http: HTTPRequest, environ: dict[str, Any]) -> Response:
        """An answer of Stripe's API."""
        with self.store.lock:
            request_id = self.store.new_id("req")
        headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
        fault = self.emulator.faults.take()
        if fault in ("connection", "timeout"):
            _drop(environ)
            return Response(status=503)
        if fault == "500":
            error = StripeError(500, "api_error", "An unknown error occurred in the emulator.")
            return self._log(http, _json(500, error.body(request_id), headers))
        params = decode(http.query_string.decode())
        if http.method == "POST":
            params.update(decode(http.get_data(as_text=True)))
        key = _api_key(http, params)
        self.emulator.requests.append((http.method, http.path, params))
        try:
            found, publishable = self._authorize(http, key)
        except StripeError as error:
            return self._log(http, _json(error.status, error.body(request_id), headers))
        request = Request(
            http.method,
            http.path,
            params,
            key,
            publishable,
            request_id,
            http.headers.get("Idempotency-Key"),
            dict(http.headers),
        )
        with self.store.lock:
            self.store.run_due(None, int(time.time()))
            status, body, replayed = self._run(request, found)
            if found[0].mutating:
                self.emulator.saved()
        if request.idempotency_key:
            headers["Idempotency-Key"] = request.idempotency_key
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return self._log(http, _json(status, body, headers))

    def _authorize(self, http: HTTPRequest, key: str | None) -> tuple[Any, bool]:
        """The route for the request and whether a publishable key made it; 401/404 otherwise."""
        if not key:
            raise StripeError(
                401,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if key.startswith(("sk_live_", "pk_live_", "rk_live_")):
            raise StripeError(
                401,
                "invalid_request_error",
                "The Stripe emulator runs in test mode only: live API keys are refused.",
            )
        if not key.startswith(("sk_test_", "pk_test_")):
            raise StripeError(401, "invalid_request_error", f"Invalid API Key provided: {key}")
        found = match(http.method, http.path)
        if found is None:
            raise StripeError(
                404,
                "invalid_request_error",
                f"Unrecognized request URL ({http.method}: {http.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        publishable = key.startswith("pk_test_")
        if publishable and not found[0].public:
            raise StripeError(
                401,
                "invalid_request_error",
                "This API call cannot be made with a publishable API key. Please use a secret "
                "API key. You can find a list of your API keys at "
                "https://dashboard.stripe.com/account/apikeys.",
            )
        return found, publishable

    def _run(self, request: Request, found: Any) -> tuple[int, Any, bool]:
        """Run the handler (or replay its saved answer): (status, body, replayed)."""
        route, segments = found
        saved_key = None
        if request.method == "POST" and request.idempotency_key:
            saved_key = f"{request.api_key}\x00{request.idempotency_key}"
            replay = self._replay(saved_key, request)
            if replay is not None:
                return replay[0], replay[1], True
        snapshot = (
            self.store.snapshot() if route.mutating and request.params.get("expand") else None
        )
        self.store.context = (request.request_id, request.idempotency_key)
        try:
            answer = route.handler(self.store, request, **segments)
            status, body = answer if isinstance(answer, tuple) else (200, answer)
            body = expand(self.store, body, [str(p) for p in as_list(request.params, "expand")])
            saved = True
        except StripeError as error:
            if snapshot is not None and error.status == 400 and "expanded" in error.message:
                self.store.restore(snapshot)
            status, body, saved = error.status, error.body(request.request_id), error.saved
        finally:
            self.store.context = (None, None)
        if saved_key and saved:
            self.store.state["idempotency"][saved_key] = {
                "method": request.method,
                "path": request.path,
                "params": request.params,
                "status": status,
                "body": body,
                "at": time.time(),
            }
        return status, body, False

    def _replay(self, saved_key: str, request: Request) -> tuple[int, Any] | None:
        """The saved answer for a repeated idempotency key, None for a new key; 400 when the
        key was used with another path or other parameters."""
        table = self.store.state["idempotency"]
        horizon = time.time() - IDEMPOTENCY_WINDOW
        for stale in [key for key, entry in table.items() if entry["at"] < horizon]:
            del table[stale]
        entry = table.get(saved_key)
        if entry is None:
            return None
        if entry["path"] != request.path or entry["params"] != request.params:
            error = StripeError(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they "
                "were first used with. Try using a key other than "
                f"'{request.idempotency_key}' if you meant to execute a different request.",
            )
            return error.status, error.body(request.request_id)
        return entry["status"], entry["body"]

    def _log(self, http: HTTPRequest, response: Response) -> Response:
        log.info(
            "%s %s -> %s %s",
            http.method,
            http.path,
            response.status_code,
            response.headers.get("Request-Id", ""),
        )
        return response


def _api_key(http: HTTPRequest, params: dict[str, Any]) -> str | None:
    """The key from `Authorization: Bearer`, basic auth, or stripe.js's `key` parameter."""
    key = params.pop("key", None)
    header = http.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    if http.authorization is not None and http.authorization.username:
        return http.authorization.username
    return key if isinstance(key, str) else None


def _drop(environ: dict[str, Any]) -> None:
    """Close the connection without an answer, as an unreachable Stripe would."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
