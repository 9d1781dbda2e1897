"""Every role against every page and endpoint (issue 6, Security; acceptance 3).

``ACCESS`` names, for every URL pattern of ``config.urls``, the roles that may
reach it. ``test_every_url_pattern_has_a_row`` fails when a URL is added
without a row, so a new page cannot ship unconsidered. Each role that is not
allowed is then sent to the page (with the method the view answers to and
with objects of the allowed scope, so a refusal is about the role and not
about a missing object) and must be refused: a redirect to a login page, 401,
403 or a scoped 404 — never a page, never a 5xx. The admin is checked as one
group: every admin URL needs a staff account with the model's permission.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from applicants.models import Applicant, User
from registry.models import Referral, RegisterEntry
from reglament.models import Office
from services import services as svc
from services.constants import State
from services.models import Application, Attachment
from tests.factories import ApplicantFactory
from tests.flows import desk_application
from tests.gateway.conftest import Credentials, make_client
from tests.registry.conftest import listed

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
CITIZEN = "citizen"
CLERK = "clerk"
EXECUTOR = "executor"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"
GATEWAY = "gateway client"
ROLES = (ANONYMOUS, CITIZEN, CLERK, EXECUTOR, SUPERVISOR, ADMINISTRATOR, GATEWAY)

EVERYONE = frozenset(ROLES)
CITIZENS = frozenset({CITIZEN})
GATEWAYS = frozenset({GATEWAY})


def staff(*roles: str) -> frozenset[str]:
    """Staff pages: the roles named, and the administrator, who holds every
    permission of the administered apps and acts in any office."""
    return frozenset({*roles, ADMINISTRATOR})


GET = ("GET",)
POST = ("POST",)
GET_POST = ("GET", "POST")


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    methods: tuple[str, ...] = GET


# Every named URL outside the admin. The roles follow applicants.services.ROLE_PERMISSIONS.
ACCESS: dict[str, Row] = {
    # Public pages.
    "home": Row(EVERYONE),
    "health": Row(EVERYONE),
    "health-live": Row(EVERYONE),
    "health-ready": Row(EVERYONE),
    # No role reaches the metrics: only a scraper with METRICS_TOKEN (tests/ops).
    "metrics": Row(frozenset()),
    "set_language": Row(EVERYONE, POST),
    "api-schema": Row(EVERYONE),
    "api-docs": Row(EVERYONE),
    "services-public:service": Row(EVERYONE),
    "services-public:handbook": Row(EVERYONE),
    "verify:document": Row(EVERYONE, GET_POST),
    "applicants:staff-login": Row(EVERYONE, GET_POST),
    "applicants:staff-logout": Row(EVERYONE, POST),
    "cabinet:register": Row(EVERYONE, GET_POST),
    "cabinet:login": Row(EVERYONE, GET_POST),
    "cabinet:logout": Row(EVERYONE, POST),
    "cabinet:password-reset": Row(EVERYONE, GET_POST),
    "cabinet:password-reset-done": Row(EVERYONE),
    "cabinet:password-reset-confirm": Row(EVERYONE),
    "cabinet:password-reset-complete": Row(EVERYONE),
    # The chancellery desk (clerk).
    "services:desk": Row(staff(CLERK), GET_POST),
    "services:iin-check": Row(staff(CLERK)),
    "services:intake": Row(staff(CLERK), GET_POST),
    "services:intake-receipt": Row(staff(CLERK)),
    "services:issue": Row(staff(CLERK), POST),
    "services:issuance": Row(staff(CLERK)),
    "services:journal": Row(staff(CLERK)),
    "services:journal-pdf": Row(staff(CLERK)),
    # Any staff member who may view requests.
    "services:application": Row(staff(CLERK, EXECUTOR, SUPERVISOR)),
    "services:result-pdf": Row(staff(CLERK, EXECUTOR, SUPERVISOR)),
    # The executor's queue and signing.
    "services:queue": Row(staff(EXECUTOR)),
    "services:queue-take-next": Row(staff(EXECUTOR), POST),
    "services:take": Row(staff(EXECUTOR), POST),
    "services:sign-result": Row(staff(EXECUTOR), POST),
    "services:refuse": Row(staff(EXECUTOR), POST),
    "services:sign-result-prepare": Row(staff(EXECUTOR), POST),
    "services:sign-result-signed": Row(staff(EXECUTOR), POST),
    "services:refuse-prepare": Row(staff(EXECUTOR), POST),
    "services:refuse-signed": Row(staff(EXECUTOR), POST),
    # The supervisor.
    "services:reassign": Row(staff(SUPERVISOR), POST),
    "services:dashboard": Row(staff(SUPERVISOR)),
    "services:result-revoke": Row(staff(SUPERVISOR), POST),
    "services:reports": Row(staff(SUPERVISOR)),
    "services:reports-csv": Row(staff(SUPERVISOR)),
    "services:reports-xlsx": Row(staff(SUPERVISOR)),
    # Issue 6, personal data: an applicant's data export (audited).
    "services:applicant-data-export": Row(staff(SUPERVISOR), POST),
    # Registers and referrals.
    "services:registers": Row(staff(CLERK, SUPERVISOR)),
    "services:register-entry-close": Row(staff(CLERK, SUPERVISOR), GET_POST),
    "services:referrals": Row(staff(CLERK, SUPERVISOR)),
    "services:referral-outcome": Row(staff(CLERK), GET_POST),
    # The citizen's cabinet.
    "cabinet:home": Row(CITIZENS),
    "cabinet-requests:list": Row(CITIZENS),
    "cabinet-requests:new": Row(CITIZENS, GET_POST),
    "cabinet-requests:detail": Row(CITIZENS),
    "cabinet-requests:edit": Row(CITIZENS, GET_POST),
    "cabinet-requests:attachment-upload": Row(CITIZENS, POST),
    "cabinet-requests:attachment-download": Row(CITIZENS),
    "cabinet-requests:attachment-delete": Row(CITIZENS, POST),
    "cabinet-requests:result-document": Row(CITIZENS),
    "cabinet-requests:result-signature": Row(CITIZENS),
    "cabinet-requests:result-pdf": Row(CITIZENS),
    "cabinet-requests:data-export": Row(CITIZENS, POST),
    "signing:sign": Row(CITIZENS, GET_POST),
    # The gateway API (client systems only).
    "gateway:request-list": Row(GATEWAYS, POST),
    "gateway:request-detail": Row(GATEWAYS),
}

# Every URL under the admin is one group: a staff account with the model's permission.
ADMIN = "admin:"
# The admin's own login and logout are open to everyone (they grant nothing).
ADMIN_PUBLIC = frozenset({"admin:login", "admin:logout"})
LOGIN_PATHS = ("/staff/login/", "/cabinet/login/", "/admin/login/")


@dataclass(frozen=True)
class Route:
    key: str  # namespace:name, or namespace:route for an unnamed pattern
    route: str  # the full route string, for unnamed patterns and messages
    name: str | None  # the full name to reverse, when the pattern has one
    groups: tuple[str, ...]  # the pattern's keyword arguments


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            key = name or f"{namespace}:{route}"
            yield Route(key=key, route=route, name=name, groups=tuple(entry.pattern.regex.groupindex))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def is_admin(route: Route) -> bool:
    return route.key.startswith(ADMIN)


ROUTES = all_routes()
SITE_ROUTES = [r for r in ROUTES if not is_admin(r)]
ADMIN_ROUTES = [r for r in ROUTES if is_admin(r)]


def test_every_url_pattern_has_a_row() -> None:
    found = {route.key for route in SITE_ROUTES}
    missing = sorted(found - set(ACCESS))
    stale = sorted(set(ACCESS) - found)
    assert not missing, f"URL patterns without a row in ACCESS: {missing}"
    assert not stale, f"rows in ACCESS for URL patterns that are gone: {stale}"


def test_the_admin_group_is_found_by_the_walk() -> None:
    assert any(route.key == "admin:index" for route in ADMIN_ROUTES)
    assert len(ADMIN_ROUTES) > 50


def test_no_api_route_touches_the_audit_trail() -> None:
    exposed = [route.route for route in SITE_ROUTES if "audit" in route.route.lower()]
    assert exposed == []


# --- the world: one object of every kind, in the allowed scope ------------------------


@dataclass
class World:
    users: dict[str, User | None]
    gateway: Credentials
    application: Application  # a desk request in the clerk's office, taken by the executor
    draft: Application  # the citizen's own draft
    attachment: Attachment
    register_entry: RegisterEntry
    referral: Referral

    def kwargs(self, route: Route) -> dict[str, Any]:
        name = route.name or ""
        values: dict[str, Any] = {}
        for group in route.groups:
            if group == "pk":
                values[group] = (
                    self.draft.pk if name.startswith(("cabinet", "signing")) else self.application.pk
                )
                if name == "services:register-entry-close":
                    values[group] = self.register_entry.pk
                if name == "services:referral-outcome":
                    values[group] = self.referral.pk
            elif group == "attachment_pk":
                values[group] = self.attachment.pk
            elif group == "code":
                values[group] = "S1"
            elif group == "correlation_id":
                values[group] = str(uuid.uuid4())
            elif group == "uidb64":
                values[group] = "MQ"
            elif group == "token":
                values[group] = "set-password"
            else:  # pragma: no cover - a new converter needs a sample value here
                raise AssertionError(f"no sample value for <{group}> of {route.key}")
        return values

    def url(self, route: Route) -> str:
        if route.name is None:
            raise AssertionError(f"{route.key} has no name to reverse")
        if route.name == "verify:document":
            return reverse(route.name, kwargs={"code": "NO-SUCH-DOCUMENT"})
        return reverse(route.name, kwargs=self.kwargs(route))


@pytest.fixture
def world(
    settings: Any,
    tmp_path: Path,
    clerk: User,
    executor: User,
    supervisor: User,
    administrator: User,
    citizen: User,
    applicant: Applicant,
    aktau: Office,
) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    application = desk_application(
        clerk=clerk, applicant=ApplicantFactory(), executor=executor, until=State.IN_REVIEW
    )
    draft = svc.application_create_draft(
        actor=citizen, applicant_id=applicant.pk, office_id=aktau.pk, service_code="S1"
    )
    attachment = svc.attachment_add(
        application_id=draft.pk,
        actor=citizen,
        document_id=svc.required_documents(draft)[0].pk,
        upload=SimpleUploadedFile("passport.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    entry = listed(ApplicantFactory(), clerk=clerk)
    referred = svc.application_receive(
        clerk=clerk, applicant_id=ApplicantFactory().pk, service_code="S3", measure_kind="public_works"
    )
    referral = Referral.objects.create(
        application=referred,
        applicant=referred.applicant,
        office_id=referred.office_id,
        kind="public_works",
        issued_on=referred.created_at.date(),
    )
    gateway = make_client("egov.kz")
    return World(
        users={
            ANONYMOUS: None,
            CITIZEN: citizen,
            CLERK: clerk,
            EXECUTOR: executor,
            SUPERVISOR: supervisor,
            ADMINISTRATOR: administrator,
            GATEWAY: gateway.client.user,
        },
        gateway=gateway,
        application=application,
        draft=draft,
        attachment=attachment,
        register_entry=entry,
        referral=referral,
    )


def client_as(world: World, role: str) -> Client:
    """A browser (or a client system) of the role. The gateway client is tried
    both ways at once: its credentials in the header and its user's session."""
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if role == GATEWAY:
        headers["HTTP_AUTHORIZATION"] = world.gateway.header
    browser = Client(**headers)
    user = world.users[role]
    if user is not None:
        browser.force_login(user)
    return browser


