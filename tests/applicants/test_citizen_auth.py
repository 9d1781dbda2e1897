"""The citizen's door (P1–P4): registration, login by IIN, the generic
refusal, throttling shared with the staff door, and password reset by e-mail."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import translation

from applicants import services
from applicants.models import Applicant, LoginAttempt, User
from applicants.services import kz_phone_normalise
from audit.models import AuditEntry
from tests.factories import ApplicantFactory, UserFactory

pytestmark = [pytest.mark.django_db]

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet harbour at dawn"
IIN = "931002451325"
OTHER_IIN = "990106300596"
WRONG = "Wrong IIN or password."
LOCKED = "Too many failed attempts to log in."
EXISTS = "An account with this IIN already exists. Log in or reset your password."


def _page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("page")


# The fallback of ``cabinet_home_url`` when an URLconf has no cabinet home page.
class _WithoutCabinetHome:
    urlpatterns = [
        path("", _page, name="home"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("cabinet/", include("applicants.citizen_urls")),
    ]


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "iin": IIN,
        "last_name": "Жумабаев",
        "first_name": "Ерлан",
        "patronymic": "Болатович",
        "phone": "8 (701) 234-56-78",
        "email": "erlan@example.kz",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
    }
    data.update(changes)
    return data


def register(client: Client, **changes: str) -> HttpResponse:
    return client.post(reverse("cabinet:register"), form_data(**changes), HTTP_ACCEPT_LANGUAGE="en")


def log_in(client: Client, iin: str, password: str = PASSWORD) -> HttpResponse:
    """Post the cabinet login form; the page answers in English (the
    assertions read the English source messages)."""
    return client.post(
        reverse("cabinet:login"), {"iin": iin, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def error_summary(text: str) -> str:
    start = text.index('id="error-summary"')
    return text[start : text.index("</div>", start)]


@pytest.fixture
def citizen_account() -> User:
    user = UserFactory(username=IIN, iin=IIN, email="erlan@example.kz")
    ApplicantFactory(iin=IIN, user=user)
    return user


# --- P1: registration -------------------------------------------------------------------


def test_a_citizen_registers_is_linked_to_a_new_applicant_record_logged_in_and_audited(
    client: Client,
) -> None:
    response = register(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:home")
    user = User.objects.get(iin=IIN)
    assert (user.username, user.last_name, user.first_name, user.patronymic) == (
        IIN,
        "Жумабаев",
        "Ерлан",
        "Болатович",
    )
    assert user.email == "erlan@example.kz"
    assert user.office is None
    assert user.check_password(PASSWORD)
    applicant = Applicant.objects.get(iin=IIN)
    assert applicant.user == user
    assert applicant.phone == "+7 701 234 56 78"
    assert client.session["_auth_user_id"] == str(user.pk)
    entry = AuditEntry.objects.get(action="citizen_register")
    assert (entry.actor, entry.succeeded) == (user, True)
    assert entry.changes == {"applicant": applicant.pk, "applicant_record": "created"}


def test_registration_goes_to_the_home_page_while_the_cabinet_home_is_not_mounted(
    client: Client, settings: object
) -> None:
    settings.ROOT_URLCONF = _WithoutCabinetHome  # type: ignore[attr-defined]

    response = register(client)

    assert response["Location"] == "/"


def test_an_iin_with_a_wrong_check_digit_is_named_the_form_is_kept_and_nothing_is_created(
    client: Client,
) -> None:
    response = register(client, iin="931002451326", last_name="Жумабаев-Оглы")

    text = response.content.decode()
    assert response.status_code == 200
    assert "wrong check digit" in error_summary(text)
    assert 'href="#id_iin"' in text
    assert 'id="id_iin_error"' in text
    assert 'value="931002451326"' in text
    assert 'value="Жумабаев-Оглы"' in text
    assert 'value="8 (701) 234-56-78"' in text  # as typed, not as it would be stored
    assert PASSWORD not in text
    assert not User.objects.exists()
    assert not Applicant.objects.exists()
    assert "_auth_user_id" not in client.session


def test_an_iin_that_already_has_an_account_gets_a_plain_message_and_the_refusal_is_audited(
    client: Client, citizen_account: User
) -> None:
    response = register(client, email="someone.else@example.kz")

    text = response.content.decode()
    assert EXISTS in error_summary(text)
    assert 'id="id_iin_error"' in text
    assert User.objects.count() == 1
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="citizen_register")
    assert (entry.succeeded, entry.target_id) == (False, str(citizen_account.pk))


def test_a_weak_password_is_refused_with_the_validators_messages(client: Client) -> None:
    response = register(client, password="12345678", password_confirmation="12345678")

    text = response.content.decode()
    assert 'href="#id_password"' in text
    assert "This password is entirely numeric." in text
    assert "This password is too common." in text
    assert not User.objects.exists()


def test_a_password_like_the_iin_is_refused(client: Client) -> None:
    response = register(client, password=f"{IIN}x", password_confirmation=f"{IIN}x")

    assert "The password is too similar to the" in response.content.decode()
    assert not User.objects.exists()


def test_passwords_that_do_not_match_are_named_beside_the_second_field(client: Client) -> None:
    text = register(client, password_confirmation="correct horse battery stapler").content.decode()

    assert 'href="#id_password_confirmation">The passwords do not match.' in text
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12345", "Enter the phone number with all its digits"),
        ("+7 901 234 56 78", "This is not a Kazakhstan number"),
        ("+998 90 123 45 67", "Only Kazakhstan numbers are accepted"),
        ("8 701 ABC 56 78", "A phone number has digits only"),
    ],
)
def test_a_phone_number_that_is_not_kazakh_mobile_format_is_explained(
    client: Client, typed: str, message: str
) -> None:
    response = register(client, phone=typed)

    text = response.content.decode()
    assert message in error_summary(text)
    assert 'href="#id_phone"' in text
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "typed", ["+7 701 234 56 78", "+77012345678", "87012345678", "8 (701) 234-56-78", "7012345678"]
)
def test_the_usual_ways_of_writing_a_kazakh_number_are_stored_one_way(typed: str) -> None:
    assert kz_phone_normalise(typed) == "+7 701 234 56 78"


def test_empty_required_fields_are_each_named_and_the_patronymic_is_optional(client: Client) -> None:
    text = client.post(reverse("cabinet:register"), {}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for message in (
        "Enter your IIN.",
        "Enter your last name.",
        "Enter your first name.",
        "Enter a password.",
    ):
        assert message in error_summary(text)
    assert 'href="#id_patronymic"' not in text


def test_registering_links_the_record_the_centre_made_keeping_its_names_and_taking_the_contacts(
    client: Client,
) -> None:
    record = ApplicantFactory(
        iin=IIN, last_name="Жұмабаев", first_name="Ерлан", phone="+7 700 000 00 00", email=""
    )

    response = register(client, last_name="Жумабаев")

    assert response.status_code == 302
    user = User.objects.get(iin=IIN)
    record.refresh_from_db()
    assert record.user == user
    assert (record.last_name, record.phone, record.email) == (
        "Жұмабаев",
        "+7 701 234 56 78",
        "erlan@example.kz",
    )
    assert Applicant.objects.count() == 1
    update = AuditEntry.objects.get(action="applicant_update")
    assert update.actor == user
    assert update.changes["phone"] == {"from": "+7 700 000 00 00", "to": "+7 701 234 56 78"}
    registered = AuditEntry.objects.get(action="citizen_register")
    assert registered.changes == {"applicant": record.pk, "applicant_record": "linked"}


def test_an_account_saved_by_a_parallel_registration_is_refused_cleanly(
    citizen_account: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_lookup = services._account_with_iin
    calls: list[str] = []

    def misses_once(iin: str) -> User | None:
        # The other registration commits just after this one looked.
        calls.append(iin)
        return None if len(calls) == 1 else real_lookup(iin)

    monkeypatch.setattr(services, "_account_with_iin", misses_once)

    with pytest.raises(ValidationError) as caught:
        services.citizen_register(
            iin=IIN,
            last_name="Жумабаев",
            first_name="Ерлан",
            patronymic="",
            phone="+7 701 234 56 78",
            email="erlan@example.kz",
            password=PASSWORD,
        )

    assert caught.value.message_dict == {"iin": [EXISTS]}
    assert User.objects.count() == 1
    assert AuditEntry.objects.get(action="citizen_register").succeeded is False


def test_a_safe_next_address_is_followed_after_registration(client: Client) -> None:
    response = client.post(
        f"{reverse('cabinet:register')}?next=/cabinet/applications/", form_data(), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response["Location"] == "/cabinet/applications/"


# --- P2–P4: login -------------------------------------------------------------------------


def test_a_citizen_logs_in_with_the_iin_and_lands_in_the_cabinet(
    client: Client, citizen_account: User
) -> None:
    response = log_in(client, IIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("cabinet:home")
    assert client.session["_auth_user_id"] == str(citizen_account.pk)
    entry = AuditEntry.objects.get(action="login")
    assert entry.actor == citizen_account
    assert entry.remark.startswith("citizen login")


def test_an_iin_typed_with_spaces_logs_in_too(client: Client, citizen_account: User) -> None:
    assert log_in(client, "931002 451325").status_code == 302


def test_a_safe_next_address_is_honoured_and_a_foreign_one_ignored(
    client: Client, citizen_account: User
) -> None:
    url = reverse("cabinet:login")
    data = {"iin": IIN, "password": PASSWORD}

    assert client.post(f"{url}?next=/cabinet/applications/", data)["Location"] == "/cabinet/applications/"
    client.logout()
    assert client.post(f"{url}?next=https://evil.example/", data)["Location"] == reverse("cabinet:home")


def test_a_wrong_password_gets_the_generic_message_keeps_the_iin_and_is_audited(
    client: Client, citizen_account: User
) -> None:
    response = log_in(client, IIN, "Tr0ub4dor&3")

    text = response.content.decode()
    assert response.status_code == 200
    assert WRONG in error_summary(text)
    assert 'href="#id_password"' in text
    assert 'id="id_password_error"' in text
    assert f'value="{IIN}"' in text
    assert "Tr0ub4dor" not in text
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="login_failed")
    assert (entry.actor, entry.succeeded, entry.target_id) == (None, False, str(citizen_account.pk))
    assert IIN not in entry.remark
    assert entry.remark.startswith("citizen login")


def test_an_unknown_iin_gets_exactly_the_same_answer_as_a_wrong_password(
    client: Client, citizen_account: User
) -> None:
    wrong_password = log_in(client, IIN, "nope").content.decode()
    unknown = log_in(client, OTHER_IIN, "nope").content.decode()

    assert WRONG in unknown
    assert error_summary(unknown) == error_summary(wrong_password)


def test_a_malformed_iin_is_named_and_not_counted_as_an_attempt(client: Client) -> None:
    text = log_in(client, "93100245132", "nope").content.decode()

    assert "must have 12 digits" in error_summary(text)
    assert WRONG not in text
    assert not LoginAttempt.objects.exists()


def test_a_staff_member_cannot_log_in_at_the_citizen_door(client: Client, clerk: User) -> None:
    clerk.iin = OTHER_IIN
    clerk.save(update_fields=["iin"])

    response = log_in(client, OTHER_IIN)

    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "not a citizen account" in AuditEntry.objects.get(action="login_failed").remark


def test_the_sixth_attempt_after_five_failures_is_locked_even_with_the_right_password(
    client: Client, citizen_account: User
) -> None:
    for _ in range(5):
        log_in(client, IIN, "nope")

    response = log_in(client, IIN)

    text = response.content.decode()
    assert LOCKED in text
    assert WRONG not in text
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_locked").count() == 2


def test_failures_at_the_staff_door_count_at_the_citizen_door(client: Client, citizen_account: User) -> None:
    for _ in range(5):
        client.post(
            reverse("applicants:staff-login"),
            {"username": IIN, "password": "nope"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert LOCKED in log_in(client, IIN).content.decode()


def test_logout_logs_out_is_audited_and_returns_to_the_login_page(
    client: Client, citizen_account: User
) -> None:
    client.force_login(citizen_account)

    response = client.post(reverse("cabinet:logout"))

    assert response["Location"] == reverse("cabinet:login")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="logout").actor == citizen_account


def test_a_get_request_does_not_log_out(client: Client, citizen_account: User) -> None:
    client.force_login(citizen_account)

    assert client.get(reverse("cabinet:logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(citizen_account.pk)


# --- Password reset by e-mail -------------------------------------------------------------


def reset_link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+)", str(message.body))
    assert found is not None, message.body
    return found.group(1)


def without_csrf_tokens(text: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_a_password_reset_sends_a_link_that_sets_a_new_password(
    client: Client, citizen_account: User
) -> None:
    response = client.post(
        reverse("cabinet:password-reset"), {"email": "Erlan@example.kz"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response["Location"] == reverse("cabinet:password-reset-done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["erlan@example.kz"]
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done["Location"] == reverse("cabinet:password-reset-complete")
    citizen_account.refresh_from_db()
    assert citizen_account.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.get(action="password_reset").actor == citizen_account
    assert log_in(Client(), IIN, NEW_PASSWORD).status_code == 302
    assert (
        "This link does not work" in client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_an_unknown_address_gets_the_same_page_and_no_e_mail(client: Client, citizen_account: User) -> None:
    known = client.post(
        reverse("cabinet:password-reset"),
        {"email": "erlan@example.kz"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    mail.outbox.clear()

    unknown = client.post(
        reverse("cabinet:password-reset"),
        {"email": "nobody@example.kz"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert unknown.redirect_chain == known.redirect_chain
    assert without_csrf_tokens(unknown.content.decode()) == without_csrf_tokens(known.content.decode())
    assert mail.outbox == []


def test_a_staff_address_gets_no_reset_link_from_the_cabinet(client: Client, clerk: User) -> None:
    clerk.email = "clerk@example.kz"
    clerk.save(update_fields=["email"])

    response = client.post(
        reverse("cabinet:password-reset"), {"email": "clerk@example.kz"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response["Location"] == reverse("cabinet:password-reset-done")
    assert mail.outbox == []


def test_the_reset_e_mail_is_written_in_the_language_of_the_request(
    client: Client, citizen_account: User
) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "kk"

    client.post(reverse("cabinet:password-reset"), {"email": "erlan@example.kz"})

    with translation.override("kk"):
        signature = translation.gettext("Employment centre e-services")
    assert signature != "Employment centre e-services"
    assert signature in str(mail.outbox[0].body)


def test_a_mistyped_address_is_explained(client: Client) -> None:
    text = client.post(
        reverse("cabinet:password-reset"), {"email": "erlan@"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'href="#id_email">Enter an e-mail address in the right format' in text
    assert 'value="erlan@"' in text


# --- Languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize(
    "url_name", ["cabinet:register", "cabinet:login", "cabinet:password-reset", "cabinet:password-reset-done"]
)
def test_the_pages_render_in_russian_and_kazakh(client: Client, url_name: str, lang: str) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert f'lang="{lang}"' in response.content.decode()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_refused_registration_renders_in_russian_and_kazakh(client: Client, lang: str) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang

    response = client.post(reverse("cabinet:register"), form_data(iin="931002451326"))

    text = response.content.decode()
    assert f'lang="{lang}"' in text
    assert 'id="error-summary"' in text
    assert not User.objects.exists()
