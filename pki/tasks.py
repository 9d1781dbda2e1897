"""Revocation lists of the trusted certification authorities: fetched,
checked and cached (P6), and the test CA trusted in development.

Public: the Celery task ``refresh_crls`` (hourly, from the beat schedule)
and the services it calls — ``trusted_ca_refresh_crl``,
``trusted_ca_refresh_crls``, ``trusted_ca_ensure_test_ca`` — which the
admin action, the NCALayer stand-in and the tests call directly. (They are
writes and belong with ``pki.services``; they live here until that module
can take them.)

Settings read here, all optional: ``PKI_CRL_FETCH_TIMEOUT`` (seconds, default
15) and ``PKI_CRL_MAX_BYTES`` (default 50 MiB). A fetch that fails for any
reason keeps the list already cached and is logged: an unreachable CA
must not make every signature unverifiable before its list runs out.
"""

from __future__ import annotations

import datetime
import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from celery import shared_task
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from pki.ca import CaFiles, create_ca, revoke, subject_text
from pki.models import TrustedCA, certificate_fingerprint
from pki.services import ca_directory_default

logger = logging.getLogger(__name__)

DEFAULT_FETCH_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# The test CA re-publishes its list when less than this is left of it, as a
# real CA publishes ahead of the next update.
TEST_CRL_RENEW_MARGIN = datetime.timedelta(hours=2)
TEST_CA_NAME = "Test CA (development)"


class CrlFetchError(Exception):
    """Why a revocation list was not taken (logged and kept in ``TrustedCA.crl_error``)."""


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def _download(url: str) -> bytes:
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file" and _production():
        raise CrlFetchError("file:// addresses are refused in production")
    if scheme not in ("http", "https", "file"):
        raise CrlFetchError(f"unsupported address scheme {scheme!r}")
    timeout = float(getattr(settings, "PKI_CRL_FETCH_TIMEOUT", DEFAULT_FETCH_TIMEOUT))
    limit = int(getattr(settings, "PKI_CRL_MAX_BYTES", DEFAULT_MAX_BYTES))
    request = urllib.request.Request(url, headers={"User-Agent": "employment-portal-crl-fetcher"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            content: bytes = response.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CrlFetchError(f"cannot fetch {url}: {exc}") from exc
    if len(content) > limit:
        raise CrlFetchError(f"{url} is larger than {limit} bytes")
    return content


def _parse(content: bytes) -> x509.CertificateRevocationList:
    try:
        return x509.load_der_x509_crl(content)
    except ValueError:
        try:
            return x509.load_pem_x509_crl(content)
        except ValueError as exc:
            raise CrlFetchError("the content is not a revocation list (DER or PEM)") from exc


def _check(crl: x509.CertificateRevocationList, trusted: TrustedCA) -> None:
    certificate = trusted.certificate
    if crl.issuer != certificate.subject:
        raise CrlFetchError(
            f"the list is issued by {subject_text(crl.issuer)}, not by {subject_text(certificate.subject)}"
        )
    try:
        signed = crl.is_signature_valid(certificate.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise CrlFetchError(f"the list's signature cannot be checked: {exc}") from exc
    if not signed:
        raise CrlFetchError("the list is not signed by the authority's key")
    if crl.next_update_utc is None:
        raise CrlFetchError("the list has no next update date")
    cached = trusted.crl
    if cached is not None and crl.last_update_utc < cached.last_update_utc:
        # A replayed older list would hide revocations made since.
        raise CrlFetchError("the list is older than the one already cached")


def trusted_ca_refresh_crl(*, trusted_ca_id: int) -> bool:
    """Fetch one authority's list from its address and cache it when it is
    the authority's, signed and not older than the cached one. False (old
    list kept, problem logged and recorded) on any failure."""
    trusted = TrustedCA.objects.filter(pk=trusted_ca_id).first()
    if trusted is None or not trusted.crl_url:
        return False
    try:
        crl = _parse(_download(trusted.crl_url))
        _check(crl, trusted)
    except CrlFetchError as exc:
        logger.warning("CRL of trusted CA #%s (%s) not refreshed: %s", trusted.pk, trusted.name, exc)
        TrustedCA.objects.filter(pk=trusted.pk).update(crl_error=str(exc)[:500])
        return False
    with transaction.atomic():
        TrustedCA.objects.filter(pk=trusted.pk).update(
            crl_der=crl.public_bytes(serialization.Encoding.DER),
            crl_fetched_at=timezone.now(),
            crl_next_update=crl.next_update_utc,
            crl_error="",
        )
    logger.info(
        "CRL of trusted CA #%s (%s) refreshed: %d revoked, next update %s",
        trusted.pk,
        trusted.name,
        len(crl),
        crl.next_update_utc,
    )
    return True


def _test_ca_directory() -> Path | None:
    """The test CA in ``PKI_CA_DIR`` when there is one (development only)."""
    if _production():
        return None
    directory = ca_directory_default()
    return directory if (directory / "ca.cert.pem").exists() else None


def _publish_test_crl(ca: CaFiles) -> None:
    """The test CA re-issues its (cumulative) list when it is missing or about to run out."""
    if ca.crl_path.exists():
        try:
            current = x509.load_der_x509_crl(ca.crl_path.read_bytes())
        except ValueError:
            current = None
        if (
            current is not None
            and current.next_update_utc is not None
            and current.next_update_utc - TEST_CRL_RENEW_MARGIN > timezone.now()
        ):
            return
    revoke(ca=ca, serials=[])


def trusted_ca_refresh_crls() -> int:
    """Refresh every active authority's list; the number refreshed. In
    development the test CA first re-publishes its list when due."""
    if (directory := _test_ca_directory()) is not None:
        _publish_test_crl(create_ca(directory=directory))
    ids = TrustedCA.objects.filter(is_active=True).exclude(crl_url="").values_list("pk", flat=True)
    return sum(trusted_ca_refresh_crl(trusted_ca_id=pk) for pk in list(ids))


def trusted_ca_ensure_test_ca(*, directory: Path | None = None) -> TrustedCA:
    """Trust the test CA of ``PKI_CA_DIR`` (created on first use) with its
    ``ca.crl`` as a ``file://`` revocation list, and fetch that list now.
    Idempotent: the same CA is one row, switched on again if it was off.
    Never in production, which trusts the national CA's roots instead."""
    if _production():
        raise ImproperlyConfigured("The test CA is never trusted in production.")
    ca = create_ca(directory=directory or ca_directory_default())
    _publish_test_crl(ca)
    pem = ca.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    crl_url = ca.crl_path.resolve().as_uri()
    with transaction.atomic():
        trusted, created = TrustedCA.objects.select_for_update().get_or_create(
            fingerprint=certificate_fingerprint(ca.certificate),
            defaults={"name": TEST_CA_NAME, "certificate_pem": pem, "crl_url": crl_url, "is_active": True},
        )
        if created:
            audit_record(
                actor=None,
                action="trusted_ca_add",
                target=trusted,
                remark=f"{subject_text(ca.certificate.subject)} (development test CA)",
            )
        elif trusted.crl_url != crl_url or not trusted.is_active:
            trusted.crl_url, trusted.is_active = crl_url, True
            trusted.save(update_fields=["crl_url", "is_active"])
    trusted_ca_refresh_crl(trusted_ca_id=trusted.pk)
    trusted.refresh_from_db()
    return trusted


@shared_task(ignore_result=True)
def refresh_crls() -> int:
    """Hourly: renew the cached revocation lists of the trusted authorities."""
    return trusted_ca_refresh_crls()
