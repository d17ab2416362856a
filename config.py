"""Settings by environment: Development, Testing and Production.

Nothing is read from the environment at import time; each class reads it when instantiated,
so tests and the CLI can set variables before building the app.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """Raised when a configuration cannot run (for example production without its secrets)."""


# The Stripe emulator (`python -m stripe_emulator`, started by `make run`) stands in for Stripe offline.
# These test-mode credentials are what it accepts and signs with; production refuses all of them.
EMULATOR_SECRET_KEY = "sk_test_emulator"  # noqa: S105 - a test-mode key of the offline emulator
EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator"
EMULATOR_WEBHOOK_SECRET = "whsec_emulator"  # noqa: S105 - the offline emulator's signing secret
EMULATOR_PORT = "12111"
STRIPE_API = "https://api.stripe.com"
STRIPE_JS = "https://js.stripe.com/v3/"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


# Settings that the environment may override, besides those read in `Config.__init__`.
TUNABLE = (
    "RATELIMIT_SIGN_IN_IP",
    "RATELIMIT_SIGN_IN_ACCOUNT",
    "RATELIMIT_REGISTER_IP",
    "RATELIMIT_RESET_IP",
    "RATELIMIT_RESET_ACCOUNT",
    "RATELIMIT_SIGN_IN_CODE_IP",
    "RATELIMIT_SIGN_IN_CODE_EMAIL",
    "RATELIMIT_TWO_FACTOR_IP",
    "RATELIMIT_TWO_FACTOR_ACCOUNT",
    "RATELIMIT_SUPPORT_IP",
    "RATELIMIT_SUPPORT_ACCOUNT",
    "RATELIMIT_BEACON_IP",
    "DECLINES_BEFORE_PAUSE",
    "DECLINE_PAUSE_MINUTES",
    "PAGE_CACHE_SECONDS",
    "RAISE_ASK_AFTER_MONTHS",
    "RAISE_ASK_STEP",
)


def database_options(url: str | None, connect_timeout: int, statement_timeout: int) -> dict:
    """Engine options: a pre-ping on checkout, and on PostgreSQL a connect timeout and a statement
    timeout, so a hung database fails requests in seconds instead of holding every worker."""
    options: dict = {"pool_pre_ping": True}
    if url and url.startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": connect_timeout,
            "options": f"-c statement_timeout={statement_timeout * 1000}",
        }
        options["pool_timeout"] = connect_timeout
    return options


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    LANGUAGES = ("en", "ar")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    PAGE_CACHE_SECONDS = 60
    CACHE_DEFAULT_TIMEOUT = 300
    MEDIA_HOSTS: tuple[str, ...] = ()
    HSTS = False
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - Werkzeug's defaults: n=2**15, r=8, p=1
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Rate limits (Flask-Limiter syntax), per client IP and per account (email) where both apply.
    RATELIMIT_SIGN_IN_IP = "20 per minute; 100 per hour"
    RATELIMIT_SIGN_IN_ACCOUNT = "5 per minute; 20 per hour"
    RATELIMIT_REGISTER_IP = "10 per hour"
    RATELIMIT_RESET_IP = "10 per hour"
    RATELIMIT_RESET_ACCOUNT = "3 per hour"
    # Sign-in codes by email: asked for per client IP, and sent to one address (tries at a code
    # are limited as password sign-ins are, and five wrong ones spend it).
    RATELIMIT_SIGN_IN_CODE_IP = "20 per hour"
    RATELIMIT_SIGN_IN_CODE_EMAIL = "5 per hour; 20 per day"
    RATELIMIT_TWO_FACTOR_IP = "20 per minute; 100 per hour"
    RATELIMIT_TWO_FACTOR_ACCOUNT = "5 per minute; 20 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SUPPORT_IP = "10 per hour"
    RATELIMIT_SUPPORT_ACCOUNT = "5 per hour"
    # The prompt's counting beacon, per client: a reader sends one or two a page they read.
    RATELIMIT_BEACON_IP = "30 per minute; 300 per hour"
    # Card testing: this many declined attempts from one IP or reader pause new payments for a while.
    DECLINES_BEFORE_PAUSE = 3
    DECLINE_PAUSE_MINUTES = 60
    # "Cover the card fee": Stripe's standard card pricing, added on top when the reader chooses to.
    CARD_FEE_PERCENT = 2.9
    CARD_FEE_FIXED = 30
    # Stripe's events are a few kilobytes; anything this large is not one of them.
    WEBHOOK_MAX_BYTES = 512 * 1024
    # Members who have given the smallest amount this many months are asked, at most once in 90
    # days, to give this many whole units of their currency more a month (app/services/raises.py).
    RAISE_ASK_AFTER_MONTHS = 6
    RAISE_ASK_STEP = 1

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY", getattr(self, "DEFAULT_SECRET_KEY", None))
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", self.default_database_url())
        self.REDIS_URL = _env("REDIS_URL")
        self.STRIPE_SECRET_KEY = _env("STRIPE_SECRET_KEY")
        self.STRIPE_PUBLISHABLE_KEY = _env("STRIPE_PUBLISHABLE_KEY")
        self.STRIPE_WEBHOOK_SECRET = _env("STRIPE_WEBHOOK_SECRET")
        # Where the SDK sends its requests: unset means Stripe itself.
        self.STRIPE_API_BASE = _env("STRIPE_API_BASE")
        self.STRIPE_PRODUCT_ID = _env("STRIPE_PRODUCT_ID", "enab_membership")
        if self.uses_emulator_by_default() and not self.STRIPE_SECRET_KEY:
            self.STRIPE_SECRET_KEY = EMULATOR_SECRET_KEY
            self.STRIPE_PUBLISHABLE_KEY = self.STRIPE_PUBLISHABLE_KEY or EMULATOR_PUBLISHABLE_KEY
            self.STRIPE_WEBHOOK_SECRET = self.STRIPE_WEBHOOK_SECRET or EMULATOR_WEBHOOK_SECRET
            port = _env("STRIPE_EMULATOR_PORT", EMULATOR_PORT)
            self.STRIPE_API_BASE = self.STRIPE_API_BASE or f"http://127.0.0.1:{port}"
        # The browser half of Stripe: stripe.js itself, or (None) the emulator's stand-in from our origin.
        self.STRIPE_JS_URL = None if self.STRIPE_API_BASE else _env("STRIPE_JS_URL", STRIPE_JS)
        # Test mode puts every new customer on a test clock of its own, so staff can move time on.
        test_mode = (self.STRIPE_SECRET_KEY or "").startswith("sk_test_")
        self.STRIPE_TEST_CLOCKS = test_mode and _env("STRIPE_TEST_CLOCKS", "1") not in ("0", "no")
        self.MAIL_SERVER = _env("MAIL_SERVER")
        self.MAIL_PORT = int(_env("MAIL_PORT", "587") or 587)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = (_env("MAIL_USE_TLS", "1") or "1") not in ("0", "false", "no")
        self.MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Enab Baladi <support@localhost>")
        self.MEDIA_HOSTS = tuple(filter(None, (_env("MEDIA_HOSTS", "") or "").split(",")))
        # Development: the address `make run` serves (its PORT), so links printed by the CLI work.
        self.SITE_URL = _env("SITE_URL", f"http://127.0.0.1:{_env('PORT', '5000')}")
        self.SUPPORT_CURRENCY = (_env("SUPPORT_CURRENCY", "usd") or "usd").lower()
        # The most a reader may give a month, in whole units of SUPPORT_CURRENCY (annual plans and
        # one-time gifts: twelve times it; see app/currency.py).
        self.SUPPORT_MAX_MONTHLY = int(_env("SUPPORT_MAX_MONTHLY", "10000") or 10000)
        self.MEMBERSHIP_GRACE_DAYS = int(_env("MEMBERSHIP_GRACE_DAYS", "7") or 7)
        # Printed on receipts: the outlet's legal name and postal address (lines separated by
        # newlines or " | "); an unset address is left off rather than made up.
        self.OUTLET_NAME = _env("OUTLET_NAME")  # unset: "Enab Baladi" in the page's language
        self.OUTLET_ADDRESS = _env("OUTLET_ADDRESS", "")
        # Staff and admins give a one-time code after their password (always once enrolled).
        default_2fa = "1" if self.ENV_NAME == "production" else "0"
        self.STAFF_TWO_FACTOR = _env("STAFF_TWO_FACTOR", default_2fa) not in ("0", "false", "no")
        # Behind a load balancer or nginx: how many proxies in front of us set X-Forwarded-For and
        # X-Forwarded-Proto (werkzeug's ProxyFix trusts that many hops). 0: the client is the peer.
        self.TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0") or 0)
        # Host names requests may carry (Flask answers 400 to others); empty list: any.
        hosts = _env("TRUSTED_HOSTS", "") or ""
        self.TRUSTED_HOSTS = [host.strip() for host in hosts.split(",") if host.strip()] or None
        # Database: give up connecting, and cancel a statement, after this many seconds (PostgreSQL).
        self.DATABASE_CONNECT_TIMEOUT = int(_env("DATABASE_CONNECT_TIMEOUT", "5") or 5)
        self.DATABASE_STATEMENT_TIMEOUT = int(_env("DATABASE_STATEMENT_TIMEOUT", "15") or 15)
        # Limits an operator may need to tune without a release (Flask-Limiter syntax, counts).
        for name in TUNABLE:
            value = _env(name)
            if value is not None:
                setattr(self, name, int(value) if isinstance(getattr(self, name), int) else value)
        # The job queue (Huey): Redis when REDIS_URL is set, else a SQLite file beside the database.
        self.HUEY_SQLITE_PATH = _env("HUEY_SQLITE_PATH", str(BASE_DIR / "instance" / "huey.sqlite"))
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        if self.REDIS_URL:
            self.CACHE_TYPE = "RedisCache"
            self.CACHE_REDIS_URL = self.REDIS_URL
            self.CACHE_KEY_PREFIX = "enab:"
        else:
            self.CACHE_TYPE = "SimpleCache"

    def default_database_url(self) -> str | None:
        return f"sqlite:///{BASE_DIR / 'instance' / 'enab.sqlite'}"

    def uses_emulator_by_default(self) -> bool:
        """Without Stripe keys, development and tests pay through the offline Stripe emulator."""
        return False


class DevelopmentConfig(Config):
    """Local runs: SQLite file, sample content, Stripe's API served by the offline emulator."""

    ENV_NAME = "development"

    def uses_emulator_by_default(self) -> bool:
        return True

    DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - development default, refused in production
    # Trying the site means paying many times from one address, into the emulator: no card
    # testing to stop there (the environment can still set any limit).
    RATELIMIT_SUPPORT_IP = "100 per hour"
    RATELIMIT_SUPPORT_ACCOUNT = "50 per hour"


