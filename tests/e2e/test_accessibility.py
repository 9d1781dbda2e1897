"""axe-core on every kind of page, in Russian and in Kazakh (issue 6,
item 6, acceptance 5): no violation of impact *serious* or *critical*
against WCAG 2.0/2.1 A and AA and axe's best practices.

axe-core comes from the npm registry (``package.json``) and is injected
into the page by the test; the portal's Content-Security-Policy forbids
inline scripts, so the script is evaluated through the DevTools protocol
(``page.evaluate``), which the page's policy does not govern. Each case
is one page in one language, so a failure names both, and prints the rule,
the elements and the rule's help page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from applicants.models import Applicant, User
from services import services as svc
from services.constants import State
from services.documents import rendered_document_revoke, result_document_render
from services.models import Application, RenderedDocument
from tests.e2e.conftest import BROWSER_TEST
from tests.flows import desk_application
from tests.signing import citizen_certificate, sign_request

pytestmark = BROWSER_TEST

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
S1_ANSWERS = {
    "education_level": "vocational",
    "specialty": "Электрик",
    "work_history": "ТОО «Мангистаумунайгаз», 2015–2023, электромонтёр",
    "desired_job": "Электромонтёр",
    "desired_pay": 250000,
}

# Rules excluded on pages the portal does not write, each with its reason
# (docs/accessibility.md). None on the portal's own pages.
EXCLUDED: dict[str, dict[str, str]] = {
    "api-docs-swagger-ui": {
        "nested-interactive": (
            "Swagger UI (drf-spectacular's bundle) renders each operation as a button holding the "
            "copy-path button; its markup is built by its React code, not by a template the portal owns"
        ),
    },
}


@dataclass
class Scene:
    """Where a page is: its path, who looks at it, and what is done on it
    before the audit (a form posted to show its errors, say)."""

    path: str
    user: User | None = None
    then: Callable[[Page], None] | None = None
    status: int = 200
    document_language: str | None = None  # when not the page's: Swagger UI is English only


class World:
    """The data a page needs, made through the service layer on demand."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request

    def fixture(self, name: str) -> Any:
        return self.request.getfixturevalue(name)

    @property
    def citizen(self) -> User:
        user: User = self.fixture("citizen")
        return user

    @property
    def applicant(self) -> Applicant:
        applicant: Applicant = self.fixture("applicant")
        return applicant

    def draft(self, *, documents: bool) -> Application:
        self.fixture("_media")
        application = svc.application_create_draft(
            actor=self.citizen,
            applicant_id=self.applicant.pk,
            office_id=self.fixture("aktau").pk,
            service_code="S1",
        )
        svc.draft_update(application_id=application.pk, actor=self.citizen, data=dict(S1_ANSWERS))
        if documents:
            for required in svc.required_documents(application):
                if required.mandatory:
                    svc.attachment_add(
                        application_id=application.pk,
                        actor=self.citizen,
                        document_id=required.pk,
                        upload=SimpleUploadedFile("удостоверение.pdf", PDF, content_type="application/pdf"),
                    )
        return Application.objects.get(pk=application.pk)

    def decided(self) -> Application:
        """A portal request signed by the citizen, reviewed and signed (P10)."""
        application = self.draft(documents=True)
        signature = sign_request(application, citizen_certificate(self.applicant))
        svc.application_submit(application_id=application.pk, actor=self.citizen, signature=signature)
        executor: User = self.fixture("executor")
        svc.application_take(application_id=application.pk, executor=executor)
        return svc.application_sign_result(
            application_id=application.pk, executor=executor, result_text="Вы зарегистрированы."
        )

    def desk(self, until: str, service_code: str = "S1") -> Application:
        return desk_application(
            clerk=self.fixture("clerk"),
            executor=self.fixture("executor"),
            applicant=self.applicant,
            service_code=service_code,
            until=until,
        )

    def rendered(self) -> RenderedDocument:
        application = self.desk(State.RESULT_SIGNED, service_code="S2")
        return result_document_render(result_id=application.result.pk)


def _prepare_for_signing(page: Page) -> None:
    page.locator("#id_result_text").fill("Зарегистрирован в качестве безработного.")
    page.locator("button[formaction$='/sign/prepare/'], form[action$='/sign/prepare/'] button").first.click()
    page.wait_for_load_state()