def request(browser: Client, method: str, url: str) -> HttpResponse:
    if method == "POST":
        response: HttpResponse = browser.post(url, data={})
    else:
        response = browser.get(url)
    return response


def refusal_problem(response: HttpResponse) -> str | None:
    """Why the response is not a refusal, or None when it is one."""
    if response.status_code in (401, 403, 404):
        return None
    if response.status_code == 302:
        target = urlsplit(response["Location"]).path
        if target.startswith(LOGIN_PATHS):
            return None
        return f"302 to {response['Location']}"
    return f"answered {response.status_code}"


def _check(world: World, role: str, method: str, url: str, failures: list[str]) -> None:
    response = request(client_as(world, role), method, url)
    problem = refusal_problem(response)
    if problem:
        failures.append(f"{role} {method} {url}: {problem}")


@pytest.mark.parametrize("route", SITE_ROUTES, ids=lambda r: r.key)
def test_a_role_not_allowed_is_refused(world: World, route: Route) -> None:
    row = ACCESS[route.key]
    url = world.url(route)
    failures: list[str] = []
    for role in ROLES:
        if role in row.allowed:
            continue
        for method in row.methods:
            _check(world, role, method, url, failures)
    assert failures == []


@pytest.mark.parametrize(
    "route", [r for r in SITE_ROUTES if "GET" in ACCESS[r.key].methods], ids=lambda r: r.key
)
def test_an_allowed_role_gets_no_server_error(world: World, route: Route) -> None:
    row = ACCESS[route.key]
    url = world.url(route)
    failures = []
    for role in sorted(row.allowed):
        response = request(client_as(world, role), "GET", url)
        if response.status_code >= 500:
            failures.append(f"{role} GET {url}: {response.status_code}")
    assert failures == []


