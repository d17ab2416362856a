"""Command-line tools: `flask content ...` and `flask prompts ...`."""

import json
from datetime import UTC, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .extensions import db
from .jobs.cli import worker_command
from .models import Article, Role, SignupSource
from .payments import get_gateway
from .payments.gateway import GatewayError
from .services import (
    accounts,
    demo,
    importer,
    membership,
    prompts,
    reconcile,
    subscriber_import,
    summaries,
    two_factor,
)

SAMPLE_POSTS = Path(__file__).resolve().parent / "sample_content" / "posts.json"

demo_cli = AppGroup("demo", help="Demonstration data.")
stripe_cli = AppGroup(
    "stripe", help="Stripe: the product catalogue, reconciliation, importing subscribers."
)
members_cli = AppGroup("members", help="Memberships: complimentary grants and expiry.")
users_cli = AppGroup("users", help="Accounts: staff and admins.")
content_cli = AppGroup("content", help="Articles: import from WordPress, load the sample stories.")
prompts_cli = AppGroup("prompts", help="The support prompt.")
figures_cli = AppGroup("figures", help="The staff figures' summaries.")


def _import_file(path: Path, default_lang: str) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path}: not a readable JSON file ({error})") from None
    try:
        records = importer.parse_posts(data, current_app.config["LANGUAGES"], default_lang)
    except importer.ImportFailed as error:
        raise click.ClickException(f"{path}: {error}. Nothing was imported.") from None
    with click.progressbar(length=len(records), label=f"Importing {path.name}") as bar:
        summary = importer.import_posts(records, on_record=lambda _record: bar.update(1))
    click.echo(
        f"{summary.total} posts: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged."
    )


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--default-lang", default="en", show_default=True,
              help="Language of posts that carry no `lang` field.")  # fmt: skip
def import_command(path: Path, default_lang: str) -> None:
    """Import a WordPress REST API posts export (JSON), idempotent by slug and language."""
    _import_file(path, default_lang)


@content_cli.command("load-sample")
@click.option("--if-empty", is_flag=True, help="Do nothing when articles already exist.")
def load_sample_command(if_empty: bool) -> None:
    """Load the bundled sample stories (English and Arabic)."""
    if if_empty and db.session.scalar(select(func.count(Article.id))):
        click.echo("Articles exist; sample content not loaded.")
        return
    _import_file(SAMPLE_POSTS, "en")


@prompts_cli.command("flush-counts")
def flush_counts_command() -> None:
    """Move prompt impression and click counts from Redis into the database."""
    click.echo(f"{prompts.flush_prompt_counts()} counters moved.")


def _user_or_fail(email: str):
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    return user


@members_cli.command("grant")
@click.argument("email")
@click.option("--until", "until", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="Last day of the complimentary membership (YYYY-MM-DD).")  # fmt: skip
def grant_command(email: str, until) -> None:
    """Give EMAIL a complimentary membership until the end of a date (UTC)."""
    user = _user_or_fail(email)
    end = until.replace(tzinfo=UTC) + timedelta(days=1, seconds=-1)  # through the day's end
    result = membership.grant_comp(
        user, end, "complimentary membership granted from the command line"
    )
    db.session.commit()
    click.echo(f"{user.email}: {result.status.value} until {end:%Y-%m-%d %H:%M} UTC.")


@members_cli.command("expire")
def expire_command() -> None:
    """Move complimentary memberships past their end to lapsed."""
    count = membership.expire_comps()
    db.session.commit()
    click.echo(f"{count} complimentary memberships ended.")


@users_cli.command("create-staff")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make an admin (manages staff) instead of staff.")
@click.option("--lang", type=click.Choice(["en", "ar"]), default="en", show_default=True)
def create_staff_command(email: str, admin: bool, lang: str) -> None:
    """Make EMAIL a staff (or admin) account, creating it if needed, and mail a set-password link."""
    role = Role.ADMIN if admin else Role.STAFF
    user = accounts.find_user(email)
    created = user is None
    if created:
        user = accounts.create_user(email, None, lang, role=role, source=SignupSource.STAFF)
    user.role = role
    db.session.commit()
    if created:
        accounts.send_set_password_link(user)
    click.echo(
        f"{user.email} is now {role.value}" + (" (set-password link sent)." if created else ".")
    )
    if created and not current_app.config.get("MAIL_SERVER"):
        # No mail server (development): the link would only reach the outbox, which needs staff.
        link = accounts.password_link(user, "set")
        click.echo(f"Set the password here within {accounts.SET_LINK_DAYS} days: {link}")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Turn off EMAIL's two-factor sign-in (a lost phone and no admin to reset it); audited."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    two_factor.reset_from_shell(user)
    click.echo(
        f"Two-factor sign-in of {user.email} is off; they set it up again at their next sign-in."
    )


