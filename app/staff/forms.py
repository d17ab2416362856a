from datetime import UTC, datetime

from babel.numbers import get_currency_name
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .. import currency as money_units
from ..forms import Form
from ..i18n import format_locale
from ..labels import OFFLINE_METHOD_LABELS, ROLE_LABELS
from ..models import OfflineMethod, Role
from ..services.offline_payments import last_day


class GrantForm(Form):
    until = DateField(_l("Complimentary until"), validators=[DataRequired(_l("Choose a date."))])
    submit = SubmitField(_l("Grant a complimentary membership"))


class StaffAccountForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = RadioField(_l("Role"), choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in (Role.STAFF, Role.ADMIN)],
                      default="staff", validators=[DataRequired()])  # fmt: skip
    submit = SubmitField(_l("Save"))


class SupporterFilterForm(Form):
    """GET filters: no CSRF (they change nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Email or Stripe id"), validators=[Optional(), Length(max=254)])
    status = StringField(validators=[Optional()])
    interval = StringField(validators=[Optional()])
    min_amount = StringField(_l("Amount from"), validators=[Optional()])
    max_amount = StringField(_l("Amount to"), validators=[Optional()])
    language = StringField(validators=[Optional()])  # not `lang`: that names the page's language
    since = DateField(_l("Joined since"), validators=[Optional()])
    subscriptions = StringField(validators=[Optional()])
    source = StringField(validators=[Optional()])
    sort = StringField(validators=[Optional()])


MOST_MONTHS = 36  # three years paid at once is the most a single entry covers


def _whole_number(text: str) -> int | None:
    """A positive whole number as typed, Arabic-Indic digits too ('٣' is 3); None otherwise."""
    digits = str(text or "").strip().translate(money_units.ARABIC_DIGITS)
    return int(digits) if digits.isascii() and digits.isdigit() else None


class OfflinePaymentForm(Form):
    """A payment received outside Stripe. The period is its first day and either its last day or
    a number of months; `amount_minor` and `covers_until_day` hold what validation read."""

    email = EmailField(_l("Reader's email"), validators=[DataRequired(), Email(), Length(max=254)])
    amount = StringField(_l("Amount received"), validators=[DataRequired()])
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    method = RadioField(_l("How it was paid"), validators=[DataRequired()],
                        choices=[SelectChoice(m.value, label) for m, label in OFFLINE_METHOD_LABELS.items()])  # fmt: skip
    reference = StringField(_l("Reference"), validators=[Length(max=255)])  # see validate_reference
    received_on = DateField(_l("Received on"), validators=[DataRequired(_l("Choose a date."))])
    covers_from = DateField(_l("Membership from"), validators=[DataRequired(_l("Choose a date."))])
    covers_until = DateField(
        _l("Membership until (the last day included)"), validators=[Optional()]
    )
    months = StringField(_l("Or a number of months"))  # see validate_months
    note = TextAreaField(_l("Note for staff"), validators=[Optional(), Length(max=2000)])
    language = RadioField(_l("Language of a new account"), default="ar",
                          choices=[SelectChoice("ar", "العربية"), SelectChoice("en", "English")])  # fmt: skip
    submit = SubmitField(_l("Record the payment"))

    amount_minor: int | None = None
    covers_until_day = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        support = current_app.config["SUPPORT_CURRENCY"].upper()
        locale = format_locale()
        self.currency.choices = [
            SelectChoice(code, f"{code} · {get_currency_name(code, locale=locale)}")
            for code in money_units.offline_currencies(support)
        ]
        if not self.currency.data:
            self.currency.data = support

    def validate_amount(self, field):
        currency = self.currency.data or ""
        self.amount_minor = (
            money_units.to_minor_units(field.data, currency)
            if money_units.is_offline_currency(currency) else None
        )  # fmt: skip
        if self.amount_minor is None:
            example = (
                money_units.plain(25 * money_units.unit(currency), currency) if currency else "25"
            )
            raise ValidationError(
                _("Enter the amount as a number in %(currency)s, such as %(example)s.",
                  currency=currency, example=example)
            )  # fmt: skip

    def validate_reference(self, field):
        transfers = (OfflineMethod.BANK_TRANSFER.value, OfflineMethod.MONEY_TRANSFER.value)
        if self.method.data in transfers and not (field.data or "").strip():
            raise ValidationError(
                _("A transfer has a reference: enter it as the receipt shows it.")
            )

    def validate_received_on(self, field):
        if field.data and field.data > datetime.now(UTC).date():
            raise ValidationError(_("A payment cannot have been received after today."))

    def validate_months(self, field):
        given_until, given_months = self.covers_until.data is not None, bool(field.data)
        if given_until and given_months:
            raise ValidationError(_("Give the last day or a number of months, not both."))
        if not (given_until or given_months):
            raise ValidationError(_("Give the last day or a number of months."))
        if given_months:
            months = _whole_number(field.data)
            if months is None or not 1 <= months <= MOST_MONTHS:
                raise ValidationError(
                    _("Enter a whole number of months from 1 to %(most)s.", most=MOST_MONTHS)
                )
            if self.covers_from.data:
                self.covers_until_day = last_day(self.covers_from.data, months)
        else:
            self.covers_until_day = self.covers_until.data

    def validate_covers_until(self, field):
        if field.data and self.covers_from.data and field.data < self.covers_from.data:
            raise ValidationError(_("The last day comes before the first."))


class VoidOfflinePaymentForm(Form):
    reason = StringField(_l("Why it is voided"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Void this entry"))
