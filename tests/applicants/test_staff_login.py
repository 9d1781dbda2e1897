"""The staff door: login by role, the generic refusal, throttling and its audit."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from applicants.identifiers import mask_iin
from applicants.models import LoginAttempt, User
from applicants.views import landing_url
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG = "Wrong username or password."
LOCKED = "Too many failed attempts to log in."
START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC)


def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("landing")


# The role pages belong to the services app and may not be mounted yet; tests
# of the landing use this URLconf, where they are.
urlpatterns = [
    path("", _page, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("staff/", include("applicants.urls")),
    path(
        "staff/",
        include(
            (
                [
                    path("desk/", _page, name="desk"),
                    path("queue/", _page, name="queue"),
                    path("dashboard/", _page, name="dashboard"),
                ],
                "services",
            )
        ),
    ),
]
with_role_pages = pytest.mark.urls(__name__)


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> HttpResponse:
    """Post the staff login form; the page answers in English (the
    assertions read the English source messages)."""
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.post(
        reverse("applicants:staff-login"), {"username": username, "password": password}, **extra
    )


def fail_times(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        assert WRONG in log_in(client, username, "not the password").content.decode()


def error_summary(text: str) -> str:
    start = text.index('id="error-summary"')
    return text[start : text.index("</div>", start)]


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("created_at", "id").values_list("action", flat=True))


@with_role_pages
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("clerk", "/staff/desk/"),
        ("executor", "/staff/queue/"),
        ("supervisor", "/staff/dashboard/"),
        ("administrator", "/admin/"),
    ],
)
def test_each_role_logs_in_and_lands_on_its_own_page(
    client: Client, request: pytest.FixtureRequest, role: str, landing: str
) -> None:
    user: User = request.getfixturevalue(role)

    response = log_in(client, user.username)

    assert landing_url(user) == landing
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.session["_auth_user_id"] == str(user.pk)
    entry = AuditEntry.objects.get(action="login")
    assert entry.actor == user


def test_a_clerk_is_redirected_to_the_clerk_landing_whether_or_not_the_desk_is_mounted(
    client: Client, clerk: User
) -> None:
    response = log_in(client, "clerk.aktau")

    assert response.status_code == 302
    assert response["Location"] == landing_url(clerk)


class _WithoutRolePages:
    urlpatterns = [
        path("", _page, name="home"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("staff/", include("applicants.urls")),
    ]


def test_the_landing_falls_back_to_the_home_page_when_the_role_page_is_not_mounted(
    client: Client, clerk: User, settings: object
) -> None:
    settings.ROOT_URLCONF = _WithoutRolePages  # type: ignore[attr-defined]

    response = log_in(client, "clerk.aktau")

    assert landing_url(clerk) == "/"
    assert response["Location"] == "/"


@with_role_pages
def test_a_safe_next_address_is_honoured_and_a_foreign_one_ignored(client: Client, clerk: User) -> None:
    url = reverse("applicants:staff-login")
    data = {"username": "clerk.aktau", "password": PASSWORD}

    assert client.post(f"{url}?next=/staff/queue/", data)["Location"] == "/staff/queue/"
    client.logout()
    assert client.post(f"{url}?next=https://evil.example/", data)["Location"] == "/staff/desk/"


def test_the_login_page_offers_the_fields_with_autocomplete_and_focus(client: Client) -> None:
    response = client.get(reverse("applicants:staff-login"))

    text = response.content.decode()
    assert response.status_code == 200
    assert 'autocomplete="username"' in text
    assert 'autocomplete="current-password"' in text
    assert "autofocus" in text
    assert "error-summary" not in text


def test_a_wrong_password_gets_the_generic_message_keeps_the_username_and_is_audited(
    client: Client, clerk: User
) -> None:
    response = log_in(client, "clerk.aktau", "Tr0ub4dor&3")

    text = response.content.decode()
    assert response.status_code == 200
    assert WRONG in text
    assert 'href="#id_password"' in text  # the error summary leads to the field
    assert 'id="id_password_error"' in text  # and the message is repeated beside it
    assert 'value="clerk.aktau"' in text
    assert "Tr0ub4dor&amp;3" not in text and "Tr0ub4dor&3" not in text
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor is None and entry.succeeded is False
    assert entry.target_id == str(clerk.pk)
    assert "Tr0ub4dor" not in entry.remark


def test_the_username_is_kept_exactly_as_typed(client: Client, clerk: User) -> None:
    text = log_in(client, "Clerk.Aktau", "nope").content.decode()

    assert 'value="Clerk.Aktau"' in text
    assert LoginAttempt.objects.get().username == "clerk.aktau"


def test_an_unknown_username_gets_the_same_message_as_a_wrong_password(client: Client, clerk: User) -> None:
    wrong_password = log_in(client, "clerk.aktau", "nope").content.decode()
    unknown = log_in(client, "nobody.here", "nope").content.decode()

    assert WRONG in unknown
    assert error_summary(unknown) == error_summary(wrong_password)
    entry = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert entry.target_type.model == "loginattempt"
    assert entry.target_id == str(LoginAttempt.objects.get(username="nobody.here").pk)


def test_a_citizen_cannot_log_in_at_the_staff_door(client: Client, citizen: User) -> None:
    response = log_in(client, citizen.username)

    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert actions() == ["login_failed"]


def test_empty_fields_are_named_in_the_error_summary_and_are_not_counted(client: Client) -> None:
    text = client.post(
        reverse("applicants:staff-login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'href="#id_username">Enter your username.' in text
    assert 'href="#id_password">Enter your password.' in text
    assert not LoginAttempt.objects.exists()


def test_the_sixth_attempt_after_five_failures_is_locked_even_with_the_right_password(
    client: Client, clerk: User
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, "clerk.aktau", 5)
        traveller.shift(datetime.timedelta(minutes=2))

        response = log_in(client, "clerk.aktau")

    text = response.content.decode()
    assert LOCKED in text
    assert "Please try again in 13 minutes." in text
    assert WRONG not in text
    assert "_auth_user_id" not in client.session
    assert actions() == ["login_failed"] * 5 + ["login_locked", "login_locked"]
    refused = AuditEntry.objects.filter(action="login_locked").latest("id")
    assert refused.target_id == str(clerk.pk)
    assert "refused" in refused.remark


def test_the_fifth_failure_announces_the_lock(client: Client, clerk: User) -> None:
    fail_times(client, "clerk.aktau", 4)

    text = log_in(client, "clerk.aktau", "nope").content.decode()

    assert WRONG in text
    assert "Please try again in 15 minutes." in text


def test_failures_spread_over_more_than_the_window_do_not_lock(client: Client, clerk: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            fail_times(client, "clerk.aktau", 1)
            traveller.shift(datetime.timedelta(minutes=4))

        response = log_in(client, "clerk.aktau")

    assert response.status_code == 302


def test_the_right_password_works_again_after_the_lock_period(client: Client, clerk: User) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, "clerk.aktau", 5)
        assert LOCKED in log_in(client, "clerk.aktau").content.decode()
        traveller.shift(datetime.timedelta(minutes=15, seconds=1))

        response = log_in(client, "clerk.aktau")

    assert response.status_code == 302
    assert response["Location"] == landing_url(clerk)


def test_the_failure_limit_and_the_lock_length_follow_the_settings(
    client: Client, clerk: User, settings: object
) -> None:
    settings.LOGIN_MAX_FAILURES = 2  # type: ignore[attr-defined]
    settings.LOGIN_LOCK_MINUTES = 3  # type: ignore[attr-defined]

    fail_times(client, "clerk.aktau", 2)

    assert "Please try again in 3 minutes." in log_in(client, "clerk.aktau").content.decode()


def test_an_unknown_username_is_locked_like_a_real_one(client: Client) -> None:
    fail_times(client, "nobody.here", 5)

    text = log_in(client, "nobody.here").content.decode()

    assert LOCKED in text
    locked = AuditEntry.objects.filter(action="login_locked").latest("id")
    assert locked.target_type.model == "loginattempt"


def test_the_lock_holds_for_other_spellings_of_the_username(client: Client, clerk: User) -> None:
    fail_times(client, "clerk.aktau", 5)

    assert LOCKED in log_in(client, "CLERK.AKTAU").content.decode()


def test_the_address_is_locked_after_twenty_failures_over_different_usernames(
    client: Client, clerk: User
) -> None:
    for n in range(20):
        fail_times(client, f"guess{n}", 1)

    response = log_in(client, "clerk.aktau")

    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_locked").count() == 2
    other_address = log_in(Client(), "clerk.aktau", REMOTE_ADDR="10.0.0.7")
    assert other_address.status_code == 302


def test_the_address_lock_uses_the_proxy_entry_when_a_proxy_is_trusted(
    client: Client, clerk: User, settings: object
) -> None:
    settings.LOGIN_TRUSTED_PROXIES = 1  # type: ignore[attr-defined]
    for n in range(20):
        log_in(client, f"guess{n}", "nope", HTTP_X_FORWARDED_FOR="forged, 203.0.113.9")

    assert LoginAttempt.objects.filter(ip="203.0.113.9").count() == 20
    assert (
        LOCKED in log_in(client, "clerk.aktau", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9").content.decode()
    )
    assert log_in(Client(), "clerk.aktau", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 302


def test_an_iin_typed_as_the_username_is_masked_in_the_audit(client: Client, citizen: User) -> None:
    assert citizen.iin is not None
    fail_times(client, citizen.iin, 5)
    log_in(client, citizen.iin)

    masked = mask_iin(citizen.iin)
    entries = AuditEntry.objects.filter(action__in=["login_failed", "login_locked"])
    assert entries.count() == 7
    for entry in entries:
        assert citizen.iin not in entry.remark
        assert masked in entry.remark


def test_an_unknown_iin_is_masked_in_the_audit_target_label(client: Client) -> None:
    log_in(client, "931002451325", "nope")

    entry = AuditEntry.objects.get(action="login_failed")
    assert "931002451325" not in entry.remark + entry.target_label
    assert "9310••••1325" in entry.target_label


def test_logout_logs_out_is_audited_and_returns_to_the_login_page(client: Client, clerk: User) -> None:
    client.force_login(clerk)

    response = client.post(reverse("applicants:staff-logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:staff-login")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="logout").actor == clerk


def test_a_get_request_does_not_log_out(client: Client, clerk: User) -> None:
    client.force_login(clerk)

    assert client.get(reverse("applicants:staff-logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(clerk.pk)


@pytest.mark.parametrize(("cookie", "lang"), [(None, "ru"), ("kk", "kk")])
def test_the_login_page_renders_in_russian_by_default_and_in_kazakh_by_the_cookie(
    client: Client, cookie: str | None, lang: str
) -> None:
    if cookie:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = cookie

    response = client.get(reverse("applicants:staff-login"))

    assert response.status_code == 200
    assert f'lang="{lang}"' in response.content.decode()
