"""The staff door: login and logout. Public: ``staff_login``, ``staff_logout``,
``landing_url``.

Only staff (users with an office) log in here; a citizen, an unknown login and
a wrong password all get the same refusal. Throttling and its audit trail are
in ``applicants.throttle``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from applicants.constants import Role
from applicants.forms import StaffLoginForm
from applicants.models import User
from applicants.throttle import (
    client_ip,
    login_attempt_fail,
    login_attempt_refuse,
    login_attempt_succeed,
    login_lock_find,
)
from audit.services import audit_record

# Where each role starts its day (DESIGN §2), as URL names resolved on each
# call: the services pages may not be installed. A user with several roles
# lands on the first of theirs in this order.
LANDING_URL_NAMES: dict[Role, str] = {
    Role.ADMINISTRATOR: "admin:index",
    Role.SUPERVISOR: "services:dashboard",
    Role.EXECUTOR: "services:queue",
    Role.CLERK: "services:desk",
}


def landing_url(user: User) -> str:
    """The page a staff member lands on after login; "/" when it is not there."""
    for role, url_name in LANDING_URL_NAMES.items():
        if user.has_role(role):
            try:
                return reverse(url_name)
            except NoReverseMatch:
                return "/"
    return "/"


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _lock_message(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts to log in. Please try again in %(minutes)d minute.",
        "Too many failed attempts to log in. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@sensitive_variables("password")
def _staff_sign_in(request: HttpRequest, form: StaffLoginForm) -> User | None:
    """Check the lock, then the credentials; log the user in or put the
    refusal on the form."""
    typed: str = form.cleaned_data["username"]
    password: str = form.cleaned_data["password"]
    ip = client_ip(request)

    lock = login_lock_find(login=typed, ip=ip)
    if lock is not None:
        # The password is not even checked: a lock cannot be guessed through.
        login_attempt_refuse(login=typed, ip=ip, lock=lock)
        form.add_error(None, _lock_message(lock.minutes_left()))
        return None

    user = authenticate(request, username=typed, password=password)
    if not isinstance(user, User) or not user.is_staff_member:
        reason = "credentials refused" if user is None else "not a staff account (no office)"
        new_lock = login_attempt_fail(login=typed, ip=ip, reason=reason)
        form.add_error("password", _("Wrong username or password."))
        if new_lock is not None:
            form.add_error(None, _lock_message(new_lock.minutes_left()))
        return None

    login(request, user)
    login_attempt_succeed(user=user, login=typed, ip=ip)
    return user


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "POST":
        form = StaffLoginForm(request.POST)
        if form.is_valid():
            user = _staff_sign_in(request, form)
            if user is not None:
                return redirect(next_url or landing_url(user))
    else:
        form = StaffLoginForm()
    return render(request, "applicants/login.html", {"form": form, "next": next_url})


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponseRedirect:
    user = request.user
    if isinstance(user, User):
        audit_record(actor=user, action="logout", target=user)
    logout(request)
    return HttpResponseRedirect(reverse("applicants:staff-login"))
