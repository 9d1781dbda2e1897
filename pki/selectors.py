"""Reads of the pki app. Public: ``staff_certificate_current``,
``staff_without_valid_certificate``, ``STAFF_ROLES``, ``trusted_cas``,
``trusted_roots``, ``current_crls``, ``trusted_cas_awaiting_crl``,
``verify_trusted``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.db.models import Q, QuerySet
from django.utils import timezone

from applicants.constants import Role
from pki.cms import VerifiedSignature, verify_detached
from pki.errors import CrlNotLoaded
from pki.models import StaffCertificate, TrustedCA

if TYPE_CHECKING:
    from applicants.models import User

# The roles that sign (or may have to) on behalf of an employment centre.
STAFF_ROLES = (Role.CLERK, Role.EXECUTOR, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _valid_at(moment: datetime.datetime) -> Q:
    return Q(not_before__lte=moment, not_after__gt=moment) & (
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=moment)
    )


def staff_certificate_current(*, user: User, at: datetime.datetime | None = None) -> StaffCertificate | None:
    """The user's newest certificate valid at ``at`` (now), or None."""
    moment = at or timezone.now()
    return (
        StaffCertificate.objects.filter(_valid_at(moment), user=user).order_by("-not_before", "-pk").first()
    )


def staff_without_valid_certificate(*, at: datetime.datetime | None = None) -> QuerySet[User]:
    """Active users of a staff role with no certificate valid at ``at`` (now)."""
    from applicants.models import User

    moment = at or timezone.now()
    holders = StaffCertificate.objects.filter(_valid_at(moment)).values("user_id")
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in STAFF_ROLES])
        .exclude(pk__in=holders)
        .distinct()
        .order_by("username")
    )


# --- trusted certification authorities (citizens' signatures, P6) -----------------


def trusted_cas() -> QuerySet[TrustedCA]:
    """The authorities the portal trusts now (the admin switches them off and on)."""
    return TrustedCA.objects.filter(is_active=True).order_by("name", "pk")


@lru_cache(maxsize=64)
def _parsed_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.strip().encode("ascii"))


@lru_cache(maxsize=16)
def _parsed_crl(der: bytes) -> x509.CertificateRevocationList:
    # A national CA's list runs to megabytes: parse each version once per process.
    return x509.load_der_x509_crl(der)


def trusted_roots() -> list[x509.Certificate]:
    """The certificates a citizen's signature may chain up to."""
    return [_parsed_certificate(pem) for pem in trusted_cas().values_list("certificate_pem", flat=True)]


def current_crls() -> list[x509.CertificateRevocationList]:
    """The cached revocation lists of the trusted authorities, as last fetched
    (a list past its next update is still returned: the verifier refuses it
    as out of date rather than skip the revocation check)."""
    return [
        _parsed_crl(bytes(der))
        for der in trusted_cas().filter(crl_der__isnull=False).values_list("crl_der", flat=True)
        if der is not None
    ]


def trusted_cas_awaiting_crl(*, issuers: Sequence[x509.Certificate]) -> list[TrustedCA]:
    """Those of ``issuers`` (the authorities of a verified chain) that are
    trusted with a revocation list address but whose list has not been
    fetched yet: without it a revoked certificate would pass."""
    fingerprints = {issuer.fingerprint(hashes.SHA256()).hex() for issuer in issuers}
    return list(
        trusted_cas()
        .filter(fingerprint__in=fingerprints, crl_der__isnull=True)
        .exclude(crl_url="")
        .order_by("name", "pk")
    )


def verify_trusted(*, data: bytes, signature: bytes, at: datetime.datetime) -> VerifiedSignature:
    """A detached signature of ``data`` checked against what the portal
    trusts: the chain to an active trusted CA, validity at ``at`` (not at the
    signing time the signature claims for itself), revocation against the
    cached lists, a signing key. Raises a ``pki.errors.SignatureError``
    (``CrlNotLoaded`` while an issuer's list has not been loaded)."""
    verified = verify_detached(
        data=data,
        signature=signature,
        trusted_roots=trusted_roots(),
        crls=current_crls(),
        at=at,
        require_signing_key=True,
    )
    if trusted_cas_awaiting_crl(issuers=verified.chain[1:]):
        raise CrlNotLoaded()
    return verified
