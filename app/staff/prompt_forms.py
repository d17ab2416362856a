"""Staff forms for prompts: a prompt's copy and rules, a test's settings, a variant's copy, the winner."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .. import currency as money_units
from ..forms import Form

FREQUENCY_CHOICES = [
    SelectChoice("monthly", _l("Monthly")),
    SelectChoice("annual", _l("Annually")),
    SelectChoice("once", _l("Once")),
]


class CopyForm(Form):
    """What a prompt and each variant of its tests show: words, link text, amounts, the frequency
    they are offered at, the amount drawn as the main button, the article-count line."""

    lines = TextAreaField(_l("Words, one line each"), validators=[DataRequired(), Length(max=2000)])
    cta = StringField(_l("Link text"), validators=[DataRequired(), Length(max=200)])
    amounts = StringField(validators=[DataRequired(), Length(max=100)])  # label: see __init__
    frequency = RadioField(_l("Amounts offered"), choices=FREQUENCY_CHOICES, default="monthly",
                           validators=[DataRequired()])  # fmt: skip
    highlighted = StringField(validators=[Optional(), Length(max=12)])  # label: see __init__
    article_count = BooleanField(
        _l('Add the line "You have read 7 articles this month" (counted in the reader\'s browser)')
    )

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency or current_app.config["SUPPORT_CURRENCY"]
        name = money_units.currency_name(self.currency)
        self.amounts.label.text = _l(
            "Monthly amounts in %(currency)s, separated by commas", currency=name
        )
        self.highlighted.label.text = _l("Main button: one of the amounts (empty: the first)")
        self.minor_amounts: list[int] = []
        self.minor_highlighted: int | None = None

    def fill(self, copy) -> None:
        """Show a prompt's or variant's copy in the form (amounts as staff type them)."""
        self.lines.data, self.cta.data = copy.lines, copy.cta
        self.amounts.data = ", ".join(
            money_units.plain(a, self.currency) for a in copy.monthly_amounts
        )
        self.frequency.data, self.article_count.data = copy.frequency, copy.article_count
        if copy.highlighted_amount is not None:
            self.highlighted.data = money_units.plain(copy.highlighted_amount, self.currency)

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
        self.minor_amounts = values  # type: ignore[assignment]

    def validate_highlighted(self, field):
        if not (field.data or "").strip():
            return
        value = money_units.to_minor_units(field.data, self.currency)
        if value is None or (self.minor_amounts and value not in self.minor_amounts):
            raise ValidationError(_l("Choose one of the amounts above."))
        self.minor_highlighted = value

    def copy(self) -> dict:
        """The copy as the services take it."""
        return {"lines": self.lines.data, "cta": self.cta.data, "monthly_amounts": self.minor_amounts,
                "frequency": self.frequency.data, "highlighted_amount": self.minor_highlighted,
                "article_count": bool(self.article_count.data)}  # fmt: skip


def _days(label):
    return IntegerField(label, default=0, validators=[Optional(), NumberRange(min=0, max=365)])


class PromptForm(CopyForm):
    lang = RadioField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("ar", "العربية")],
                      validators=[DataRequired()])  # fmt: skip
    name = StringField(_l("Name (for staff)"), validators=[DataRequired(), Length(max=200)])
    max_shows = IntegerField(_l("Show it to a reader at most this many times (0: no limit)"),
                             default=0, validators=[Optional(), NumberRange(min=0, max=1000)])  # fmt: skip
    show_days = _days(_l("… in this many days"))
    dismiss_days = _days(
        _l("After a reader dismisses it, hide it for this many days (0: no dismiss button)")
    )
    sections = SelectMultipleField(_l("Only in these sections (none: everywhere)"), coerce=int,
                                   widget=widgets.ListWidget(prefix_label=False),
                                   option_widget=widgets.CheckboxInput())  # fmt: skip
    activate = BooleanField(_l("Make it the active prompt for its language"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, sections: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.sections.choices = list(sections)

    def validate_show_days(self, field):
        if (self.max_shows.data or 0) and not (field.data or 0):
            raise ValidationError(_l("Say in how many days."))

    def rules(self) -> dict:
        return {"max_shows": self.max_shows.data or 0, "show_days": self.show_days.data or 0,
                "dismiss_days": self.dismiss_days.data or 0,
                "section_ids": list(self.sections.data or [])}  # fmt: skip


class PromptTestForm(Form):
    name = StringField(
        _l("Name of the test (for staff)"), validators=[DataRequired(), Length(max=200)]
    )
    minimum_impressions = IntegerField(
        _l("Impressions each variant needs before an answer counts as clear"), default=1000,
        validators=[DataRequired(), NumberRange(min=1, max=10_000_000)],
    )  # fmt: skip
    adaptive = BooleanField(
        _l("Let the split follow the results while the test runs (Thompson sampling)")
    )
    submit = SubmitField(_l("Save"))


class VariantForm(CopyForm):
    name = StringField(
        _l("Name of the variant (for staff)"), validators=[DataRequired(), Length(max=200)]
    )
    share = IntegerField(_l("Share of readers (parts of the split)"), default=1,
                         validators=[DataRequired(), NumberRange(min=1, max=100)])  # fmt: skip
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class ShareForm(Form):
    """The control: only its name and share (its copy is the prompt's)."""

    name = StringField(
        _l("Name of the variant (for staff)"), validators=[DataRequired(), Length(max=200)]
    )
    share = IntegerField(_l("Share of readers (parts of the split)"), default=1,
                         validators=[DataRequired(), NumberRange(min=1, max=100)])  # fmt: skip
    submit = SubmitField(_l("Save"))


class StartTestForm(Form):
    submit = SubmitField(_l("Start the test"))


class EndTestForm(Form):
    winner = RadioField(
        _l("The winner"), coerce=int, validators=[DataRequired(_l("Choose the winner."))]
    )
    submit = SubmitField(_l("End the test with this winner"))

    def __init__(self, *args, variants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.winner.choices = [SelectChoice(v.id, v.name) for v in variants]
