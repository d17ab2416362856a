"""Configuration by environment."""

import pytest

from config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_from_env,
    database_options,
)

REQUIRED = list(ProductionConfig.REQUIRED)
PRODUCTION = {
    "SECRET_KEY": "x",
    "DATABASE_URL": "postgresql://db/x",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "SITE_URL": "https://www.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "MAIL_SERVER": "smtp.example.org",
}


def test_production_requires_redis_mail_and_its_own_address():
    """Several hosts share limits, cache and queue through Redis; mail must leave; links are built
    from SITE_URL. Production refuses to start without any of them."""
    assert {"REDIS_URL", "MAIL_SERVER", "SITE_URL"} <= set(REQUIRED)
    assert set(PRODUCTION) == set(REQUIRED)


def test_production_names_every_missing_setting(monkeypatch):
    """Production refuses to start and names every missing setting in one message."""
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as error:
        ProductionConfig()
    for name in REQUIRED:
        assert name in str(error.value)


def test_production_names_only_what_is_missing(monkeypatch):
    """A partly configured production names just the settings still missing."""
    for name in REQUIRED:
        monkeypatch.setenv(name, PRODUCTION[name])
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    with pytest.raises(ConfigError) as error:
        ProductionConfig()
    assert "STRIPE_WEBHOOK_SECRET" in str(error.value)
    assert "SECRET_KEY," not in str(error.value)


def test_production_starts_with_everything(monkeypatch):
    """With every setting present, production builds and turns on HSTS and secure cookies."""
    for name in REQUIRED:
        monkeypatch.setenv(name, PRODUCTION[name])
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    config = ProductionConfig()
    assert config.HSTS and config.SESSION_COOKIE_SECURE
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql://db/x"
    # Only the site's own host name is answered unless TRUSTED_HOSTS lists more.
    assert config.TRUSTED_HOSTS == ["www.example.org"]


def test_trusted_hosts_and_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "example.org, www.example.org")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    config = DevelopmentConfig()
    assert config.TRUSTED_HOSTS == ["example.org", "www.example.org"]
    assert config.TRUSTED_PROXIES == 2
    monkeypatch.delenv("TRUSTED_HOSTS")
    monkeypatch.delenv("TRUSTED_PROXIES")
    assert DevelopmentConfig().TRUSTED_HOSTS is None
    assert DevelopmentConfig().TRUSTED_PROXIES == 0


def test_limits_can_be_tuned_from_the_environment(monkeypatch):
    """Per-IP limits and the card-testing pause are settings an operator can change."""
    monkeypatch.setenv("RATELIMIT_SUPPORT_IP", "50 per hour")
    monkeypatch.setenv("DECLINES_BEFORE_PAUSE", "5")
    config = DevelopmentConfig()
    assert config.RATELIMIT_SUPPORT_IP == "50 per hour"
    assert config.DECLINES_BEFORE_PAUSE == 5


def test_trying_the_site_locally_allows_more_payments_than_production(monkeypatch):
    """`make run` pays into the emulator many times from 127.0.0.1; production keeps its limit."""
    for name in ("RATELIMIT_SUPPORT_IP", "RATELIMIT_SUPPORT_ACCOUNT"):
        monkeypatch.delenv(name, raising=False)
    config = DevelopmentConfig()
    assert (config.RATELIMIT_SUPPORT_IP, config.RATELIMIT_SUPPORT_ACCOUNT) == (
        "100 per hour",
        "50 per hour",
    )
    assert TestingConfig().RATELIMIT_SUPPORT_IP == "10 per hour"


def test_postgresql_connections_time_out():
    """On PostgreSQL a connection attempt and every statement have a deadline (seconds)."""
    options = database_options("postgresql+psycopg://db/x", 5, 15)
    assert options["connect_args"] == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=15000",
    }
    assert "connect_args" not in database_options("sqlite:///x.sqlite", 5, 15)


def test_development_defaults_to_sqlite_and_memory_cache(monkeypatch):
    """A new machine needs no database server or Redis: SQLite and an in-process cache."""
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.CACHE_TYPE == "SimpleCache"
    assert config.SECRET_KEY


def test_redis_url_switches_the_cache(monkeypatch):
    """REDIS_URL, when set, moves the page cache to Redis."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert DevelopmentConfig().CACHE_TYPE == "RedisCache"


def test_unknown_environment_is_refused(monkeypatch):
    """APP_ENV must name a known configuration."""
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        config_from_env()


@pytest.mark.parametrize(
    "setting, value",
    [
        ("STRIPE_API_BASE", "http://127.0.0.1:12111"),
        ("STRIPE_SECRET_KEY", "sk_test_emulator"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_emulator"),
    ],
)
def test_production_refuses_the_stripe_emulator(monkeypatch, setting, value):
    """Production never starts pointed at the offline Stripe emulator or with its keys."""
    for name in REQUIRED:
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv(setting, value)
    with pytest.raises(ConfigError, match="emulator"):
        ProductionConfig()


def test_development_without_keys_pays_through_the_emulator(monkeypatch):
    """A new machine pays through the emulator: test keys, its address, the stand-in stripe.js."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_API_BASE", "STRIPE_JS_URL"):
        monkeypatch.delenv(name, raising=False)
    config = DevelopmentConfig()
    assert config.STRIPE_SECRET_KEY.startswith("sk_test_")
    assert config.STRIPE_API_BASE == "http://127.0.0.1:12111"
    assert config.STRIPE_JS_URL is None and config.STRIPE_TEST_CLOCKS


def test_development_with_a_test_key_talks_to_stripe(monkeypatch):
    """A developer's own test key goes to Stripe itself, with stripe.js from Stripe."""
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_abc")
    config = DevelopmentConfig()
    assert config.STRIPE_API_BASE is None
    assert config.STRIPE_JS_URL.startswith("https://js.stripe.com/")


def test_site_url_follows_the_port_make_run_serves(monkeypatch):
    """Links the CLI prints (create-staff's set-password link) point where the site runs."""
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert DevelopmentConfig().SITE_URL == "http://127.0.0.1:8123"
    monkeypatch.setenv("SITE_URL", "https://www.example.org")
    assert DevelopmentConfig().SITE_URL == "https://www.example.org"


def test_every_setting_read_from_the_environment_is_in_the_readme(monkeypatch):
    """Each name any environment's settings read (recorded as they are read) has a row of the
    README's settings table, so a new setting cannot go undocumented."""
    import re
    from pathlib import Path

    import config

    read: set[str] = set()
    real = config._env

    def recording(name, default=None):
        read.add(name)
        return real(name, default)

    monkeypatch.setattr(config, "_env", recording)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    for kind in ("development", "testing", "production"):
        config_from_env(kind)
    assert set(config.TUNABLE) <= read and "RATELIMIT_TWO_FACTOR_IP" in read
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    documented = {
        name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])
    }
    assert sorted(read - documented) == []


def test_a_limit_is_tuned_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATELIMIT_TWO_FACTOR_IP", "7 per hour")
    monkeypatch.setenv("DECLINES_BEFORE_PAUSE", "5")
    settings = DevelopmentConfig()
    assert (settings.RATELIMIT_TWO_FACTOR_IP, settings.DECLINES_BEFORE_PAUSE) == ("7 per hour", 5)
