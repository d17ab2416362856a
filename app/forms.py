"""The base of every form: WTForms' own messages ("This field is required.", a field too long)
come from our catalogs, like every other string, so an Arabic form never shows an English error.

WTForms ships catalogs of its own, but their Arabic differs from ours in voice and leaves some
messages out; `Form.Meta` hands WTForms our Flask-Babel translations instead.
"""

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm


class CatalogTranslations:
    """WTForms' translations interface over the page's catalog (no formatting: WTForms formats)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


CATALOG = CatalogTranslations()


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return CATALOG


def _wtforms_messages() -> None:  # pragma: no cover - never called: marks WTForms' messages
    """The messages of the validators and fields we use, for `make extract-messages`."""
    _("This field is required.")
    _("Invalid email address.")
    _("Field must be equal to %(other_name)s.")
    _("Not a valid choice.")
    _("Not a valid date value.")
    _("Not a valid decimal value.")
    _("Not a valid integer value.")
    _("Invalid input.")
    _("Field must be between %(min)d and %(max)d characters long.")
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)  # fmt: skip
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)  # fmt: skip
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1)  # fmt: skip
