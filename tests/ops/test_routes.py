"""The health check."""

import pytest

from app import create_app
from config import TestingConfig


def test_healthz_reports_a_reachable_database(client):
    """With the database up, /healthz answers 200 and says so."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.own_app
def test_healthz_reports_a_database_that_is_down(tmp_path):
    """With the database unreachable, /healthz answers 503 and names the database."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.mark.own_app
def test_a_page_with_the_database_down_is_a_friendly_500(tmp_path):
    """A reader page with no database answers the friendly error page, in the reader's language."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    app = create_app(config)
    app.testing = False  # let the error handler answer instead of raising
    response = app.test_client().get("/ar/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "حدث خطأ" in html
