from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .. import currency as money_units
from ..forms import Form


class GrantForm(Form):
    until = DateField(_l("Complimentary until"), validators=[DataRequired(_l("Choose a date."))])
    submit = SubmitField(_l("Grant a complimentary membership"))


class PromptForm(Form):
    lang = RadioField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("ar", "العربية")],
                      validators=[DataRequired()])  # fmt: skip
    name = StringField(_l("Name (for staff)"), validators=[DataRequired(), Length(max=200)])
    lines = TextAreaField(_l("Words, one line each"), validators=[DataRequired(), Length(max=2000)])
    cta = StringField(_l("Link text"), validators=[DataRequired(), Length(max=200)])
    amounts = StringField(validators=[DataRequired(), Length(max=100)])  # label: see __init__
    activate = BooleanField(_l("Make it the active prompt for its language"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency or current_app.config["SUPPORT_CURRENCY"]
        self.amounts.label.text = _l("Monthly amounts in %(currency)s, separated by commas",
                                     currency=money_units.currency_name(self.currency))  # fmt: skip

    def validate_amounts(self, field):
        """One to five monthly amounts, each within the limits readers have (whole units typed)."""
        values = [money_units.to_minor_units(part, self.currency)
                  for part in field.data.split(",") if part.strip()]  # fmt: skip
        if (
            not values
            or None in values
            or len(values) > 5
            or any(money_units.refusal(value, "monthly", self.currency) for value in values)
        ):
            raise ValidationError(_l(
                "Give one to five amounts from %(minimum)s to %(maximum)s, e.g. 1, 5, 10.",
                minimum=money_units.format_isolated(money_units.minimum_amount(self.currency), self.currency),
                maximum=money_units.format_isolated(money_units.maximum_monthly(self.currency), self.currency),
            ))  # fmt: skip
        self.minor_amounts = values


class StaffAccountForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = RadioField(_l("Role"), choices=[SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Admin"))],
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
