"""The citizen's door (P1–P4): registration, login, logout and password reset.

Public: ``citizen_register_view``, ``citizen_login``, ``citizen_logout``,
``cabinet_home_url``, and the password-reset views ``CitizenPasswordResetView``,
``CitizenPasswordResetDoneView``, ``CitizenPasswordResetConfirmView``,
``CitizenPasswordResetCompleteView``.

Only citizens log in here: a staff account, an unknown IIN and a wrong
password all get the same refusal (P4). Failures are counted and locked by
``applicants.throttle``, together with the staff door's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from applicants.citizen_forms import (
    CitizenLoginForm,
    CitizenPasswordResetForm,
    CitizenRegisterForm,
    CitizenSetPasswordForm,
)
from applicants.models import User
from applicants.services import citizen_register
from applicants.throttle import (
    client_ip,
    door_login_attempt_fail,
    door_login_attempt_refuse,
    door_login_attempt_succeed,
    login_lock_find,
)
from audit.services import audit_record

DOOR = "citizen"
CABINET_HOME = "cabinet:home"


def cabinet_home_url() -> str:
    """The citizen's cabinet; "/" while its page is not mounted."""
    try:
        return reverse(CABINET_HOME)
    except NoReverseMatch:
        return "/"


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _add_service_errors(form: Form, error: ValidationError) -> None:
    """Put a service's errors beside the fields they name (the rest on top)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, ValidationError(errors))


def _lock_message(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts to log in. Please try again in %(minutes)d minute.",
        "Too many failed attempts to log in. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# --- P1: registration --------------------------------------------------------


@sensitive_post_parameters("password", "password_confirmation")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def citizen_register_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "POST":
        form = CitizenRegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = citizen_register(
                    iin=data["iin"],
                    last_name=data["last_name"],
                    first_name=data["first_name"],
                    patronymic=data["patronymic"],
                    phone=data["phone"],
                    email=data["email"],
                    password=data["password"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                login(request, user)
                return redirect(next_url or cabinet_home_url())
    else:
        form = CitizenRegisterForm()
    return render(request, "applicants/citizen/register.html", {"form": form, "next": next_url})


# --- P2–P4: login and logout -------------------------------------------------


@sensitive_variables("password")
def _citizen_sign_in(request: HttpRequest, form: CitizenLoginForm) -> User | None:
    """Check the lock, then the credentials; log the citizen in or put the
    refusal (P4) on the form."""
    iin: str = form.cleaned_data["iin"]
    password: str = form.cleaned_data["password"]
    ip = client_ip(request)

    lock = login_lock_find(login=iin, ip=ip)
    if lock is not None:
        # The password is not even checked: a lock cannot be guessed through.
        door_login_attempt_refuse(door=DOOR, login=iin, ip=ip, lock=lock)
        form.add_error(None, _lock_message(lock.minutes_left()))
        return None

    user = authenticate(request, username=iin, password=password)
    if not isinstance(user, User) or user.is_staff_member:
        reason = "credentials refused" if user is None else "not a citizen account"
        new_lock = door_login_attempt_fail(door=DOOR, login=iin, ip=ip, reason=reason)
        form.add_error("password", _("Wrong IIN or password."))
        if new_lock is not None:
            form.add_error(None, _lock_message(new_lock.minutes_left()))
        return None

    login(request, user)
    door_login_attempt_succeed(door=DOOR, user=user, login=iin, ip=ip)
    return user


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def citizen_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "POST":
        form = CitizenLoginForm(request.POST)
        if form.is_valid():
            user = _citizen_sign_in(request, form)
            if user is not None:
                return redirect(next_url or cabinet_home_url())
    else:
        form = CitizenLoginForm()
    return render(request, "applicants/citizen/login.html", {"form": form, "next": next_url})


@require_POST
def citizen_logout(request: HttpRequest) -> HttpResponseRedirect:
    user = request.user
    if isinstance(user, User):
        audit_record(actor=user, action="logout", target=user, remark=f"{DOOR} logout")
    logout(request)
    return HttpResponseRedirect(reverse("cabinet:login"))


# --- Password reset by e-mail ------------------------------------------------
# Django's views with the cabinet's forms and templates. The e-mail is
# rendered during the request, so it is in the language the citizen uses.


class CitizenPasswordResetView(auth_views.PasswordResetView):
    form_class = CitizenPasswordResetForm
    template_name = "applicants/citizen/password_reset_form.html"
    email_template_name = "applicants/citizen/email/password_reset_email.txt"
    subject_template_name = "applicants/citizen/email/password_reset_subject.txt"
    success_url = reverse_lazy("cabinet:password-reset-done")


class CitizenPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "applicants/citizen/password_reset_done.html"


class CitizenPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = CitizenSetPasswordForm
    template_name = "applicants/citizen/password_reset_confirm.html"
    success_url = reverse_lazy("cabinet:password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        audit_record(
            actor=user, action="password_reset", target=user, remark="new password set by e-mail link"
        )
        return response


class CitizenPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "applicants/citizen/password_reset_complete.html"
