"""Writes of the pki app. Public: ``staff_certificate_issue``, ``staff_sign``,
``staff_signing_key``, ``ca_directory_default``, ``staff_test_iin``.

Until staff sign with their own tokens through NCALayer, the portal holds a
signing key for each staff member (issued by the CA in ``PKI_CA_DIR``) and
signs for them. Settings read here, all optional in development:
``PKI_CA_DIR`` (default ``BASE_DIR/var/pki``), ``PKI_PROVIDER_BIN`` (the
BIN in staff certificates) and ``PKI_STAFF_KEY_PASSWORD`` (protects the
stored keys; required in production).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from applicants.identifiers import check_digit
from audit.services import audit_record
from pki.ca import create_ca, issue_certificate, load_ca, subject_text
from pki.cms import sign_detached
from pki.errors import NoSigningCertificate, SigningKeyUnavailable
from pki.models import StaffCertificate
from pki.selectors import staff_certificate_current

if TYPE_CHECKING:
    from applicants.models import User

DEFAULT_PROVIDER_BIN = "081140000436"
_DEVELOPMENT_KEY_PASSWORD = "development-only-staff-key-password"  # noqa: S105 - never used in production


def ca_directory_default() -> Path:
    return Path(getattr(settings, "PKI_CA_DIR", settings.BASE_DIR / "var" / "pki"))


def _key_password() -> bytes:
    password: str = getattr(settings, "PKI_STAFF_KEY_PASSWORD", "")
    if not password:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("PKI_STAFF_KEY_PASSWORD must be set in production")
        password = _DEVELOPMENT_KEY_PASSWORD
    return password.encode("utf-8")


def staff_test_iin(pk: int) -> str:
    """A stable, well-formed IIN for a staff member who has not given theirs.

    Starts with ``0000`` up to pk 10^6: month 00 is no one's birth date, so
    it never collides with a real person's number. The eleventh digit is the
    first one that gives the number a check digit.
    """
    for extra in range(10):
        first = f"{pk:010d}{extra}"
        digit = check_digit(first)
        if digit is not None:
            return f"{first}{digit}"
    raise ValueError(f"no IIN for {pk}")  # unreachable: some eleventh digit always works


def staff_certificate_issue(
    *, user: User, ca_directory: Path | None = None, actor: User | None = None
) -> StaffCertificate:
    """Issue a signing certificate for a staff member and keep their key.

    In development the test CA is created on first use; in production the
    CA directory must already hold one.
    """
    directory = ca_directory or ca_directory_default()
    if getattr(settings, "PRODUCTION", False):
        ca = load_ca(directory=directory)
    else:
        ca = create_ca(directory=directory)
    issued = issue_certificate(
        ca=ca,
        iin=user.iin or staff_test_iin(user.pk),
        surname=user.last_name or user.get_username(),
        given_names=user.first_name,
        patronymic=user.patronymic,
        bin=str(getattr(settings, "PKI_PROVIDER_BIN", DEFAULT_PROVIDER_BIN)),
        organisation=user.office.name_ru if user.office is not None else "",
        purpose="sign",
    )
    certificate = issued.certificate
    with transaction.atomic():
        staff_certificate = StaffCertificate.objects.create(
            user=user,
            serial=f"{certificate.serial_number:x}",
            subject=subject_text(certificate.subject),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            certificate_pem=issued.certificate_pem,
            pkcs12=issued.to_pkcs12(_key_password()),
        )
        audit_record(
            actor=actor,
            action="staff_certificate_issue",
            target=staff_certificate,
            remark=f"for {user.get_username()} (#{user.pk}), valid until {certificate.not_valid_after_utc:%Y-%m-%d}",
        )
    return staff_certificate


def staff_sign(*, user: User, data: bytes) -> tuple[bytes, StaffCertificate]:
    """A detached CMS signature of ``data`` with the user's newest valid
    certificate, and that certificate."""
    staff_certificate = staff_certificate_current(user=user)
    if staff_certificate is None:
        raise NoSigningCertificate()
    key, certificate = staff_signing_key(staff_certificate=staff_certificate)
    return sign_detached(data=data, key=key, certificate=certificate), staff_certificate


def staff_signing_key(
    *, staff_certificate: StaffCertificate
) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The key and certificate kept in ``staff_certificate``, opened with
    ``PKI_STAFF_KEY_PASSWORD``: for ``staff_sign`` and the development
    NCALayer stand-in (``ncalayer_standin --staff``)."""
    try:
        key, certificate, _cas = pkcs12.load_key_and_certificates(
            bytes(staff_certificate.pkcs12), _key_password()
        )
    except ValueError as exc:
        # A changed PKI_STAFF_KEY_PASSWORD or a damaged row: the user can do
        # nothing about it but ask.
        raise SigningKeyUnavailable() from exc
    if certificate is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningKeyUnavailable()
    return key, certificate