@stripe_cli.command("setup")
def stripe_setup_command() -> None:
    """Create or update the membership Product and its Prices by lookup_key (idempotent)."""
    try:
        results = get_gateway().setup_catalog(reconcile.default_prices())
    except GatewayError as error:
        raise click.ClickException(f"Stripe did not answer: {error}") from None
    for lookup_key, price_id, status in results:
        click.echo(f"{lookup_key}: {price_id} ({status})")


@stripe_cli.command("reconcile")
@click.option(
    "--days", default=30, show_default=True, help="How far back to look for missed events."
)
def stripe_reconcile_command(days: int) -> None:
    """Compare our subscriptions with the provider's and apply missed events, printing changes."""
    try:
        report = reconcile.reconcile(days)
    except GatewayError as error:
        raise click.ClickException(f"The payment provider did not answer: {error}") from None
    for line in report.changed:
        click.echo(f"changed   {line}")
    for line in report.events_applied:
        click.echo(f"applied   {line}")
    for line in report.events_failed:
        click.echo(f"failed    {line}")
    click.echo(
        f"{len(report.changed)} memberships changed, {len(report.events_applied)} missed events "
        f"applied, {len(report.events_failed)} failed."
    )


@stripe_cli.command("import-subscribers")
@click.option("--verbose", "-v", is_flag=True, help="Print a line for every subscriber.")
def stripe_import_subscribers_command(verbose: bool) -> None:
    """Import the outlet's existing Stripe subscriptions: accounts made or linked by email, and
    memberships set from the subscriptions (idempotent; readers are not emailed)."""
    try:
        report = subscriber_import.import_subscribers()
    except GatewayError as error:
        raise click.ClickException(
            f"Stripe did not answer: {error}. Nothing was imported."
        ) from None
    if verbose:
        for line in report.lines:
            click.echo(line)
    for line in report.skipped:
        click.echo(f"skipped   {line}")
    click.echo(
        f"{report.read} subscriptions read: {report.created} accounts created, "
        f"{report.linked} existing accounts linked, {report.memberships} memberships set, "
        f"{report.unchanged} unchanged, {report.passed_over} older subscriptions passed over, "
        f"{len(report.skipped)} skipped."
    )
    if not report.changed:
        click.echo(
            "Nothing changed: every subscriber Stripe lists is imported already (or skipped above)."
        )


@demo_cli.command("seed")
@click.option("--supporters", default=1000, show_default=True, help="How many supporters to add.")
def demo_seed_command(supporters: int) -> None:
    """Add a year of demo supporters, payments and webhook events (about ten events each)."""
    with click.progressbar(length=supporters, label="Seeding supporters") as bar:
        events = demo.seed(supporters, on_batch=bar.update)
    click.echo(f"{supporters} supporters and {events} webhook events added.")


@demo_cli.command("prompt-test")
def demo_prompt_test_command() -> None:
    """Start a demonstration prompt test on the English prompt, with two weeks of figures (once:
    nothing when that prompt has had a test)."""
    test = demo.sample_prompt_test()
    if test is None:
        click.echo("The English prompt has had a test already; no demonstration test added.")
        return
    click.echo(f"Prompt test {test.id} running, with two weeks of figures: "
               f"/en/staff/prompt-tests/{test.id}")  # fmt: skip


@figures_cli.command("refresh")
@click.option("--again", is_flag=True, help="Make them all again from the rows.")
def refresh_figures_command(again: bool) -> None:
    """Recompute the summaries behind the staff figures where their rows changed (the worker does
    it every five minutes). --again after rows were loaded or restored behind their back (with
    past update times, or ids used before)."""
    click.echo(summaries.refresh(again=again))
    db.session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(figures_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(stripe_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(prompts_cli)
    app.cli.add_command(members_cli)
    app.cli.add_command(users_cli)
