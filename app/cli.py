"""Command-line tools: `flask content ...` and `flask prompts ...`."""

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .extensions import db
from .models import Article
from .services import importer, prompts

SAMPLE_POSTS = Path(__file__).resolve().parent / "sample_content" / "posts.json"

content_cli = AppGroup("content", help="Articles: import from WordPress, load the sample stories.")
prompts_cli = AppGroup("prompts", help="The support prompt.")


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


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(prompts_cli)
