"""The `flask content` commands."""

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import Article


def test_import_command_reports_progress_and_a_summary(runner, tmp_path, make_post):
    """`flask content import FILE` imports and prints one summary line."""
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([make_post(1), make_post(2)]))
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 posts: 2 created, 0 updated, 0 unchanged." in result.output
    again = runner.invoke(args=["content", "import", str(path)])
    assert "2 posts: 0 created, 0 updated, 2 unchanged." in again.output


def test_import_command_names_the_bad_record(runner, tmp_path, make_post):
    """A bad record fails the command with a message naming it; nothing is imported."""
    path = tmp_path / "posts.json"
    path.write_text(json.dumps([make_post(1), make_post(2, slug="")]))
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code != 0
    assert "record 2 (id 2" in result.output
    assert "Nothing was imported" in result.output
    assert db.session.scalar(select(func.count(Article.id))) == 0


def test_import_command_refuses_a_file_that_is_not_json(runner, tmp_path):
    """A file that is not JSON gives a clear error."""
    path = tmp_path / "posts.json"
    path.write_text("<html>not json</html>")
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code != 0
    assert "not a readable JSON file" in result.output


def test_load_sample_only_when_empty(runner):
    """`load-sample --if-empty` loads the sample stories once and then leaves them alone."""
    first = runner.invoke(args=["content", "load-sample", "--if-empty"])
    assert "24 posts: 24 created" in first.output
    second = runner.invoke(args=["content", "load-sample", "--if-empty"])
    assert "not loaded" in second.output
