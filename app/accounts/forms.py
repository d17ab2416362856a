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
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError

from ..forms import Form
from ..services.accounts import PASSWORD_MAX, password_problem
from ..services.sign_in_codes import is_well_formed

CODE_FORMAT = _l("A code is 6 digits. Type the 6 digits from the email.")

PASSWORD_MESSAGES = {
    "length": _l("Use between 8 and 128 characters."),
    "common": _l("This password is too common. Please choose another."),
}


def strong_password(form, field):
    email = form.email.data if hasattr(form, "email") else ""
    problem = password_problem(field.data or "", email or "")
    if problem:
        raise ValidationError(PASSWORD_MESSAGES[problem])


def repeats_new_password(form, field):
    """The confirmation: checked against the password only once the password itself is fine, so
    a password that is too long or too common is named as such, never as "the two differ"."""
    if form.password.errors:
        raise StopValidation()
    if len(field.data or "") > PASSWORD_MAX:
        raise ValidationError(PASSWORD_MESSAGES["length"])
    if field.data != form.password.data:
        raise ValidationError(_l("The two passwords differ."))


def email_field():
    return EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")),
                    Email(_l("Enter a valid email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )  # fmt: skip


def new_password_field(label=None):
    # No maxlength attribute: a browser would cut a longer pasted password short without a word
    # (and the confirmation differently); the length rule is the server's, with its message.
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(_l("Choose a password.")), strong_password],
        render_kw={"autocomplete": "new-password", "minlength": 8},
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
        validators=[repeats_new_password],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save the new password"))


class FirstPasswordForm(ResetForm):
    """The reset page for an account that has no password yet: nothing in it is "new"."""

    password = new_password_field()
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[repeats_new_password],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save the password"))


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


class PasswordLinkForm(Form):
    """An account without a password: email its address the link to choose one."""

    submit = SubmitField(_l("Email me the link"))


class DeleteCodeRequestForm(Form):
    """An account without a password: email its address a code to confirm the deletion."""

    submit = SubmitField(_l("Email me a code"))


class DeleteByCodeForm(Form):
    """An account without a password: the code emailed to it, in place of the password."""

    code = StringField(
        _l("The 6-digit code from the email"),
        validators=[DataRequired(_l("Enter the code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"},
    )
    submit = SubmitField(_l("Delete my account"))

    def validate_code(self, field):
        if not is_well_formed(field.data):
            raise ValidationError(CODE_FORMAT)


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
    """The 6-digit code from the email (Arabic-Indic digits, spaces and dashes read as typed).
    A code that is not 6 digits is refused here, so it spends none of the code's tries."""

    code = StringField(
        _l("The 6-digit code from the email"),
        validators=[DataRequired(_l("Enter the code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
                   "autofocus": True},
    )  # fmt: skip
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))

    def validate_code(self, field):
        if not is_well_formed(field.data):
            raise ValidationError(CODE_FORMAT)


class CodeLinkForm(Form):
    """The one button of the emailed link's page."""

    submit = SubmitField(_l("Sign in to Enab Baladi"))
