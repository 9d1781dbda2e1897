"""Security settings and headers (issue 6, item 3 and acceptance 4):
``check --deploy`` is clean with the production settings, pages carry a
Content-Security-Policy that allows no inline script, and production
cookies are Secure and HttpOnly.

Production settings are read at import, so they are exercised in a
subprocess with ``PORTAL_ENV=production``; the rest runs in-process with
the development defaults, over plain HTTP."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = BASE_DIR / "templates"
# Paper documents: printed to PDF by WeasyPrint, never served to a browser.
PDF_TEMPLATES = TEMPLATES / "documents"

PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.kz",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "",
    "DEBUG": "false",
}

# Runs in the production subprocess: the staff login page asked over HTTPS
# (as the TLS proxy forwards it) and over plain HTTP, and the cookie settings.
_PROBE = """
import json
import django
from django.conf import settings
django.setup()
from django.test import Client
from django.test.utils import override_settings

# No collectstatic here: the manifest storage of production has no manifest.
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    client = Client(HTTP_HOST="portal.example.kz")
    https = client.get("/staff/login/", HTTP_X_FORWARDED_PROTO="https")
    http = client.get("/staff/login/")
csrf = https.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": https.status_code,
    "headers": dict(https.headers),
    "csrf_cookie": {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"])},
    "http_status": http.status_code,
    "http_location": http.get("Location", ""),
    "session_cookie": {
        "secure": settings.SESSION_COOKIE_SECURE, "httponly": settings.SESSION_COOKIE_HTTPONLY},
}))
"""


def _run_in_production(*args: str) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (for
    # Playwright); a production server never has it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION_ENV}
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def production_probe() -> dict[str, Any]:
    done = _run_in_production("-c", _PROBE)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_check_deploy_is_clean_with_production_settings() -> None:
    done = _run_in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_csrf_cookie_is_secure_and_http_only(production_probe: dict[str, Any]) -> None:
    assert production_probe["status"] == 200
    assert production_probe["csrf_cookie"] == {"secure": True, "httponly": True}


def test_production_session_cookie_is_secure_and_http_only(production_probe: dict[str, Any]) -> None:
    assert production_probe["session_cookie"] == {"secure": True, "httponly": True}


def test_production_sends_hsts_for_a_year_with_subdomains(production_probe: dict[str, Any]) -> None:
    hsts = production_probe["headers"]["Strict-Transport-Security"]

    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts


def test_production_redirects_plain_http_to_https(production_probe: dict[str, Any]) -> None:
    assert production_probe["http_status"] == 301
    assert production_probe["http_location"] == "https://portal.example.kz/staff/login/"


def test_production_pages_carry_the_content_security_policy(production_probe: dict[str, Any]) -> None:
    policy = _directives(production_probe["headers"]["Content-Security-Policy"])

    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "wss://127.0.0.1:13579"]


@pytest.mark.django_db
def test_a_page_carries_a_policy_without_inline_scripts_and_without_framing(client: Client) -> None:
    response = client.get("/")

    policy = _directives(response["Content-Security-Policy"])
    assert response.status_code == 200
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]


@pytest.mark.django_db
def test_the_policy_lets_pages_reach_the_configured_ncalayer_only(client: Client, settings: Any) -> None:
    settings.NCALAYER_URL = "ws://127.0.0.1:4567/"

    policy = _directives(client.get("/")["Content-Security-Policy"])

    assert policy["connect-src"] == ["'self'", "ws://127.0.0.1:4567"]


@pytest.mark.django_db
def test_a_page_denies_framing_and_content_sniffing(client: Client) -> None:
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_json_responses_carry_no_page_policy(client: Client) -> None:
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def _served_templates() -> list[Path]:
    return [path for path in TEMPLATES.rglob("*.html") if PDF_TEMPLATES not in path.parents]


def test_no_template_has_an_inline_script_or_an_event_handler() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if not re.search(r"\bsrc\s*=", tag):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {tag}")
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE):
            offenders.append(f"{path.relative_to(BASE_DIR)}: {handler}")

    assert offenders == []


def test_no_served_template_has_inline_styles() -> None:
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in _served_templates()
        if re.search(r"<style\b|\sstyle\s*=", path.read_text(encoding="utf-8"), flags=re.IGNORECASE)
    ]

    assert offenders == []


@pytest.mark.django_db
def test_the_admin_login_renders_under_the_policy(client: Client) -> None:
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert b'name="username"' in response.content


@pytest.mark.django_db
def test_the_api_docs_render_their_start_up_script_from_a_file(client: Client) -> None:
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Content-Security-Policy" in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert 'src="/api/docs/?script="' in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
