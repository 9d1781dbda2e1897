"""Staff signing certificates and the certification authorities trusted for
citizens' signatures. Public: ``StaffCertificate``, ``TrustedCA`` (with
``load_ca_certificate_pem``, ``certificate_fingerprint``).

The portal signs results server-side for staff (for now), so it keeps each
staff member's signing key and certificate as a password-protected PKCS#12.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffCertificate(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        # Signed results name the certificate by serial: the holder's
        # certificates outlive nothing they signed.
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    serial = models.CharField(_("serial number (hex)"), max_length=40, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    certificate_pem = models.TextField(_("certificate (PEM)"))
    pkcs12 = models.BinaryField(_("signing key (PKCS#12, password-protected)"), editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff certificate")
        verbose_name_plural = _("staff certificates")
        ordering = ["-not_before", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(not_before__lt=F("not_after")),
                name="staff_certificate_validity_is_ordered",
            ),
            models.CheckConstraint(
                condition=Q(serial__regex=r"^[0-9a-f]{1,40}$"),
                name="staff_certificate_serial_is_lowercase_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"

    def is_valid_at(self, moment: datetime.datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= moment:
            return False
        return self.not_before <= moment < self.not_after

    @property
    def is_valid_now(self) -> bool:
        return self.is_valid_at(timezone.now())

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))


# --- trusted certification authorities (admin-managed) ------------------------


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex: how a trusted CA is recognised."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def load_ca_certificate_pem(value: str) -> x509.Certificate:
    """The certificate in ``value``, or ValidationError when it is not one
    or not a certification authority's."""
    try:
        certificate = x509.load_pem_x509_certificate((value or "").strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValidationError(
            _("This is not a certificate in PEM form (“-----BEGIN CERTIFICATE-----” …)."),
            code="not_a_certificate",
        ) from exc
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError) as exc:
        raise ValidationError(
            _("This certificate does not say it belongs to a certification authority."), code="not_a_ca"
        ) from exc
    if not constraints.ca:
        raise ValidationError(
            _("This is a person's or a server's certificate, not a certification authority's."),
            code="not_a_ca",
        )
    return certificate


def validate_ca_certificate_pem(value: str) -> None:
    load_ca_certificate_pem(value)


CRL_URL_SCHEMES = ("http", "https", "file")


def validate_crl_url(value: str) -> None:
    """http(s) everywhere; ``file://`` only outside production (the test CA's ``ca.crl``)."""
    if not value:
        return
    scheme = urlsplit(value).scheme.lower()
    if scheme not in CRL_URL_SCHEMES:
        raise ValidationError(
            _("The revocation list address must start with http:// or https://."), code="scheme"
        )
    if scheme == "file" and getattr(settings, "PRODUCTION", False):
        raise ValidationError(
            _("Local files (file://) are allowed only in development; use an http(s) address."),
            code="file_in_production",
        )


class TrustedCA(models.Model):
    """A root (or intermediate) certificate the portal trusts for citizens'
    signatures (P6), with the revocation list fetched from ``crl_url``.

    The CRL is kept here so that checking a signature never waits on the
    network; ``pki.tasks.refresh_crls`` renews it every hour.
    """

    name = models.CharField(_("name"), max_length=200)
    certificate_pem = models.TextField(
        _("certificate (PEM)"),
        validators=[validate_ca_certificate_pem],
        help_text=_("The certification authority's own certificate, “-----BEGIN CERTIFICATE-----” …"),
    )
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True, editable=False)
    crl_url = models.CharField(
        _("revocation list address"),
        max_length=500,
        blank=True,
        validators=[validate_crl_url],
        help_text=_(
            "Where the authority publishes its revocation list (CRL). While an address is set "
            "and no list has been fetched yet, signatures of this authority are not accepted."
        ),
    )
    crl_der = models.BinaryField(_("revocation list (DER)"), null=True, blank=True, editable=False)
    crl_fetched_at = models.DateTimeField(_("revocation list fetched"), null=True, blank=True, editable=False)
    crl_next_update = models.DateTimeField(
        _("revocation list valid until"), null=True, blank=True, editable=False
    )
    crl_error = models.CharField(_("last fetch problem"), max_length=500, blank=True, editable=False)
    is_active = models.BooleanField(_("trusted"), default=True)

    class Meta:
        verbose_name = _("trusted certification authority")
        verbose_name_plural = _("trusted certification authorities")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fingerprint__regex=r"^[0-9a-f]{64}$"),
                name="trusted_ca_fingerprint_is_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The fingerprint always follows the certificate it names.
        self.fingerprint = certificate_fingerprint(load_ca_certificate_pem(self.certificate_pem))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "certificate_pem" in update_fields:
            kwargs["update_fields"] = {*update_fields, "fingerprint"}
        super().save(*args, **kwargs)

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.strip().encode("ascii"))

    @property
    def crl(self) -> x509.CertificateRevocationList | None:
        if self.crl_der is None:
            return None
        return x509.load_der_x509_crl(bytes(self.crl_der))

    @property
    def awaits_crl(self) -> bool:
        """An address is set but no list has arrived yet: nothing it issued can be checked."""
        return bool(self.crl_url) and self.crl_der is None

    @property
    def crl_is_stale(self) -> bool:
        return self.crl_next_update is not None and self.crl_next_update <= timezone.now()
