"""The environment of the servers tests start (browser tests, the nginx deployment test)."""

# Settings that would take such a server away from its own database, the outbox, the emulator or
# the address it is reached at.
FOREIGN_SETTINGS = (
    "REDIS_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "STRIPE_JS_URL",
    "MAIL_SERVER",
    "TEST_DATABASE_URL",
    "MEDIA_HOSTS",
    "TRUSTED_HOSTS",
    "TRUSTED_PROXIES",
)
