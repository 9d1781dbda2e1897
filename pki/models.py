"""Staff signing certificates. Public: ``StaffCertificate``.

The portal signs results server-side for staff (for now), so it keeps each
staff member's signing key and certificate as a password-protected PKCS#12.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from django.conf import settings
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
