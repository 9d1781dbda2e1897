"""Forms of the citizen's door (P1–P4). Public: ``CitizenRegisterForm``,
``CitizenLoginForm``, ``CitizenPasswordResetForm``, ``CitizenSetPasswordForm``.

They check what a form can check and say what is wrong in words; the
service (``citizen_register``) checks again. No message here tells whether an
account exists, except the one the service gives for a taken IIN at
registration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from applicants.forms import BootstrapBoundField
from applicants.identifiers import validate_iin
from applicants.models import User
from applicants.services import kz_phone_normalise


def _text(autocomplete: str, **attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", "autocomplete": autocomplete, **attrs})


def _iin_field() -> forms.CharField:
    return forms.CharField(
        label=_("IIN"),
        help_text=_("Individual identification number: 12 digits, as on your identity document."),
        error_messages={"required": _("Enter your IIN.")},
        widget=forms.TextInput(
            attrs={
                "class": "form-control number",
                "autocomplete": "username",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


def _clean_iin(value: str) -> str:
    # People copy IINs with spaces ("931002 451325"); the digits are what count.
    iin = "".join(value.split())
    validate_iin(iin)
    return iin


class CitizenRegisterForm(forms.Form):
    """P1: who the citizen is, how to reach them, and a password."""

    bound_field_class = BootstrapBoundField

    iin = _iin_field()
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        error_messages={"required": _("Enter your last name.")},
        widget=_text("family-name", spellcheck="false"),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter your first name.")},
        widget=_text("given-name", spellcheck="false"),
    )
    patronymic = forms.CharField(
        label=_("Patronymic (optional)"),
        max_length=150,
        required=False,
        widget=_text("additional-name", spellcheck="false"),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        help_text=_("For example, +7 701 234 56 78."),
        max_length=32,
        error_messages={"required": _("Enter your mobile phone number, like +7 701 234 56 78.")},
        widget=forms.TextInput(attrs={"class": "form-control", "type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We send a link here if you forget your password."),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the right format, like name@example.com."),
        },
        widget=forms.EmailInput(
            attrs={"class": "form-control", "autocomplete": "email", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Enter a password.")},
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )
    password_confirmation = forms.CharField(
        label=_("Password again"),
        strip=False,
        error_messages={"required": _("Enter the password again.")},
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # In the language of the request, from the validators in force.
        self.fields["password"].help_text = " ".join(password_validation.password_validators_help_texts())
        if not self.is_bound:
            self.fields["iin"].widget.attrs["autofocus"] = True

    def clean_iin(self) -> str:
        return _clean_iin(self.cleaned_data["iin"])

    def clean_phone(self) -> str:
        return kz_phone_normalise(self.cleaned_data["phone"])

    @sensitive_variables("password", "confirmation")
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        confirmation = data.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error(
                "password_confirmation",
                ValidationError(
                    _("The passwords do not match. Type the same password in both fields."),
                    code="password_mismatch",
                ),
            )
        if password:
            # The similarity check compares with what the citizen typed here.
            someone = User(
                username=data.get("iin", ""),
                iin=data.get("iin", ""),
                last_name=data.get("last_name", ""),
                first_name=data.get("first_name", ""),
                patronymic=data.get("patronymic", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(password, someone)
            except ValidationError as error:
                self.add_error("password", error)
        return data


class CitizenLoginForm(forms.Form):
    """P2: IIN and password. A malformed IIN is named (no account can have
    one); whether an account exists is left to the view's one refusal."""

    bound_field_class = BootstrapBoundField

    iin = _iin_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Enter your password.")},
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["iin"].widget.attrs["autofocus"] = True

    def clean_iin(self) -> str:
        return _clean_iin(self.cleaned_data["iin"])


class CitizenPasswordResetForm(PasswordResetForm):
    """Sends the link to citizens only: staff passwords are the administrators'
    business. An address with no citizen account gets the same answer."""

    bound_field_class = BootstrapBoundField

    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The address you gave when you created your account."),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the right format, like name@example.com."),
        },
        widget=forms.EmailInput(
            attrs={"class": "form-control", "autocomplete": "email", "spellcheck": "false", "autofocus": True}
        ),
    )

    def get_users(self, email: str) -> Iterator[User]:
        for user in super().get_users(email):
            if isinstance(user, User) and not user.is_staff_member:
                yield user


class CitizenSetPasswordForm(SetPasswordForm):
    """The new password, twice, checked by the validators in force."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label, second.label = _("New password"), _("New password again")
        first.help_text = " ".join(password_validation.password_validators_help_texts())
        second.help_text = ""
        first.error_messages["required"] = _("Enter a new password.")
        second.error_messages["required"] = _("Enter the new password again.")
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("The passwords do not match. Type the same password in both fields."),
        }
        for field in (first, second):
            field.widget.attrs["class"] = "form-control"
        first.widget.attrs["autofocus"] = True