def _post_empty(page: Page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def _swagger_rendered(page: Page) -> None:
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


def _admin_change_form(world: World) -> Scene:
    application = world.desk(State.REGISTERED)
    return Scene(
        reverse("admin:services_application_change", args=[application.pk]), world.fixture("administrator")
    )


SCENES: dict[str, Callable[[World], Scene]] = {
    "public-home": lambda w: Scene("/"),
    "service-page-and-handbook": lambda w: Scene(reverse("services-public:service", args=["S1"])),
    "service-page-s3": lambda w: Scene(reverse("services-public:service", args=["S3"])),
    "citizen-sign-up": lambda w: Scene(reverse("cabinet:register")),
    "citizen-sign-up-with-errors": lambda w: Scene(reverse("cabinet:register"), then=_post_empty),
    "citizen-login": lambda w: Scene(reverse("cabinet:login")),
    "citizen-login-with-errors": lambda w: Scene(reverse("cabinet:login"), then=_post_empty),
    "cabinet-list": lambda w: (w.decided(), w.draft(documents=False), Scene("/cabinet/", w.citizen))[-1],
    "new-request-form": lambda w: Scene(reverse("cabinet-requests:new"), w.citizen),
    "draft-with-documents": lambda w: Scene(
        reverse("cabinet-requests:edit", args=[w.draft(documents=True).pk]), w.citizen
    ),
    "request-detail-with-result": lambda w: Scene(
        reverse("cabinet-requests:detail", args=[w.decided().pk]), w.citizen
    ),
    "citizen-signing-page": lambda w: Scene(
        reverse("signing:sign", args=[w.draft(documents=True).pk]), w.citizen
    ),
    "staff-login": lambda w: Scene(reverse("applicants:staff-login")),
    "staff-login-with-errors": lambda w: Scene(reverse("applicants:staff-login"), then=_post_empty),
    "intake-desk": lambda w: (w.desk(State.RECEIVED), Scene(reverse("services:desk"), w.fixture("clerk")))[
        -1
    ],
    "intake-page": lambda w: Scene(
        reverse("services:intake", args=[w.desk(State.RECEIVED, service_code="S2").pk]), w.fixture("clerk")
    ),
    "issuance": lambda w: (
        w.desk(State.RESULT_SIGNED),
        Scene(reverse("services:issuance"), w.fixture("clerk")),
    )[-1],
    "queue": lambda w: (w.desk(State.REGISTERED), Scene(reverse("services:queue"), w.fixture("executor")))[
        -1
    ],
    "staff-request-page": lambda w: Scene(
        reverse("services:application", args=[w.desk(State.IN_REVIEW).pk]), w.fixture("executor")
    ),
    "executor-signing-page": lambda w: Scene(
        reverse("services:application", args=[w.desk(State.IN_REVIEW, service_code="S2").pk]),
        w.fixture("executor"),
        then=_prepare_for_signing,
    ),
    "journal": lambda w: (w.desk(State.ISSUED), Scene(reverse("services:journal"), w.fixture("clerk")))[-1],
    "dashboard": lambda w: (
        w.desk(State.IN_REVIEW),
        Scene(reverse("services:dashboard"), w.fixture("supervisor")),
    )[-1],
    "registers": lambda w: (
        w.desk(State.ISSUED),
        Scene(reverse("services:registers"), w.fixture("supervisor")),
    )[-1],
    "referrals": lambda w: Scene(reverse("services:referrals"), w.fixture("supervisor")),
    "reports": lambda w: (w.desk(State.ISSUED), Scene(reverse("services:reports"), w.fixture("supervisor")))[
        -1
    ],
    "verification-valid": lambda w: Scene(reverse("verify:document", args=[w.rendered().code])),
    "verification-revoked": lambda w: Scene(
        reverse(
            "verify:document",
            args=[
                rendered_document_revoke(
                    document_id=w.rendered().pk, supervisor=w.fixture("supervisor"), reason="Выдан ошибочно."
                ).code
            ],
        )
    ),
    "verification-unknown-code": lambda w: Scene(
        reverse("verify:document", args=["ZZZZZ-ZZZZZ"]), status=404
    ),
    "error-403": lambda w: Scene(reverse("services:dashboard"), w.fixture("clerk"), status=403),
    "error-404": lambda w: Scene("/no-such-page/", status=404),
    "admin-index": lambda w: Scene(reverse("admin:index"), w.fixture("administrator")),
    "admin-change-list": lambda w: (
        w.desk(State.REGISTERED),
        Scene(reverse("admin:services_application_changelist"), w.fixture("administrator")),
    )[-1],
    "admin-change-form": _admin_change_form,
    "api-docs-swagger-ui": lambda w: Scene(
        reverse("api-docs"), then=_swagger_rendered, document_language="en"
    ),
}


@pytest.fixture
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _session_cookie(live_server: LiveServer, user: User) -> dict[str, Any]:
    """The session of ``user``, made as ``force_login`` makes it: pages are
    audited here, the login forms have cases of their own."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}


def audit(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(results => results.violations)",
        TAGS,
    )
    return violations


def report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:8]
        lines.append(
            f"{violation['impact']}: {violation['id']} — {violation['help']} ({violation['helpUrl']})"
        )
        lines.extend(f"    {target}" for target in targets)
        summary = violation["nodes"][0].get("failureSummary", "")
        lines.append("    " + json.dumps(summary, ensure_ascii=False)[:300])
    return "\n".join(lines)


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("scene", list(SCENES))
def test_axe_finds_no_serious_or_critical_violation(
    scene: str,
    language: str,
    request: pytest.FixtureRequest,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_server: LiveServer,
) -> None:
    where = SCENES[scene](World(request))
    context = browser.new_context(**browser_context_args)
    try:
        cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
        if where.user is not None:
            cookies.append(_session_cookie(live_server, where.user))
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        response = page.goto(f"{live_server.url}{where.path}")
        assert response is not None and response.status == where.status, response.status if response else None
        if where.then is not None:
            where.then(page)
        expect(page.locator("html")).to_have_attribute("lang", where.document_language or language)

        excluded = EXCLUDED.get(scene, {})
        violations = [v for v in audit(page) if v["impact"] in BLOCKING and v["id"] not in excluded]
        assert not violations, f"{scene} [{language}] {page.url}\n{report(violations)}"
    finally:
        context.close()
