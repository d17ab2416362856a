"""The application factory."""

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_from_env, database_options

from . import auth, errors, i18n, pagecache, pagevariants, security, sessions, templating, urls
from .extensions import babel, cache, csrf, db, limiter, migrate
from .jobs import queue as jobs
from .jobs import schedule  # noqa: F401 - declares the scheduled jobs

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | str | None = None) -> Flask:
    """Build the app from a Config instance, a config name, or APP_ENV."""
    if not isinstance(config, Config):
        config = config_from_env(config)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        database_options(
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["DATABASE_CONNECT_TIMEOUT"],
            app.config["DATABASE_STATEMENT_TIMEOUT"],
        ),
    )
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the trusted proxies saw them; the Host header is never
        # trusted for links (those come from SITE_URL).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    cache.init_app(app)
    limiter.init_app(app)
    sessions.init_app(app)
    auth.init_app(app)
    jobs.init_app(app)

    from .accounts import bp as accounts_bp
    from .billing import bp as billing_bp
    from .ops import bp as ops_bp
    from .readers import bp as readers_bp
    from .staff import bp as staff_bp
    from .webhooks import bp as webhooks_bp

    app.register_blueprint(ops_bp)
    app.register_blueprint(readers_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(billing_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(webhooks_bp)

    i18n.init_app(app)
    templating.init_app(app)
    urls.init_app(app)
    pagecache.init_app(app)
    pagevariants.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from . import cli

    cli.init_app(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: enforce foreign keys, let SQLAlchemy drive transactions (savepoints work), and let
    readers go on while one writer writes (WAL), a writer waiting for another instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """Every SQLite transaction takes the write lock when it starts: a transaction that reads and
    then writes (a return page and a webhook at the same moment, say) then waits its turn, where
    SQLite would refuse the second one's upgrade at once ("database is locked"). A transaction
    that only reads (the user loader's) begins deferred, beside the writer."""
    if conn.dialect.name == "sqlite":
        read_only = conn.get_execution_options().get(auth.READ_ONLY)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
