"""Security headers that Django's SecurityMiddleware does not send.

Public: ``ContentSecurityPolicyMiddleware``, which adds a
Content-Security-Policy and a Permissions-Policy to every HTML response,
and ``content_security_policy()``, the policy it sends.

The policy allows scripts and styles from the portal itself only: no inline
``<script>``, no ``on*=`` handlers, no ``style=`` attributes in the pages
(``tests/test_security.py`` scans the templates). The one connection to
another origin is NCALayer's WebSocket on the signer's own computer
(``settings.NCALAYER_URL``), read per response because the browser tests
point it at a stand-in on a free port.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Features no page of the portal uses; the copy buttons' clipboard stays allowed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def _ncalayer_origin() -> str:
    """``ws://127.0.0.1:13579`` from ``NCALAYER_URL`` (path dropped)."""
    parts = urlsplit(settings.NCALAYER_URL)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Result QR codes are embedded as data: URIs.
        "img-src": "'self' data:",
        # The signing pages' script talks to NCALayer.
        "connect-src": f"'self' {_ncalayer_origin()}",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the headers to HTML responses; a view that sets its own keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
