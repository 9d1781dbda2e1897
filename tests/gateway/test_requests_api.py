"""P8: the national portal delivers signed requests through the gateway's
REST API; they are checked as the portal checks its own (P6), registered
once per message id, and every refusal is an RFC 7807 problem with its own
code and an audit record."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from applicants.models import Applicant
from audit.models import AuditEntry
from gateway.constants import MAX_BODY_BYTES, MAX_DATA_BYTES
from gateway.models import GatewayRequest
from reglament.models import Office
from services.constants import Channel, State
from services.models import Application
from tests.factories import UserFactory, valid_iin
from tests.gateway.conftest import API, Credentials, get, message, person, post, sign
from tests.signing import citizen_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Client:
    return Client()


def refusals(credentials: Credentials) -> list[dict[str, Any]]:
    return [
        entry.changes
        for entry in AuditEntry.objects.filter(
            action="gateway_receive", succeeded=False, target_id=str(credentials.client.pk)
        ).order_by("pk")
    ]


def assert_problem(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    if field is not None:
        assert body["field"] == field
    return body


def assert_nothing_made() -> None:
    assert not Application.objects.exists()
    assert not GatewayRequest.objects.exists()


# --- accepted ----------------------------------------------------------------------


def test_a_signed_request_is_registered_and_answered_with_its_correlation_id(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    who = person()
    response = post(api, egov, message(who, office=aktau))

    assert response.status_code == 201, response.content
    body = response.json()
    application = Application.objects.get()
    assert application.channel == Channel.GATEWAY
    assert application.state == State.REGISTERED
    assert application.applicant.iin == who.iin
    assert application.data["specialty"] == "водитель"
    assert body["status"] == State.REGISTERED
    assert body["number"] == application.number
    assert body["correlationId"] == str(application.gateway_request.correlation_id)
    assert response["Location"].endswith(f"{API}{body['correlationId']}/")


def test_the_same_message_id_twice_makes_one_application_and_the_same_answer(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau)

    first = post(api, egov, body)
    second = post(api, egov, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Application.objects.count() == 1
    assert GatewayRequest.objects.count() == 1


def test_the_same_message_id_with_different_content_is_a_conflict(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    who = person()
    body = message(who, office=aktau)
    post(api, egov, body)
    changed = message(who, office=aktau, messageId=body["messageId"], data={"specialty": "сварщик"})

    response = post(api, egov, changed)

    assert_problem(response, 409, "message_id_reused", "messageId")
    assert Application.objects.count() == 1
    assert refusals(egov)[-1]["refused"] == "message_id_reused"


def test_two_clients_may_use_the_same_message_id(
    api: Client, egov: Credentials, other_client: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau)

    assert post(api, egov, body).status_code == 201
    assert post(api, other_client, body).status_code == 201
    assert Application.objects.count() == 2


def test_a_known_applicant_keeps_the_record_the_staff_made(
    api: Client, egov: Credentials, aktau: Office, applicant: Applicant
) -> None:
    response = post(api, egov, message(applicant, office=aktau))

    assert response.status_code == 201
    assert Application.objects.get().applicant == applicant
    assert Applicant.objects.count() == 1


def test_a_referral_names_its_kind_of_measure(api: Client, egov: Credentials, aktau: Office) -> None:
    response = post(
        api, egov, message(person(), office=aktau, service_code="S3", measureKind="employment", data={})
    )

    assert response.status_code == 201, response.content
    assert Application.objects.get().measure_kind == "employment"


# --- refused: the signature (P6, P7) ---------------------------------------------------


def test_a_garbage_signature_is_refused_with_its_own_code(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau)
    body["signature"] = base64.b64encode(b"not a CMS signature at all").decode()

    assert_problem(post(api, egov, body), 422, "garbage", "signature")
    assert_nothing_made()
    assert refusals(egov)[-1] == {"refused": "garbage", "message_id": body["messageId"]}


def test_a_signature_of_other_content_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    who = person()
    body = message(who, office=aktau)
    body["data"] = {"specialty": "сварщик"}  # changed after signing

    assert_problem(post(api, egov, body), 422, "digest_mismatch", "signature")
    assert_nothing_made()


def test_a_signature_by_another_person_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    who, someone_else = person(), person()
    body = message(who, office=aktau, cert=citizen_certificate(someone_else))

    assert_problem(post(api, egov, body), 422, "iin_mismatch", "signature")
    assert_nothing_made()


def test_an_authentication_key_does_not_sign_requests(api: Client, egov: Credentials, aktau: Office) -> None:
    who = person()
    body = message(who, office=aktau, cert=citizen_certificate(who, "auth"))

    assert_problem(post(api, egov, body), 422, "wrong_key_usage", "signature")


def test_a_signature_that_is_not_base64_is_malformed(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau)
    body["signature"] = "this is not base64!"

    assert_problem(post(api, egov, body), 400, "signature_not_base64", "signature")
    assert refusals(egov)[-1]["refused"] == "signature_not_base64"


# --- refused: what the message asks for -----------------------------------------------


def test_an_unknown_service_is_refused_with_its_own_code(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau, service_code="S9")

    assert_problem(post(api, egov, body), 422, "unknown_service", "serviceCode")
    assert_nothing_made()
    assert refusals(egov)[-1]["refused"] == "unknown_service"


def test_registration_as_unemployed_is_served_at_the_desk_only(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau, service_code="S2")

    assert_problem(post(api, egov, body), 422, "chancellery_only", "serviceCode")
    assert_nothing_made()


def test_an_unknown_office_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=Office(code="NOWHERE"))

    assert_problem(post(api, egov, body), 422, "unknown_office", "officeCode")
    assert_nothing_made()


def test_a_referral_without_its_kind_of_measure_is_refused(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    body = message(person(), office=aktau, service_code="S3", data={"programme": 1})

    assert_problem(post(api, egov, body), 422, "measure_kind_required", "measureKind")
    assert_nothing_made()


def test_data_the_service_does_not_take_are_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau, data={"favourite_colour": "green"})

    assert_problem(post(api, egov, body), 422, "invalid_data", "data")
    assert_nothing_made()


# --- refused: the form of the message --------------------------------------------------


def test_a_malformed_iin_is_refused_with_its_own_code(api: Client, egov: Credentials, aktau: Office) -> None:
    who = person()
    iin = valid_iin()
    who.iin = iin[:11] + str((int(iin[11]) + 1) % 10)  # a wrong check digit

    body = assert_problem(
        post(api, egov, message(who, office=aktau)), 400, "iin_check_digit", "applicant.iin"
    )

    assert "check digit" in body["detail"]
    assert body["errors"][0] == {
        "field": "applicant.iin",
        "code": "iin_check_digit",
        "detail": body["detail"],
    }
    assert_nothing_made()
    assert refusals(egov)[-1]["refused"] == "iin_check_digit"


def test_an_iin_of_eleven_digits_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    who, signer = person(), person()
    who.iin = who.iin[:11]
    body = message(who, office=aktau, cert=citizen_certificate(signer))

    assert_problem(post(api, egov, body), 400, "iin_length", "applicant.iin")


def test_a_body_that_is_not_json_is_refused(api: Client, egov: Credentials) -> None:
    assert_problem(post(api, egov, '{"messageId": '), 400, "malformed_json")
    assert refusals(egov)[-1]["refused"] == "malformed_json"


def test_a_json_array_is_refused(api: Client, egov: Credentials) -> None:
    assert_problem(post(api, egov, "[1, 2]"), 400, "invalid")


def test_a_number_where_text_is_expected_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau)
    body["serviceCode"] = 1

    assert_problem(post(api, egov, body), 400, "not_a_string", "serviceCode")


def test_a_message_id_that_is_not_a_uuid_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau, messageId="42")

    assert_problem(post(api, egov, body), 400, "invalid", "messageId")


def test_missing_fields_are_all_listed(api: Client, egov: Credentials) -> None:
    body = assert_problem(post(api, egov, {"applicant": {}}), 400, "required")

    fields = {error["field"] for error in body["errors"]}
    assert {"messageId", "serviceCode", "signature", "applicant.iin", "applicant.lastName"} <= fields


def test_an_unknown_field_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau)
    body["sessionId"] = "abc"

    assert_problem(post(api, egov, body), 400, "unknown_field", "sessionId")


def test_a_body_that_is_too_large_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau, data={"work_history": "x" * (MAX_BODY_BYTES + 1)})

    assert_problem(post(api, egov, body), 413, "too_large")
    assert_nothing_made()


def test_data_over_their_limit_are_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau, data={"work_history": "x" * (MAX_DATA_BYTES + 1)})

    assert_problem(post(api, egov, body), 400, "data_too_large", "data")


def test_a_form_post_is_an_unsupported_media_type(api: Client, egov: Credentials) -> None:
    response = api.post(API, data={"messageId": "x"}, HTTP_AUTHORIZATION=egov.header)

    assert_problem(response, 415, "unsupported_media_type")


def test_a_signed_message_keeps_its_exact_bytes(api: Client, egov: Credentials, aktau: Office) -> None:
    body = message(person(), office=aktau)

    post(api, egov, body)

    stored = json.loads(bytes(GatewayRequest.objects.get().content))
    assert stored == {key: value for key, value in body.items() if key != "signature"}


# --- credentials ------------------------------------------------------------------------


def test_wrong_credentials_get_401(api: Client, egov: Credentials, aktau: Office) -> None:
    wrong = Credentials(client=egov.client, secret="not-the-secret")

    response = post(api, wrong, message(person(), office=aktau))

    assert_problem(response, 401, "credentials_invalid")
    assert response["WWW-Authenticate"].startswith("Gateway")
    assert_nothing_made()
    assert refusals(egov)[-1]["refused"] == "credentials_invalid"


def test_no_credentials_get_401(api: Client, aktau: Office) -> None:
    response = post(api, None, message(person(), office=aktau))

    assert_problem(response, 401, "not_authenticated")
    assert_nothing_made()


def test_an_unknown_key_id_gets_401(api: Client, egov: Credentials, aktau: Office) -> None:
    response = api.post(
        API,
        data=json.dumps(message(person(), office=aktau)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Gateway 0000000000000000:{egov.secret}",
    )

    assert_problem(response, 401, "credentials_invalid")


def test_a_malformed_authorization_header_gets_401(api: Client, egov: Credentials) -> None:
    response = api.post(API, data="{}", content_type="application/json", HTTP_AUTHORIZATION="Gateway nocolon")

    assert_problem(response, 401, "credentials_malformed")


def test_a_switched_off_client_is_refused(api: Client, egov: Credentials, aktau: Office) -> None:
    egov.client.is_active = False
    egov.client.save(update_fields=["is_active"])

    assert_problem(post(api, egov, message(person(), office=aktau)), 403, "client_inactive")
    assert_nothing_made()
    assert refusals(egov)[-1]["refused"] == "client_inactive"


# --- status --------------------------------------------------------------------------------


def test_a_client_reads_the_status_of_its_own_request(api: Client, egov: Credentials, aktau: Office) -> None:
    accepted = post(api, egov, message(person(), office=aktau)).json()

    response = get(api, egov, accepted["correlationId"])

    assert response.status_code == 200
    assert response.json() == accepted
    assert response.json()["result"] is None


def test_another_client_cannot_read_a_request_status(
    api: Client, egov: Credentials, other_client: Credentials, aktau: Office
) -> None:
    accepted = post(api, egov, message(person(), office=aktau)).json()

    assert_problem(get(api, other_client, accepted["correlationId"]), 404, "not_found")


def test_an_unknown_correlation_id_is_not_found(api: Client, egov: Credentials) -> None:
    assert_problem(get(api, egov, "not-a-uuid"), 404, "not_found")
    assert_problem(get(api, egov, "7d4a3c9e-2f61-4d1b-9a55-0b8e3f2c1a77"), 404, "not_found")


def test_reading_a_status_needs_credentials(api: Client, egov: Credentials, aktau: Office) -> None:
    accepted = post(api, egov, message(person(), office=aktau)).json()

    assert_problem(get(api, None, accepted["correlationId"]), 401, "not_authenticated")


def test_the_signature_covers_the_fields_as_sent(egov: Credentials, aktau: Office) -> None:
    """The client signs the canonical JSON of the fields it sends; key order
    in the body does not matter."""
    who = person()
    body = message(who, office=aktau)
    reordered = dict(reversed(list(body.items())))

    assert sign({k: v for k, v in reordered.items() if k != "signature"}, citizen_certificate(who))
    assert post(Client(), egov, reordered).status_code == 201


def test_a_citizens_session_does_not_open_the_gateway_api(
    api: Client, egov: Credentials, aktau: Office
) -> None:
    """Even the applicant of the request, logged in to the cabinet, reads
    nothing through the gateway API: it answers client systems only."""
    who = person()
    accepted = post(api, egov, message(who, office=aktau)).json()
    user = UserFactory(username=who.iin, iin=who.iin)
    Applicant.objects.filter(iin=who.iin).update(user=user)
    api.force_login(user)

    assert_problem(get(api, None, accepted["correlationId"]), 401, "not_authenticated")
    assert post(api, None, message(person(), office=aktau)).status_code == 401
