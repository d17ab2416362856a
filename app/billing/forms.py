"""Support forms. Amounts arrive in whole units of the currency and leave in minor units, both
through app/currency.py."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from .. import currency as money_units
from ..currency import to_minor_units
from ..forms import Form
from .messages import refusal_message

__all__ = ["ChangeSupportForm", "SupportForm", "payer_email_field", "to_minor_units"]

FREQUENCY_CHOICES = [
    SelectChoice("monthly", _l("Monthly")),
    SelectChoice("annual", _l("Annually")),
    SelectChoice("once", _l("Once")),
]


def _needed_signed_out(form, field):
    """A signed-out payer must give their email (it finds or makes their account); a signed-in
    one is not asked. It runs before Optional(), which ends the chain at an empty field, inline
    `validate_<field>` methods included."""
    if form.needs_email and not (field.data or "").strip():
        raise StopValidation(_l("Enter your email address."))


def payer_email_field(label, **render_kw) -> EmailField:
    """The payer's own email on the support and gift forms."""
    return EmailField(
        label,
        validators=[_needed_signed_out, Optional(), Email(_l("Enter a valid email address.")),
                    Length(max=254)],
        render_kw={"autocomplete": "email", **render_kw},
    )  # fmt: skip


def _amount_if_other(form, field):
    """With "Another amount" chosen, what is typed must be an amount (before Optional(), which
    would end the chain at an empty field, as for the email)."""
    if form.amount.data == "other" and to_minor_units(field.data or "", form.currency) is None:
        raise StopValidation(_l("Enter an amount, for example 3 or 7.50."))


class SupportForm(Form):
    frequency = RadioField(
        _l("How often"),
        choices=FREQUENCY_CHOICES,
        validators=[DataRequired(_l("Choose how often."))],
    )
    amount = RadioField(_l("Amount"), validators=[DataRequired(_l("Choose an amount."))])
    other_amount = StringField(
        _l("Another amount"), validators=[_amount_if_other, Optional(), Length(max=12)],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "dir": "ltr"},
    )  # fmt: skip
    covers_fee = BooleanField(_l("Add the card fee so Enab Baladi receives the full amount"))
    email = payer_email_field(_l("Email"))
    prompt = HiddenField()
    article = HiddenField()  # the article under the prompt that was clicked
    variant = HiddenField()  # the variant of a prompt test the reader was shown
    submit = SubmitField(_l("Continue to payment"))

    def __init__(self, *args, currency: str, presets: list[int], needs_email: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.needs_email = needs_email
        self.amount.choices = [SelectChoice(str(preset), str(preset)) for preset in presets]
        self.amount.choices.append(SelectChoice("other", _l("Another amount")))

    @property
    def minimum(self) -> int:
        return money_units.minimum_amount(self.currency)

    @property
    def currency_name(self) -> str:
        return money_units.currency_name(self.currency)

    def minor_amount(self) -> int:
        if self.amount.data == "other":
            return to_minor_units(self.other_amount.data, self.currency) or 0
        return int(self.amount.data)


class ChangeSupportForm(Form):
    frequency = RadioField(
        _l("How often"), choices=FREQUENCY_CHOICES[:2], validators=[DataRequired()]
    )
    amount = StringField(_l("Monthly amount"), validators=[DataRequired(_l("Enter an amount."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off", "dir": "ltr"})  # fmt: skip
    submit = SubmitField(_l("Change my support"))

    def __init__(self, *args, currency: str, **kwargs):
        """`currency`: the member's own (their subscription's), which amounts are typed in."""
        super().__init__(*args, **kwargs)
        self.currency = currency

    @property
    def currency_name(self) -> str:
        return money_units.currency_name(self.currency)

    @property
    def minimum(self) -> int:
        return money_units.minimum_amount(self.currency)

    @property
    def maximum(self) -> int:
        return money_units.maximum_monthly(self.currency)

    def validate_amount(self, field):
        """A monthly amount within the limits of the member's currency (annual support is twelve
        times it): a refused amount stays on this page with its reason, in that currency, and
        nothing is sent to Stripe."""
        amount = to_minor_units(field.data or "", self.currency)
        if amount is None:
            raise ValidationError(_l("Enter an amount, for example 3 or 7.50."))
        reason = money_units.refusal(amount, self.frequency.data or "monthly", self.currency)
        if reason:
            raise ValidationError(refusal_message(reason, self.currency))

    def minor_amount(self) -> int:
        """The amount typed, in minor units of the member's currency (once validated)."""
        return to_minor_units(self.amount.data, self.currency) or 0


class ResumeForm(Form):
    """The one button of the cancellation email's resume page."""

    submit = SubmitField(_l("Resume my membership"))


class CancelReasonForm(Form):
    """Why the member wants to cancel: a reason and words, both optional; "Continue" shows what
    fits the reason, "Cancel my membership" cancels at once."""

    reason = RadioField(_l("Why are you cancelling? (optional)"), validators=[Optional()])
    comment = TextAreaField(
        _l("Anything you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("At most 1,000 characters, please."))],
    )
    next = SubmitField(_l("Continue"))
    leave = SubmitField(_l("Cancel my membership"))

    def __init__(self, *args, reasons: list[tuple[str, str]], **kwargs):
        """`reasons`: (value, label) of each reason a member may give."""
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice(value, label) for value, label in reasons]


class LowerOfferForm(Form):
    """Stay at a lower amount (one of those offered), from the next payment on."""

    amount = RadioField(_l("Your new amount"), validators=[DataRequired(_l("Choose an amount."))])
    submit = SubmitField(_l("Give this amount instead"))

    def __init__(self, *args, amounts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, prefix="lower", **kwargs)
        self.amount.choices = [SelectChoice(value, label) for value, label in amounts]


class PauseOfferForm(Form):
    """Stay, paused for one to three months."""

    months = RadioField(
        _l("How long"),
        choices=[SelectChoice("1", _l("1 month")), SelectChoice("2", _l("2 months")),
                 SelectChoice("3", _l("3 months"))],
        validators=[DataRequired(_l("Choose how long."))],
    )  # fmt: skip
    submit = SubmitField(_l("Pause my membership"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="pause", **kwargs)


class AnnualOfferForm(Form):
    submit = SubmitField(_l("Switch to annual"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="annual", **kwargs)


class LeaveForm(Form):
    submit = SubmitField(_l("No thanks, cancel my membership"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="leave", **kwargs)


class RaiseForm(Form):
    """The confirmation of a raise: yes, or not now."""

    submit = SubmitField(_l("Yes, give the new amount"))
    decline = SubmitField(_l("Not now"))
