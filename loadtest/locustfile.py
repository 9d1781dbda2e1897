"""The portal's load test (issue 6, item 1): citizens, chancellery clerks and
executors working at the same time against gunicorn, PostgreSQL, Redis and
a Celery worker. Run by ``manage.py loadtest`` (``make loadtest``), which
seeds the accounts and writes the file named by ``LOADTEST_ACCOUNTS``;
see docs/performance.md.

Every request is named by its kind so that the report groups them:
``page: …`` (a GET of a page), ``form: …`` (a POST of a form), ``upload: …``,
``login: …`` and ``sign: …`` (a POST carrying a CMS signature). Signatures
are real: the client plays NCALayer and signs the exact bytes the page
offers (``data-document``) with the user's own key of the test CA, a
detached CMS as ``pki.cms.sign_detached`` makes it — citizens their
request (P5), executors their result (browser signing, as
``services/staff_signing_views.py`` expects).

No Django here: the client reads the pages' forms with
``loadtest.html_forms`` and posts what a browser would.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from locust import HttpUser, between, events, task
from locust.env import Environment

from loadtest.html_forms import Form, find_form, forms

ACCOUNTS: dict[str, Any] = {}
_counters: dict[str, itertools.count[int]] = {}
_lock = threading.Lock()

# Waits between two rounds of a user's work, in seconds (docs/performance.md).
CITIZEN_WAIT = (2.0, 5.0)
CLERK_WAIT = (1.0, 3.0)
EXECUTOR_WAIT = (1.0, 3.0)

REQUEST_PATH = re.compile(r"/staff/requests/(\d+)/")
S3_HEADING = re.compile(r'<p class="mb-0">S3 ')
# The eligibility panel of a referral marks a rule that is not met.
NOT_ELIGIBLE = 'data-passed="false"'
S1_ANSWERS = {
    "education_level": "vocational",
    "specialty": "Электромонтёр",
    "work_history": "ТОО «Мангистаумунайгаз», 2015–2023, электромонтёр",
    "desired_job": "Электромонтёр",
    "desired_pay": "250 000",
}


@events.init.add_listener
def _load_accounts(environment: Environment, **_kwargs: Any) -> None:
    path = os.environ.get("LOADTEST_ACCOUNTS", "")
    if not path:
        raise RuntimeError("LOADTEST_ACCOUNTS is not set: run the load test with manage.py loadtest.")
    ACCOUNTS.update(json.loads(Path(path).read_text()))


def _next(pool: str) -> dict[str, Any]:
    """The next account of a pool (round robin: more users than accounts share them)."""
    with _lock:
        counter = _counters.setdefault(pool, itertools.count())
        accounts = ACCOUNTS[pool]
        account: dict[str, Any] = accounts[next(counter) % len(accounts)]
        return account


def _fresh_iin() -> str:
    with _lock:
        pool: list[str] = ACCOUNTS["walk_in_iins"]
        if not pool:
            raise RuntimeError("The pool of walk-in IINs is used up: seed more (--walk-ins).")
        return pool.pop()


class Signer:
    """NCALayer's part: a detached CMS over the offered bytes (SHA-256, the
    signer's certificate included, signed attributes), as pki.cms makes it."""

    def __init__(self, key_path: str, cert_path: str) -> None:
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError(f"{key_path} holds no RSA or EC key")
        self.key = key
        self.certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())

    def sign(self, document_b64: str) -> str:
        der = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(base64.b64decode(document_b64))
            .add_signer(self.certificate, self.key, hashes.SHA256())
            .sign(
                serialization.Encoding.DER,
                [
                    pkcs7.PKCS7Options.DetachedSignature,
                    pkcs7.PKCS7Options.Binary,
                    pkcs7.PKCS7Options.NoCapabilities,
                ],
            )
        )
        return base64.b64encode(der).decode("ascii")


