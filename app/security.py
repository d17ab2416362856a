"""Security headers on every response."""

from flask import Flask, g

STRIPE_JS = "https://js.stripe.com"


def content_security_policy(config, stripe: bool = False, frame_src: str | None = None) -> str:
    """Our own origin only (media hosts when configured); on payment pages, Stripe.js and its frames,
    or, offline, the emulator's API that the stand-in script (served from our origin) calls.
    `frame_src` allows frames from those sources (the staff email previews: 'self')."""
    media = " ".join(f"https://{host}" for host in config.get("MEDIA_HOSTS", ()))
    emulator = config.get("STRIPE_API_BASE") if config.get("STRIPE_JS_URL") is None else None
    stripe_js = f" {STRIPE_JS}" if stripe and not emulator else ""
    if not stripe:
        connect, frames, images = "'self'", "'none'", ""
    elif emulator:
        connect, frames, images = f"'self' {emulator}", "'none'", ""
    else:
        connect = "'self' https://api.stripe.com"
        frames, images = f"{STRIPE_JS} https://hooks.stripe.com", " https://*.stripe.com"
    directives = {
        "default-src": "'self'",
        "script-src": f"'self'{stripe_js}",
        "style-src": "'self'",
        "img-src": f"'self' data: {media}".strip() + images,
        "font-src": "'self'",
        "connect-src": connect,
        "frame-src": frame_src or frames,
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def init_app(app: Flask) -> None:
    headers_for_all = {
        "Content-Security-Policy": content_security_policy(app.config),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if app.config.get("HSTS"):
        headers_for_all["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    stripe_policy = content_security_policy(app.config, stripe=True)

    @app.after_request
    def set_security_headers(response):
        for name, value in headers_for_all.items():
            response.headers.setdefault(name, value)
        if g.get("stripe_js"):
            response.headers["Content-Security-Policy"] = stripe_policy
        return response