class TestingConfig(Config):
    """The test suite: its own database (TEST_DATABASE_URL or a SQLite file), no rate-limit state."""

    __test__ = False  # not a pytest test class
    ENV_NAME = "testing"
    TESTING = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - same algorithm, cheap for many sign-ins
    DEFAULT_SECRET_KEY = "testing-secret"  # noqa: S105
    PAGE_CACHE_SECONDS = 60

    def uses_emulator_by_default(self) -> bool:
        return True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = _env(
            "TEST_DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'test.sqlite'}"
        )
        self.REDIS_URL = None
        self.CACHE_TYPE = "SimpleCache"
        self.RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    """Production: every secret must come from the environment; HSTS and secure cookies."""

    ENV_NAME = "production"
    REQUIRED = (
        "SECRET_KEY",
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
        # Links in emails and Stripe's return addresses are built from it, never from the request.
        "SITE_URL",
        # Rate limits, the page cache, prompt counters and the job queue shared by every host.
        "REDIS_URL",
        # Mail must leave: without a server it would only reach the outbox.
        "MAIL_SERVER",
    )
    HSTS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        missing = [name for name in self.REQUIRED if not _env(name)]
        if missing:
            raise ConfigError(
                "Production cannot start; set these environment variables: " + ", ".join(missing)
            )
        super().__init__()
        emulated = (
            self.STRIPE_API_BASE not in (None, STRIPE_API)
            or self.STRIPE_SECRET_KEY == EMULATOR_SECRET_KEY
            or self.STRIPE_WEBHOOK_SECRET == EMULATOR_WEBHOOK_SECRET
        )
        if not self.TRUSTED_HOSTS:
            self.TRUSTED_HOSTS = [urlsplit(self.SITE_URL or "").hostname or ""]
        if emulated:
            raise ConfigError(
                "Production cannot start pointed at the Stripe emulator: unset STRIPE_API_BASE and "
                "use the keys of your Stripe account."
            )

    def default_database_url(self) -> str | None:
        return None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env(name: str | None = None) -> Config:
    """The configuration named by `name` or APP_ENV (default: development)."""
    key = name or _env("APP_ENV", "development") or "development"
    try:
        return CONFIGS[key]()
    except KeyError:
        raise ConfigError(f"Unknown APP_ENV {key!r}; choose one of {', '.join(CONFIGS)}") from None
