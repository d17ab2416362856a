"""Support forms. Amounts arrive in major units (dollars) and leave in minor units (cents)."""

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

FREQUENCY_CHOICES = [
    SelectChoice("monthly", _l("Monthly")),
    SelectChoice("annual", _l("Annually")),
    SelectChoice("once", _l("Once")),
]


ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫", "0123456789.")


def to_minor_units(text: str, currency: str) -> int | None:
    """'5', '5.50' or '٥' in major units as an integer of minor units; None when not a valid amount."""
    digits = get_currency_precision(currency.upper())
    try:
        value = Decimal(str(text).strip().translate(ARABIC_DIGITS).replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-digits)):
        return None
    return int(value.scaleb(digits))


class SupportForm(FlaskForm):
    frequency = RadioField(
        _l("How often"),
        choices=FREQUENCY_CHOICES,
        validators=[DataRequired(_l("Choose how often."))],
    )
    amount = RadioField(_l("Amount"), validators=[DataRequired(_l("Choose an amount."))])
    other_amount = StringField(_l("Another amount"), validators=[Optional(), Length(max=12)],
                               render_kw={"inputmode": "decimal", "autocomplete": "off", "dir": "ltr"})  # fmt: skip
    covers_fee = BooleanField(_l("Add the card fee so Enab Baladi receives the full amount"))
    email = EmailField(
        _l("Email"),
        validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    prompt = HiddenField()
    submit = SubmitField(_l("Continue to payment"))

    def __init__(self, *args, currency: str, presets: list[int], needs_email: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.needs_email = needs_email
        self.amount.choices = [SelectChoice(str(preset), str(preset)) for preset in presets]
        self.amount.choices.append(SelectChoice("other", _l("Another amount")))

    def validate_email(self, field):
        if self.needs_email and not field.data:
            raise ValidationError(_l("Enter your email address."))

    def validate_other_amount(self, field):
        if self.amount.data == "other" and to_minor_units(field.data or "", self.currency) is None:
            raise ValidationError(_l("Enter an amount, for example 3 or 7.50."))

    def minor_amount(self) -> int:
        if self.amount.data == "other":
            return to_minor_units(self.other_amount.data, self.currency) or 0
        return int(self.amount.data)


class ChangeSupportForm(FlaskForm):
    frequency = RadioField(
        _l("How often"), choices=FREQUENCY_CHOICES[:2], validators=[DataRequired()]
    )
    amount = StringField(_l("Monthly amount"), validators=[DataRequired(_l("Enter an amount."))],
                         render_kw={"inputmode": "decimal", "dir": "ltr"})  # fmt: skip
    submit = SubmitField(_l("Change my support"))