# --- the admin as one group --------------------------------------------------------


def _admin_model(route: Route) -> type[Model] | None:
    for model in admin.site._registry:
        meta = model._meta
        if route.name and route.name.startswith(f"admin:{meta.app_label}_{meta.model_name}_"):
            return model
        if route.name is None and route.route.startswith(f"admin/{meta.app_label}/{meta.model_name}/"):
            return model
    return None


def admin_url(route: Route) -> str:
    model = _admin_model(route)
    first = model._default_manager.order_by("pk").first() if model is not None else None
    object_id = str(first.pk) if first is not None else "0"
    if route.name is None:
        if "<path:object_id>" in route.route:
            return "/" + route.route.replace("<path:object_id>", object_id)
        return "/admin/no-such-page/"  # the catch-all
    kwargs: dict[str, Any] = {}
    for group in route.groups:
        if group in ("object_id", "id"):
            kwargs[group] = object_id
        elif group == "app_label":
            kwargs[group] = route.name.removeprefix(ADMIN).split("_")[0] if model else "audit"
        elif group == "name":  # an application's transition in the admin
            kwargs[group] = "take"
        elif group == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs[group] = ContentType.objects.get_for_model(Application).pk
        else:  # pragma: no cover - a new admin URL shape needs a sample value here
            raise AssertionError(f"no sample value for <{group}> of {route.key}")
    if route.name == "admin:app_list":
        kwargs["app_label"] = "audit"
    if route.name == "admin:view_on_site":
        kwargs["object_id"] = Application.objects.order_by("pk").values_list("pk", flat=True).first()
    return reverse(route.name, kwargs=kwargs)


NOT_ADMINISTRATORS = [role for role in ROLES if role != ADMINISTRATOR]


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_no_admin_url_opens_to_anyone_but_the_administrator(world: World, role: str) -> None:
    failures: list[str] = []
    for route in ADMIN_ROUTES:
        if route.key in ADMIN_PUBLIC:
            continue
        url = admin_url(route)
        for method in GET_POST:
            _check(world, role, method, url, failures)
    assert failures == []


def test_the_administrator_gets_no_server_error_in_the_admin(world: World) -> None:
    browser = client_as(world, ADMINISTRATOR)
    failures = []
    for route in ADMIN_ROUTES:
        url = admin_url(route)
        response = browser.get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url}: {response.status_code}")
    assert failures == []
