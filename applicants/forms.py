"""Forms of the applicants app. Public: ``StaffLoginForm``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.widgets import Widget
from django.utils.translation import gettext_lazy as _


class BootstrapBoundField(BoundField):
    """Marks a field with errors for Bootstrap; Django already adds
    aria-invalid and points aria-describedby at ``<id>_error``."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            widget = widget or self.field.widget
            classes = attrs.get("class") or widget.attrs.get("class", "")
            attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


class StaffLoginForm(forms.Form):
    """Username (or IIN) and password. Checks only that both are given: the
    view checks the lock and the credentials, so no error here tells whether
    an account exists."""

    bound_field_class = BootstrapBoundField

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        error_messages={
            "required": _("Enter your username."),
            "max_length": _("A username has at most 150 characters."),
        },
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Enter your password.")},
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A fresh form starts at the first field; after an error the page
        # focuses the error summary instead.
        if not self.is_bound:
            self.fields["username"].widget.attrs["autofocus"] = True
