"""Account forms (WTForms with CSRF); messages in both languages through Babel."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import Form
from ..services.accounts import PASSWORD_MAX, password_problem

PASSWORD_MESSAGES = {
    "length": _l("Use between 8 and 128 characters."),
    "common": _l("This password is too common. Please choose another."),
}


def strong_password(form, field):
    email = form.email.data if hasattr(form, "email") else ""
    problem = password_problem(field.data or "", email or "")
    if problem:
        raise ValidationError(PASSWORD_MESSAGES[problem])


def email_field():
    return EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")),
                    Email(_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )  # fmt: skip


def new_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(_l("Choose a password.")), strong_password],
        render_kw={"autocomplete": "new-password", "minlength": 8, "maxlength": PASSWORD_MAX},
    )


class RegisterForm(Form):
    email = email_field()
    password = new_password_field()
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(Form):
    email = email_field()
    submit = SubmitField(_l("Email me a link"))


class ResetForm(Form):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", _l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save the new password"))


class ChangePasswordForm(ResetForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class ChangeEmailForm(Form):
    email = email_field()
    submit = SubmitField(_l("Send a confirmation link"))


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account"))


class LanguageForm(Form):
    language = RadioField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("ar", "العربية")]
    )
    submit = SubmitField(_l("Save"))


class ReadingModeForm(Form):
    mode = HiddenField(validators=[DataRequired()])


class SignOutForm(Form):
    submit = SubmitField(_l("Sign out"))


class EnrolCodeForm(Form):
    """The first code from the app, proving it holds the new secret."""

    code = StringField(
        _l("The 6-digit code your app shows"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"},
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class SecondFactorForm(Form):
    """At sign-in: the app's current code, or one of the recovery codes."""

    code = StringField(
        _l("The 6-digit code from your app, or a recovery code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "dir": "ltr", "autofocus": True},
    )
    submit = SubmitField(_l("Continue"))


class ResetTwoFactorForm(SecondFactorForm):
    submit = SubmitField(_l("Turn off two-factor sign-in"))


class EmailPreferencesForm(Form):
    receipts_monthly = BooleanField(_l("Email me a receipt for each monthly payment"))
    submit = SubmitField(_l("Save email preferences"))


class UnsubscribeForm(Form):
    submit = SubmitField(_l("Stop these emails"))


class CodeRequestForm(Form):
    """The address to email a sign-in code to (also the code page's "send a new code")."""

    email = email_field()
    next = HiddenField()
    again = HiddenField()  # "1": from the code page, which the new code replaces
    submit = SubmitField(_l("Email me a code"))


class SignInCodeForm(Form):
    """The 6-digit code from the email."""

    code = StringField(
        _l("The 6-digit code from the email"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
                   "autofocus": True},
    )  # fmt: skip
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class CodeLinkForm(Form):
    """The one button of the emailed link's page."""

    submit = SubmitField(_l("Sign in to Enab Baladi"))