class PortalUser(HttpUser):
    """What every user of the portal does: pages and forms with named,
    checked requests. A redirect is followed by hand so the page it leads to
    is timed as its own kind."""

    abstract = True

    def on_start(self) -> None:
        self.client.cookies.set("django_language", "ru")

    def page(self, path: str, name: str, *, expect: int = 200) -> str:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}, expected {expect}")
                raise _Abandon(name)
            return str(response.text)

    def post(
        self,
        path: str,
        name: str,
        data: dict[str, str],
        *,
        expect: int = 302,
        location: str = "",
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> tuple[str, str]:
        """POST a form; returns (where it redirected, the page body)."""
        with self.client.post(
            path, data=data, files=files, name=name, catch_response=True, allow_redirects=False
        ) as response:
            target = str(response.headers.get("Location", ""))
            if response.status_code != expect:
                summary = re.search(r'role="alert"[^>]*>(.{0,300})', response.text, re.DOTALL)
                detail = re.sub(r"<[^>]+>|\s+", " ", summary.group(1)).strip() if summary else ""
                response.failure(f"HTTP {response.status_code}, expected {expect} {detail}".strip())
                raise _Abandon(name)
            if location and not re.search(location, target):
                response.failure(f"redirected to {target!r}, expected {location!r}")
                raise _Abandon(name)
            return target, str(response.text)

    def log_in(self, login_path: str, kind: str, **credentials: str) -> None:
        form = find_form(self.page(login_path, f"page: {kind} login"), has_field="password")
        self.post(login_path, f"login: {kind}", form.data(**credentials))


class _Abandon(Exception):
    """The round stops at a failed request (already recorded as a failure)."""


BARE = "bare: health"


def _round(method: Any) -> Any:
    """A task that gives up its round at the first failed request. Each
    round starts with the bare reference: ``/health/``, a Django view doing
    one ``SELECT 1``, timed under the same load (bench_all's reference)."""

    def run(self: PortalUser) -> None:
        try:
            self.page("/health/", BARE)
            method(self)
        except _Abandon:
            pass

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
    return run


class Citizen(PortalUser):
    """Logs in with IIN and password, files an S1 request (the first round)
    or an S3 referral (the next ones) with PDF documents, signs it and
    follows its status (P2–P10)."""

    weight = 3
    wait_time = between(*CITIZEN_WAIT)

    def on_start(self) -> None:
        super().on_start()
        account = _next("citizens")
        self.signer = Signer(account["key"], account["cert"])
        self.pdf = Path(ACCOUNTS["pdf"]).read_bytes()
        self.filed: list[str] = []
        try:
            self.log_in("/cabinet/login/", "citizen", iin=account["iin"], password=account["password"])
        except _Abandon:
            self.stop()

    @task
    @_round
    def file_and_sign_a_request(self) -> None:
        self.page("/cabinet/", "page: cabinet")
        # A person registers as a job seeker once (S1; a second registration
        # is refused at signing) and then asks for referrals (S3), which the
        # executor refuses while the S1 is not yet signed (eligibility).
        s3 = bool(self.filed)
        service = "S3" if s3 else "S1"
        new = find_form(
            self.page(f"/cabinet/requests/new/?service={service}", "page: new request"), has_field="service"
        )
        edit, _ = self.post(
            "/cabinet/requests/new/",
            "form: new request",
            new.data(
                service=service,
                office=str(ACCOUNTS["office_id"]),
                measure_kind="employment" if s3 else "",
            ),
            location=r"/cabinet/requests/\d+/edit/",
        )
        edit_path = edit.split("#")[0]
        draft_page = self.page(edit_path, "page: draft")
        draft = find_form(draft_page, action_contains="/edit/")
        answers = {} if s3 else S1_ANSWERS
        self.post(edit_path, "form: draft answers", draft.data(**answers, save="1"), location="/edit/")
        for upload in (f for f in forms(draft_page) if "/attachments/" in f.action and f.file_inputs):
            self.post(
                upload.action,
                "upload: document",
                upload.data(),
                files={upload.file_inputs[0]: ("document.pdf", self.pdf, "application/pdf")},
                location="/edit/",
            )
        sign_path, _ = self.post(
            edit_path,
            "form: continue to signing",
            draft.data(**answers, **{"continue": "1"}),
            location="/sign/",
        )
        signing = find_form(self.page(sign_path, "page: sign request"), attribute="data-ncalayer-sign")
        document = signing.attrs["data-document"]
        detail, _ = self.post(
            sign_path,
            "sign: citizen request",
            signing.data(signature=self.signer.sign(document), document=document),
            location=r"/cabinet/requests/\d+/$",
        )
        self.filed.append(detail)
        self.page(detail, "page: request status")
        # Following the status of an earlier request, as people come back to look.
        self.page(random.choice(self.filed), "page: request status")  # noqa: S311


class StaffUser(PortalUser):
    abstract = True
    pool = ""

    def on_start(self) -> None:
        super().on_start()
        self.account = _next(self.pool)
        try:
            self.log_in(
                "/staff/login/", "staff", username=self.account["username"], password=self.account["password"]
            )
        except _Abandon:
            self.stop()


class Clerk(StaffUser):
    """The chancellery's intake desk: registers a walk-in applicant (record,
    checklist, registration), issues a signed result with the journal
    signature, looks at the journal (G2 steps 1 and 3)."""

    weight = 1
    wait_time = between(*CLERK_WAIT)
    pool = "clerks"

    def on_start(self) -> None:
        super().on_start()
        with _lock:
            self.window = next(_counters.setdefault("windows", itertools.count()))

    @property
    def windows(self) -> int:
        """How many clerks are at work now (the windows the callers spread over)."""
        runner = self.environment.runner
        counts = runner.user_classes_count if runner is not None else {}
        return max(1, counts.get(type(self).__name__, 1))

    @task
    @_round
    def register_a_walk_in_and_issue_a_result(self) -> None:
        iin = _fresh_iin()
        desk = find_form(self.page(f"/staff/desk/?iin={iin}", "page: desk"), has_field="last_name")
        birth = datetime.date(
            1900 + int(iin[:2]) + (100 if iin[6] in "56" else 0), int(iin[2:4]), int(iin[4:6])
        )
        found, _ = self.post(
            f"/staff/desk/?iin={iin}",
            "form: create applicant",
            desk.data(
                last_name="Нурланова",
                first_name="Асель",
                patronymic="Ермековна",
                birth_date=birth.isoformat(),
                phone="+7 701 000 00 00",
            ),
            location=r"/staff/desk/\?iin=",
        )
        start = find_form(self.page(found, "page: desk"), has_field="applicant")
        service = random.choice(["S1", "S2", "S2"])  # noqa: S311 - the desk serves S2 most
        intake_path, _ = self.post(
            found,
            "form: start intake",
            start.data(service=str(ACCOUNTS["services"][service]), measure_kind=""),
            location=r"/staff/desk/intake/\d+/",
        )
        checklist = next(f for f in forms(self.page(intake_path, "page: intake")) if f.file_inputs)
        lines = {name.removesuffix("-document") for name, _ in checklist.fields if name.endswith("-document")}
        ticked: dict[str, str] = {}
        for line in lines:
            ticked.update(
                {
                    f"{line}-presented": "on",
                    f"{line}-number": "N 012345678",
                    f"{line}-issued_on": "2020-01-15",
                    f"{line}-expires_on": "2035-01-15",
                }
            )
        self.post(
            intake_path,
            "form: register",
            checklist.data(**ticked, action="register"),
            location=r"/staff/requests/\d+/",
        )

        waiting = sorted(set(REQUEST_PATH.findall(self.page("/staff/issuance/", "page: issuance"))))
        # Several clerks share the list, each serving the callers of their
        # own window: one result of this clerk's share, so that two clerks do
        # not hand over the same result (the second would be refused, rightly).
        mine = [pk for pk in waiting if int(pk) % self.windows == self.window]
        if mine:
            path = f"/staff/requests/{random.choice(mine)}/"  # noqa: S311
            issue = find_form(self.page(path, "page: application"), action_contains="/issue/")
            self.post(
                issue.action,
                "form: issue result",
                issue.data(recipient_document="N 012345678", journal_signed="on"),
                location="/staff/issuance/",
            )
        self.page("/staff/journal/", "page: journal")


class Executor(StaffUser):
    """The responsible executor: takes the next request from the queue,
    reviews it and signs the result in the browser way (G2 step 2)."""

    weight = 1
    wait_time = between(*EXECUTOR_WAIT)
    pool = "executors"

    def on_start(self) -> None:
        super().on_start()
        self.signer = Signer(self.account["key"], self.account["cert"])

    @task
    @_round
    def take_review_and_sign(self) -> None:
        queue = self.page("/staff/queue/", "page: queue")
        take = find_form(queue, action_contains="/queue/take-next/")
        taken, _ = self.post(take.action, "form: take next", take.data())
        if not REQUEST_PATH.search(taken):
            return  # the queue was empty: nothing to do this round
        path = taken.split("#")[0]
        review = self.page(path, "page: application")
        if NOT_ELIGIBLE in review:
            self.refuse(review)
            return
        prepare = find_form(review, action_contains="/sign/prepare/")
        choice: dict[str, str] = {}
        if S3_HEADING.search(review):
            # A referral names its vacancy or programme: the first one offered.
            for name in ("vacancy", "programme"):
                offered = [value for value in prepare.choices.get(name, []) if value]
                if offered:
                    choice[name] = offered[0]
        _, prepared_page = self.post(
            prepare.action,
            "form: prepare result",
            prepare.data(result_text="Зарегистрирован. Документы проверены, сведения достоверны.", **choice),
            expect=200,
        )
        signing: Form = find_form(prepared_page, attribute="data-ncalayer-sign")
        document = signing.attrs["data-document"]
        self.post(
            signing.action,
            "sign: executor result",
            signing.data(signature=self.signer.sign(document), document=document),
            location=r"/staff/",
        )

    def refuse(self, review: str) -> None:
        """A rule of eligibility is not met: a motivated refusal (G5), signed
        in the browser way as a result is."""
        prepare = find_form(review, action_contains="/refuse/prepare/")
        _, prepared_page = self.post(
            prepare.action,
            "form: prepare refusal",
            prepare.data(reason="Не выполнено условие участия в мере: заявитель не состоит в реестре."),
            expect=200,
        )
        signing = find_form(prepared_page, attribute="data-ncalayer-sign")
        document = signing.attrs["data-document"]
        self.post(
            signing.action,
            "sign: executor refusal",
            signing.data(signature=self.signer.sign(document), document=document),
            location=r"/staff/",
        )
