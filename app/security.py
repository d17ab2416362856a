"""Security headers on every response."""

from flask import Flask


def content_security_policy(config) -> str:
    """Our own origin only; media hosts when configured."""
    media = " ".join(f"https://{host}" for host in config.get("MEDIA_HOSTS", ()))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": f"'self' data: {media}".strip(),
        "font-src": "'self'",
        "connect-src": "'self'",
        "frame-src": "'none'",
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

    @app.after_request
    def set_security_headers(response):
        for name, value in headers_for_all.items():
            response.headers.setdefault(name, value)
        return response
