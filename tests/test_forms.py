"""WTForms' own messages come from our catalogs, so Arabic forms show Arabic errors."""

import pytest

from tests.conftest import csrf_token, page_text


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        ("ar", "يجب ألّا يزيد طول الحقل على 254 حرفًا.", "Field cannot be longer"),
        ("en", "Field cannot be longer than 254 characters.", "يجب ألّا يزيد"),
    ],
)
def test_a_built_in_validator_speaks_the_pages_language(client, lang, expected, absent):
    token = csrf_token(client, f"/{lang}/register")
    response = client.post(
        f"/{lang}/register",
        data={"email": "a" * 250 + "@example.org", "password": "", "csrf_token": token},
    )
    text = page_text(response)
    assert expected in text and absent not in text


def test_every_wtforms_message_we_mark_is_in_the_arabic_catalog(app):
    """The messages app/forms.py marks are translated (a WTForms upgrade that rewords one shows
    English again; this fails first)."""
    import ast
    from pathlib import Path

    from flask_babel import force_locale, get_translations

    source = ast.parse((Path(app.root_path) / "forms.py").read_text())
    marked = [
        node.args[0].value
        for node in ast.walk(source)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "ngettext")
    ]
    assert len(marked) >= 10
    with app.test_request_context(), force_locale("ar"):
        untranslated = [m for m in marked if get_translations().ugettext(m) == m]
    assert untranslated == []
