"""The gift membership form, and the one button that redeems a gift."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import DateField, EmailField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms import Form
from ..i18n import LANGUAGE_NAMES
from ..services.gift_checkout import MESSAGE_MAX, MONTHS, delivery_dates
from .forms import payer_email_field


class GiftForm(Form):
    months = RadioField(
        _l("How long"),
        choices=[
            SelectChoice(str(n), lazy_ngettext("%(num)d month", "%(num)d months", n))
            for n in MONTHS
        ],
        validators=[DataRequired(_l("Choose how many months."))],
    )
    amount = RadioField(_l("Monthly amount"), validators=[DataRequired(_l("Choose an amount."))])
    recipient_email = EmailField(
        _l("Their email"),
        validators=[DataRequired(_l("Enter their email address.")),
                    Email(_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"autocomplete": "off", "dir": "ltr"},
    )  # fmt: skip
    lang = RadioField(
        _l("Language of their email"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired(_l("Choose a language."))],
    )
    giver_name = StringField(
        _l("Your name, as they will read it"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=80)],
        render_kw={"autocomplete": "name", "dir": "auto"},
    )
    message = TextAreaField(
        _l("A message for them (optional)"),
        validators=[Optional(), Length(max=MESSAGE_MAX)],
        render_kw={"rows": 4, "dir": "auto", "maxlength": MESSAGE_MAX},
    )
    deliver_on = DateField(_l("When should we email them?"),
                           validators=[DataRequired(_l("Choose a date."))])  # fmt: skip
    email = payer_email_field(_l("Your email"), dir="ltr")
    submit = SubmitField(_l("Continue to payment"))

    def __init__(self, *args, currency: str, amounts: list[int], needs_email: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.needs_email = currency, needs_email
        self.amount.choices = [SelectChoice(str(amount), str(amount)) for amount in amounts]
        self.example = amounts[min(1, len(amounts) - 1)]  # the price rule's example, in the hint
        first, last = delivery_dates()
        earliest = first - timedelta(days=1)  # what `delivery_date` takes as today
        self.deliver_on.render_kw = {"min": earliest.isoformat(), "max": last.isoformat()}

    def validate_deliver_on(self, field):
        first, last = delivery_dates()
        if field.data and not first - timedelta(days=1) <= field.data <= last:
            raise ValidationError(_l("Choose a date between today and a year from now."))


class RedeemForm(Form):
    submit = SubmitField(_l("Start my membership"))
