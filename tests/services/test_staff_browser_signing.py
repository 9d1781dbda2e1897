"""Executors sign results and motivated refusals in the browser through
NCALayer: the page prepares the exact document, NCALayer (here the
development stand-in, holding the executor's key) signs it, and the portal
checks the signature in full before the result is stored. Signing with the
keys the portal keeps is only an explicit option (STAFF_SERVER_SIGNING)."""

from __future__ import annotations

import asyncio
import base64
import datetime
import html
import io
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from websockets.sync.client import connect

from applicants.models import Applicant, User
from audit.models import AuditEntry
from pki.ca import issue_certificate
from pki.cms import sign_detached, verify_detached
from pki.selectors import staff_certificate_current
from pki.services import staff_signing_key
from services import services as svc
from services.constants import ResultKind, State
from services.management.commands import ncalayer_standin as standin
from services.models import Application, ResultDocument
from tests.flows import desk_application, ground
from tests.signing import citizen_certificate, trusted_test_ca

pytestmark = pytest.mark.django_db

SIGNING_KEY_USAGE = "1.3.6.1.5.5.7.3.4"
RESULT_TEXT = "Зарегистрирован в качестве безработного."

CHANGED = "The result changed after it was prepared for signing; check it, prepare it again and sign it."
OTHER_BYTES = (
    "The signature is for a different document, not for this result; "
    "prepare the document for signing and sign it."
)
ANOTHER_EXECUTOR = "The signature was made with another staff member's certificate; sign with your own key."
NOT_STAFF = (
    "The signature was not made with a staff signing certificate of the employment centre "
    "(perhaps with a personal one); sign with your staff signing key."
)
AUTH_KEY = (
    "This certificate is not for signing documents (it is an authentication key); "
    "please sign with your signing key."
)
GARBAGE = "The file is not a signature the portal can read (a CMS/PKCS#7 signature is expected)."
EXPIRED_PREPARATION = "The document was prepared more than 30 minutes ago; prepare it for signing again."
FUTURE_PREPARATION = "The time the document was prepared lies in the future; prepare it for signing again."
BEFORE_TAKE = "The document was prepared before you took this request; prepare it for signing again."
SERVER_SIGNING_OFF = "The portal does not sign with the keys it keeps: prepare the document for signing and sign it with NCALayer."


@pytest.fixture
def client(client: Client) -> Client:
    """The pages in English, as the assertions read them (Russian is the default)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture(autouse=True)
def _trusted_test_ca() -> None:
    """The staff keys and the citizens' keys come from the session's test CA, trusted."""
    trusted_test_ca()


@pytest.fixture
def in_review(clerk: User, executor: User, applicant: Applicant) -> Application:
    return desk_application(clerk=clerk, executor=executor, applicant=applicant, until=State.IN_REVIEW)


def executor_key(user: User) -> standin.StandIn:
    """What NCALayer holds for a staff member: the key the portal issued them."""
    return standin.load_staff_stand_in(user.get_username())


def ncalayer_sign(ring: standin.KeyRing, document: bytes, *, iin: str) -> bytes:
    """The request static/js/ncalayer.js sends, answered as NCALayer answers it."""
    reply = ring.answer(
        json.dumps(
            {
                "module": standin.MODULE,
                "method": "sign",
                "args": {
                    "allowedStorages": ["PKCS12", "AKKZIDCardStore"],
                    "format": "cms",
                    "data": base64.b64encode(document).decode("ascii"),
                    "signingParams": {"decode": True, "encapsulate": False, "digested": False},
                    "signerParams": {"extKeyUsageOids": [SIGNING_KEY_USAGE], "iin": iin},
                    "locale": "en",
                },
            }
        )
    )
    assert reply["status"] is True, reply
    return base64.b64decode(reply["body"]["result"][0])


def sign_with(key: Any, certificate: Any, data: bytes) -> bytes:
    return sign_detached(data=data, key=key, certificate=certificate)


def assert_refused_and_unchanged(
    application: Application,
    executor: User,
    *,
    message: str,
    code: str,
    action: str = "sign_result",
    **kwargs: Any,
) -> None:
    """Refused with exactly ``message``; the request still in review with
    no result; the refusal audited with its code."""
    sign = svc.application_refuse if action == "refuse" else svc.application_sign_result
    with pytest.raises(svc.ServiceError) as caught:
        sign(application_id=application.pk, executor=executor, **kwargs)

    assert caught.value.message == message
    assert caught.value.code == code
    stored = Application.objects.get(pk=application.pk)
    assert stored.state == State.IN_REVIEW
    assert stored.result_text == "" and stored.refusal_ground is None and stored.decided_at is None
    assert not ResultDocument.objects.filter(application=application).exists()
    assert stored.steps.get(code="review").finished_at is None
    refusal = AuditEntry.objects.filter(action=action, succeeded=False).get()
    assert refusal.remark == message
    assert refusal.changes == {"refused": code}


def prepare(application: Application, executor: User, text: str = RESULT_TEXT) -> svc.PreparedResult:
    return svc.result_prepare(application_id=application.pk, executor=executor, result_text=text)


# --- the page, end to end -----------------------------------------------------------


def hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def attribute(page: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', page)
    assert found, f"no attribute {name}"
    return html.unescape(found.group(1))


def test_a_result_signed_in_the_browser_by_the_executor_is_stored_and_verifies_with_openssl(
    client: Client,
    in_review: Application,
    executor: User,
    applicant: Applicant,
    settings: Any,
    tmp_path: Path,
) -> None:
    client.force_login(executor)
    prepared = client.post(
        reverse("services:sign-result-prepare", args=[in_review.pk]), {"result_text": RESULT_TEXT}
    )
    page = prepared.content.decode()
    assert prepared.status_code == 200
    assert "Sign with NCALayer" in page
    assert RESULT_TEXT in page  # the document shown readable
    iin = attribute(page, "data-iin")
    document = base64.b64decode(attribute(page, "data-document"))
    assert json.loads(document)["text"] == RESULT_TEXT
    assert Application.objects.get(pk=in_review.pk).state == State.IN_REVIEW  # preparing changes nothing

    # One stand-in with the citizen's key and the executor's: the page's IIN picks the executor's.
    citizen = citizen_certificate(applicant)
    ring = standin.KeyRing(
        keys=[standin.StandIn(key=citizen.key, certificate=citizen.certificate), executor_key(executor)]
    )
    signature = ncalayer_sign(ring, document, iin=iin)
    response = client.post(
        reverse("services:sign-result-signed", args=[in_review.pk]),
        {
            "result_text": hidden(page, "result_text"),
            "vacancy": hidden(page, "vacancy"),
            "programme": hidden(page, "programme"),
            "signed_at": hidden(page, "signed_at"),
            "document": base64.b64encode(document).decode(),
            "signature": base64.b64encode(signature).decode(),
        },
    )

    assert response.status_code == 302
    stored = Application.objects.get(pk=in_review.pk)
    assert stored.state == State.RESULT_SIGNED
    assert stored.steps.get(code="review").finished_at is not None
    assert stored.steps.get(code="issuance").finished_at is None
    result = stored.result
    assert bytes(result.content) == document
    assert bytes(result.signature) == signature
    assert result.certificate_serial == staff_certificate_current(user=executor).serial  # type: ignore[union-attr]
    assert result.signed_at.isoformat() == json.loads(document)["signed_at"]
    assert AuditEntry.objects.get(action="sign_result").succeeded

    (tmp_path / "result.json").write_bytes(bytes(result.content))
    (tmp_path / "result.p7s").write_bytes(bytes(result.signature))
    verified = subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "result.p7s"),
            "-content",
            str(tmp_path / "result.json"),
            "-CAfile",
            str(Path(settings.PKI_CA_DIR) / "ca.cert.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr


def test_a_refusal_signed_in_the_browser_is_stored_as_a_motivated_refusal(
    client: Client, in_review: Application, executor: User
) -> None:
    client.force_login(executor)
    unreliable = ground("s2-unreliable-documents")
    page = client.post(
        reverse("services:refuse-prepare", args=[in_review.pk]),
        {"ground": unreliable.pk, "reason": "Сведения о стаже\r\nне подтверждены."},
    ).content.decode()
    document = base64.b64decode(attribute(page, "data-document"))
    assert json.loads(document)["ground"] == unreliable.code
    assert json.loads(document)["text"] == "Сведения о стаже\nне подтверждены."
    signature = ncalayer_sign(
        standin.KeyRing(keys=[executor_key(executor)]), document, iin=attribute(page, "data-iin")
    )

    response = client.post(
        reverse("services:refuse-signed", args=[in_review.pk]),
        {
            "ground": hidden(page, "ground"),
            "reason": hidden(page, "reason").replace("\n", "\r\n"),  # as a browser posts it
            "signed_at": hidden(page, "signed_at"),
            "document": base64.b64encode(document).decode(),
            "signature": base64.b64encode(signature).decode(),
        },
    )

    assert response.status_code == 302
    stored = Application.objects.get(pk=in_review.pk)
    assert stored.state == State.REFUSAL_SIGNED
    assert stored.refusal_reason == "Сведения о стаже\nне подтверждены."
    assert stored.result.kind == ResultKind.REFUSAL
    assert bytes(stored.result.content) == document


def test_a_refused_browser_signature_is_shown_on_the_page_with_the_form_kept(
    client: Client, in_review: Application, executor: User, second_executor: User
) -> None:
    client.force_login(executor)
    prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=second_executor))  # type: ignore[arg-type]

    response = client.post(
        reverse("services:sign-result-signed", args=[in_review.pk]),
        {
            "result_text": RESULT_TEXT,
            "signed_at": prepared.signed_at.isoformat(),
            "document": base64.b64encode(prepared.content).decode(),
            "signature": base64.b64encode(sign_with(key, certificate, prepared.content)).decode(),
        },
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert html.escape(ANOTHER_EXECUTOR) in page
    assert 'role="alert"' in page
    assert RESULT_TEXT in page  # the text kept in the form
    assert Application.objects.get(pk=in_review.pk).state == State.IN_REVIEW


def test_the_prepared_page_asks_ncalayer_for_the_executors_certificate_iin(
    client: Client, in_review: Application, executor: User
) -> None:
    client.force_login(executor)

    page = client.post(
        reverse("services:sign-result-prepare", args=[in_review.pk]), {"result_text": RESULT_TEXT}
    ).content.decode()

    assert attribute(page, "data-iin") == executor_key(executor).iin
    assert 'aria-live="polite"' in page
    assert 'id="staff-sign-error" class="alert alert-danger" role="alert" tabindex="-1" hidden' in page
    assert "js/sign-page.js" in page and "js/ncalayer.js" in page


# --- each refusal with its own message, nothing changed --------------------------------


def test_a_signature_with_another_executors_certificate_is_refused(
    in_review: Application, executor: User, second_executor: User
) -> None:
    prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=second_executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=ANOTHER_EXECUTOR,
        code="another_executor",
        result_text=RESULT_TEXT,
        signature=sign_with(key, certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_signature_with_a_citizens_certificate_is_refused(
    in_review: Application, executor: User, applicant: Applicant
) -> None:
    prepared = prepare(in_review, executor)
    citizen = citizen_certificate(applicant)

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=NOT_STAFF,
        code="not_staff_certificate",
        result_text=RESULT_TEXT,
        signature=sign_with(citizen.key, citizen.certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_certificate_with_the_executors_name_and_iin_but_not_theirs_is_refused(
    in_review: Application, executor: User
) -> None:
    prepared = prepare(in_review, executor)
    lookalike = issue_certificate(
        ca=trusted_test_ca(),
        iin=prepared.signer_iin or "",
        surname=executor.last_name,
        given_names=executor.first_name,
        purpose="sign",
    )

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=NOT_STAFF,
        code="not_staff_certificate",
        result_text=RESULT_TEXT,
        signature=sign_with(lookalike.key, lookalike.certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_signature_over_other_bytes_is_refused(in_review: Application, executor: User) -> None:
    prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=OTHER_BYTES,
        code="digest_mismatch",
        result_text=RESULT_TEXT,
        signature=sign_with(key, certificate, b"some other document"),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_result_text_changed_after_preparing_is_refused(in_review: Application, executor: User) -> None:
    prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=CHANGED,
        code="document_changed",
        result_text="Отказано.",
        signature=sign_with(key, certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_result_prepared_longer_ago_than_the_window_is_refused(
    in_review: Application, executor: User
) -> None:
    prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=executor))  # type: ignore[arg-type]
    signature = sign_with(key, certificate, prepared.content)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert_refused_and_unchanged(
            in_review,
            executor,
            message=EXPIRED_PREPARATION,
            code="signed_at_expired",
            result_text=RESULT_TEXT,
            signature=signature,
            signed_at=prepared.signed_at,
            signed_document=prepared.content,
        )


def test_a_preparation_time_in_the_future_is_refused(in_review: Application, executor: User) -> None:
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=FUTURE_PREPARATION,
        code="signed_at_future",
        result_text=RESULT_TEXT,
        signature=sign_with(key, certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_result_prepared_before_the_request_was_taken_is_refused(
    in_review: Application, executor: User
) -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=2)):
        prepared = prepare(in_review, executor)
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=BEFORE_TAKE,
        code="signed_at_before_take",
        result_text=RESULT_TEXT,
        signature=sign_with(key, certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_signature_made_with_an_authentication_key_is_refused(
    in_review: Application, executor: User
) -> None:
    prepared = prepare(in_review, executor)
    authentication = issue_certificate(
        ca=trusted_test_ca(),
        iin=prepared.signer_iin or "",
        surname=executor.last_name,
        given_names=executor.first_name,
        purpose="auth",
    )

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=AUTH_KEY,
        code="wrong_key_usage",
        result_text=RESULT_TEXT,
        signature=sign_with(authentication.key, authentication.certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_garbage_instead_of_a_cms_signature_is_refused(in_review: Application, executor: User) -> None:
    prepared = prepare(in_review, executor)

    assert_refused_and_unchanged(
        in_review,
        executor,
        message=GARBAGE,
        code="garbage",
        result_text=RESULT_TEXT,
        signature=b"0\x80 this is not CMS",
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_a_refusal_signed_with_another_executors_certificate_is_refused(
    in_review: Application, executor: User, second_executor: User
) -> None:
    unreliable = ground("s2-unreliable-documents")
    prepared = svc.refusal_prepare(
        application_id=in_review.pk, executor=executor, ground_id=unreliable.pk, reason="Не подтверждено."
    )
    key, certificate = staff_signing_key(staff_certificate=staff_certificate_current(user=second_executor))  # type: ignore[arg-type]

    assert_refused_and_unchanged(
        in_review,
        executor,
        action="refuse",
        message=ANOTHER_EXECUTOR,
        code="another_executor",
        ground_id=unreliable.pk,
        reason="Не подтверждено.",
        signature=sign_with(key, certificate, prepared.content),
        signed_at=prepared.signed_at,
        signed_document=prepared.content,
    )


def test_preparing_by_someone_who_did_not_take_the_request_is_refused_and_audited(
    in_review: Application, second_executor: User
) -> None:
    with pytest.raises(svc.NotPermitted):
        prepare(in_review, second_executor)

    assert AuditEntry.objects.filter(action="sign_result", succeeded=False).count() == 1
    assert Application.objects.get(pk=in_review.pk).state == State.IN_REVIEW


# --- server-side signing only as an explicit option -----------------------------------


def test_with_server_signing_off_the_portal_does_not_sign_with_the_key_it_keeps(
    in_review: Application, executor: User, settings: Any
) -> None:
    settings.STAFF_SERVER_SIGNING = False

    assert_refused_and_unchanged(
        in_review, executor, message=SERVER_SIGNING_OFF, code="server_signing_off", result_text=RESULT_TEXT
    )


def test_with_server_signing_off_the_page_offers_only_ncalayer_and_refuses_the_server_path(
    client: Client, in_review: Application, executor: User, settings: Any
) -> None:
    settings.STAFF_SERVER_SIGNING = False
    client.force_login(executor)

    page = client.get(reverse("services:application", args=[in_review.pk])).content.decode()
    response = client.post(reverse("services:sign-result", args=[in_review.pk]), {"result_text": RESULT_TEXT})

    assert "Prepare for signing" in page
    assert "Sign with my e-signature" not in page
    assert "Sign the refusal" not in page
    assert response.status_code == 422
    assert html.escape(SERVER_SIGNING_OFF) in response.content.decode()
    assert Application.objects.get(pk=in_review.pk).state == State.IN_REVIEW


def test_with_server_signing_on_the_page_offers_both_ways(
    client: Client, in_review: Application, executor: User, settings: Any
) -> None:
    settings.STAFF_SERVER_SIGNING = True
    client.force_login(executor)

    page = client.get(reverse("services:application", args=[in_review.pk])).content.decode()

    assert "Prepare for signing" in page
    assert "Sign with my e-signature" in page


# --- the NCALayer stand-in holds several keys ---------------------------------------


def serve_command(
    monkeypatch: pytest.MonkeyPatch, *arguments: str, requests: list[dict[str, Any]]
) -> list[Any]:
    """Run ``manage.py ncalayer_standin`` with ``arguments``; a websocket
    client sends ``requests`` to its server, then the server is stopped.
    Returns the greeting and the replies."""
    real_run = standin.run_stand_in
    replies: list[Any] = []

    async def run_until_the_client_is_done(stand_in: Any, **options: Any) -> None:
        loop, done = asyncio.get_running_loop(), asyncio.Event()
        announce: Callable[[str, int], None] | None = options.pop("ready")

        def client(host: str, port: int) -> None:
            try:
                with connect(f"ws://{host}:{port}/") as socket:
                    replies.append(json.loads(socket.recv(timeout=10)))
                    for request in requests:
                        socket.send(json.dumps(request))
                        replies.append(json.loads(socket.recv(timeout=10)))
            finally:
                loop.call_soon_threadsafe(done.set)

        def ready(host: str, port: int) -> None:
            if announce is not None:
                announce(host, port)
            threading.Thread(target=client, args=(host, port), daemon=True).start()

        options.pop("stop", None)
        await real_run(stand_in, **options, ready=ready, stop=done)

    monkeypatch.setattr(standin, "run_stand_in", run_until_the_client_is_done)
    call_command("ncalayer_standin", *arguments, "--port", "0", stdout=io.StringIO())
    return replies


def sign_request(document: bytes, iin: str) -> dict[str, Any]:
    return {
        "module": standin.MODULE,
        "method": "sign",
        "args": {
            "allowedStorages": ["PKCS12"],
            "format": "cms",
            "data": base64.b64encode(document).decode("ascii"),
            "signingParams": {"decode": True, "encapsulate": False, "digested": False},
            "signerParams": {"extKeyUsageOids": [SIGNING_KEY_USAGE], "iin": iin},
        },
    }


def test_the_stand_in_signs_with_the_key_whose_iin_the_page_asks_for(
    monkeypatch: pytest.MonkeyPatch, executor: User, applicant: Applicant, tmp_path: Path
) -> None:
    citizen = citizen_certificate(applicant)
    p12 = tmp_path / "citizen.p12"
    p12.write_bytes(citizen.to_pkcs12(b"citizen-password"))
    staff_iin = executor_key(executor).iin
    assert staff_iin is not None and staff_iin != applicant.iin
    document = b'{"a":"document"}'

    greeting, for_executor, for_citizen, for_nobody = serve_command(
        monkeypatch,
        "--p12",
        str(p12),
        "--password",
        "citizen-password",
        "--staff",
        executor.get_username(),
        requests=[
            sign_request(document, staff_iin),
            sign_request(document, applicant.iin),
            sign_request(document, "931002451325"),
        ],
    )

    assert greeting == {"result": {"version": standin.VERSION}}
    roots = [trusted_test_ca().certificate]
    by_executor = verify_detached(
        data=document, signature=base64.b64decode(for_executor["body"]["result"][0]), trusted_roots=roots
    )
    by_citizen = verify_detached(
        data=document, signature=base64.b64decode(for_citizen["body"]["result"][0]), trusted_roots=roots
    )
    assert by_executor.iin == staff_iin
    assert by_executor.serial == staff_certificate_current(user=executor).serial  # type: ignore[union-attr]
    assert by_citizen.iin == applicant.iin
    assert for_nobody["status"] is False and for_nobody["code"] == "no_suitable_key"


def test_the_stand_in_still_runs_with_a_single_key(
    monkeypatch: pytest.MonkeyPatch, applicant: Applicant, tmp_path: Path
) -> None:
    citizen = citizen_certificate(applicant)
    p12 = tmp_path / "citizen.p12"
    p12.write_bytes(citizen.to_pkcs12(b"pw"))

    _greeting, reply = serve_command(
        monkeypatch, "--p12", str(p12), "--password", "pw", requests=[sign_request(b"x", applicant.iin)]
    )

    signed = verify_detached(
        data=b"x",
        signature=base64.b64decode(reply["body"]["result"][0]),
        trusted_roots=[trusted_test_ca().certificate],
    )
    assert signed.iin == applicant.iin


def test_the_stand_in_wants_one_password_for_each_key_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="one --password for each --p12"):
        call_command(
            "ncalayer_standin",
            "--p12",
            str(tmp_path / "a.p12"),
            "--p12",
            str(tmp_path / "b.p12"),
            "--password",
            "x",
        )


def test_the_stand_in_refuses_a_staff_member_without_a_certificate(clerk: User) -> None:
    with pytest.raises(CommandError, match="has no valid signing certificate"):
        call_command("ncalayer_standin", "--staff", clerk.get_username())
