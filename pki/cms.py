"""Detached CMS (PKCS#7) signatures: making and checking them.

Public: ``sign_detached``, ``verify_detached``, ``VerifiedSignature``, the
``Verifier`` protocol with its RSA/ECDSA implementation ``CryptographyVerifier``,
and the ``SignatureError`` family (from ``pki.errors``).

A signature is accepted only when the document's digest, the signature, the
chain to a trusted root, the validity period, revocation and the key usage
all check out; only then are the signer's IIN and BIN read (DOMAIN.md: a
subject read without its chain can be forged). The CMS is parsed with
asn1crypto and every cryptographic check is done by ``cryptography``.
GOST 34.310 signatures need the national SDK: a GOST backend implements
``Verifier`` (or subclasses ``CryptographyVerifier`` and overrides its
``check_*`` methods).
"""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from asn1crypto import cms as asn1_cms
from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, PublicKeyAlgorithmOID
from django.utils.translation import gettext_lazy as _

from pki.errors import (
    BadSignature,
    CrlInvalid,
    CrlStale,
    DigestMismatch,
    Expired,
    Garbage,
    NotYetValid,
    Revoked,
    SignatureError,
    UnsupportedAlgorithm,
    Untrusted,
    WrongKeyUsage,
)

__all__ = [
    "CryptographyVerifier",
    "SignatureError",
    "VerifiedSignature",
    "Verifier",
    "sign_detached",
    "verify_detached",
]

# Root, intermediates and the signer: the national CA has at most one
# intermediate level; a longer chain is refused rather than walked forever.
MAX_CHAIN_LENGTH = 5

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


_KEY_ALGORITHMS = {PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5, PublicKeyAlgorithmOID.EC_PUBLIC_KEY}


def sign_detached(
    *,
    data: bytes,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
) -> bytes:
    """A DER CMS SignedData over ``data``: detached, SHA-256, the signer's
    certificate included, signed attributes content type, message digest and
    signing time.

    ``cryptography`` stamps the signing time itself from the system clock,
    so there is no parameter for it. ``Binary`` keeps the bytes as they are
    (no S/MIME line-ending canonicalisation); ``NoCapabilities`` leaves out
    the S/MIME capabilities attribute, which means nothing for a document.
    """
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [
                pkcs7.PKCS7Options.DetachedSignature,
                pkcs7.PKCS7Options.Binary,
                pkcs7.PKCS7Options.NoCapabilities,
            ],
        )
    )


@dataclass(frozen=True)
class VerifiedSignature:
    """What a checked signature tells: who signed (IIN, BIN) and when they say they did."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    iin: str | None
    bin: str | None
    signing_time: datetime.datetime | None

    @property
    def serial(self) -> str:
        return f"{self.certificate.serial_number:x}"

    @property
    def common_name(self) -> str:
        return _name_attribute(self.certificate, NameOID.COMMON_NAME) or ""


class Verifier(Protocol):
    """Checks a detached signature completely or raises a ``SignatureError``."""

    def verify_detached(
        self,
        *,
        data: bytes,
        signature: bytes,
        trusted_roots: Sequence[x509.Certificate],
        crls: Sequence[x509.CertificateRevocationList] = (),
        at: datetime.datetime | None = None,
        require_signing_key: bool = True,
    ) -> VerifiedSignature: ...


@dataclass(frozen=True)
class _Parsed:
    signature: bytes
    certificates: list[x509.Certificate]
    signer: x509.Certificate
    hash_name: str
    signature_algorithm: str
    signed_attributes_der: bytes
    message_digest: bytes
    signing_time: datetime.datetime | None


def _name_attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in certificate.subject.get_attributes_for_oid(oid):
        value = attribute.value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None


def _prefixed_number(certificate: x509.Certificate, oid: x509.ObjectIdentifier, prefix: str) -> str | None:
    for attribute in certificate.subject.get_attributes_for_oid(oid):
        value = attribute.value
        if isinstance(value, str) and value.startswith(prefix):
            number = value[len(prefix) :]
            if len(number) == 12 and number.isascii() and number.isdigit():
                return number
    return None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class CryptographyVerifier:
    """RSA (PKCS#1 v1.5) and ECDSA signatures, checked with ``cryptography``."""

    def verify_detached(
        self,
        *,
        data: bytes,
        signature: bytes,
        trusted_roots: Sequence[x509.Certificate],
        crls: Sequence[x509.CertificateRevocationList] = (),
        at: datetime.datetime | None = None,
        require_signing_key: bool = True,
    ) -> VerifiedSignature:
        if at is not None and at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        parsed = self.parse(signature)

        hasher = hashes.Hash(_HASHES[parsed.hash_name]())
        hasher.update(data)
        if not hmac.compare_digest(hasher.finalize(), parsed.message_digest):
            raise DigestMismatch()
        self.check_signature(
            certificate=parsed.signer,
            signed=parsed.signed_attributes_der,
            signature=parsed.signature,
            hash_name=parsed.hash_name,
            signature_algorithm=parsed.signature_algorithm,
        )

        chain = self.build_chain(
            certificate=parsed.signer, candidates=parsed.certificates, trusted_roots=trusted_roots
        )
        # The signing time is the signer's own claim (there is no timestamp
        # token yet); callers that must not trust it pass ``at``.
        moment = at or parsed.signing_time or _now()
        self.check_validity(chain=chain, at=moment)
        self.check_revocation(chain=chain, crls=crls)
        self.check_key_usage(certificate=parsed.signer, require_signing_key=require_signing_key)

        return VerifiedSignature(
            certificate=parsed.signer,
            chain=tuple(chain),
            iin=_prefixed_number(parsed.signer, NameOID.SERIAL_NUMBER, "IIN"),
            bin=_prefixed_number(parsed.signer, NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN"),
            signing_time=parsed.signing_time,
        )

    # --- structure -------------------------------------------------------

    def parse(self, signature: bytes) -> _Parsed:
        """The one signer of a SignedData with its certificate and signed attributes."""
        try:
            content_info = asn1_cms.ContentInfo.load(signature)
            if content_info["content_type"].native != "signed_data":
                raise Garbage()
            signed_data = content_info["content"]
            signer_infos = signed_data["signer_infos"]
            if len(signer_infos) != 1:
                raise Garbage(_("The signature must have exactly one signer."))
            signer_info = signer_infos[0]
            certificates = [
                x509.load_der_x509_certificate(choice.chosen.dump())
                for choice in (signed_data["certificates"] or [])
                if choice.name == "certificate"
            ]
            signer = self._find_signer(signer_info, certificates)
            digest_name = signer_info["digest_algorithm"]["algorithm"].native
            signature_algorithm = signer_info["signature_algorithm"].signature_algo
            encapsulated_type = signed_data["encap_content_info"]["content_type"].native
            signed_attributes = signer_info["signed_attrs"]
            if not signed_attributes:
                # CAdES (and NCALayer) always sign attributes; a bare
                # signature over the content has no digest or time to check.
                raise Garbage(_("The signature has no signed attributes."))
            raw = signed_attributes.dump()
            signature_value = signer_info["signature"].native
            values: dict[str, list[Any]] = {}
            for attribute in signed_attributes:
                values.setdefault(attribute["type"].native, []).extend(attribute["values"].native)
        except SignatureError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, x509.InvalidVersion) as exc:
            raise Garbage() from exc

        if digest_name not in _HASHES:
            raise UnsupportedAlgorithm()
        content_types = values.get("content_type", [])
        digests = values.get("message_digest", [])
        times = values.get("signing_time", [])
        if content_types != [encapsulated_type] or len(digests) != 1 or len(times) > 1:
            raise Garbage(_("The signature's signed attributes are incomplete or repeated."))
        # The gotcha: signed attributes are stored as [0] IMPLICIT in the
        # SignerInfo but signed as a SET OF (RFC 5652 §5.4), so the tag byte
        # is swapped back to 0x31 over the bytes as received.
        if raw[:1] != b"\xa0":
            raise Garbage()
        signing_time = times[0] if times else None
        if signing_time is not None and signing_time.tzinfo is None:
            signing_time = signing_time.replace(tzinfo=datetime.UTC)
        return _Parsed(
            signature=signature_value,
            certificates=certificates,
            signer=signer,
            hash_name=digest_name,
            signature_algorithm=signature_algorithm,
            signed_attributes_der=b"\x31" + raw[1:],
            message_digest=digests[0],
            signing_time=signing_time,
        )

    @staticmethod
    def _find_signer(signer_info: Any, certificates: list[x509.Certificate]) -> x509.Certificate:
        sid = signer_info["sid"]
        for certificate in certificates:
            if sid.name == "issuer_and_serial_number":
                if (
                    certificate.serial_number == sid.chosen["serial_number"].native
                    and certificate.issuer.public_bytes() == sid.chosen["issuer"].dump()
                ):
                    return certificate
            elif sid.name == "subject_key_identifier":
                try:
                    identifier = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
                except x509.ExtensionNotFound:
                    continue
                if identifier.value.digest == sid.chosen.native:
                    return certificate
        raise Garbage(_("The signature does not carry the signer's certificate."))

    # --- cryptography ----------------------------------------------------

    def check_signature(
        self,
        *,
        certificate: x509.Certificate,
        signed: bytes,
        signature: bytes,
        hash_name: str,
        signature_algorithm: str,
    ) -> None:
        """The signature over the signed attributes was made with the certificate's key."""
        if certificate.public_key_algorithm_oid not in _KEY_ALGORITHMS:
            # A GOST key, for one: a backend with the national SDK checks those.
            raise UnsupportedAlgorithm()
        try:
            public_key = certificate.public_key()
        except (ValueError, crypto_exceptions.UnsupportedAlgorithm) as exc:
            raise Garbage(_("The signer's certificate holds a damaged key.")) from exc
        algorithm = _HASHES[hash_name]()
        try:
            if isinstance(public_key, rsa.RSAPublicKey) and signature_algorithm == "rsassa_pkcs1v15":
                public_key.verify(signature, signed, padding.PKCS1v15(), algorithm)
            elif isinstance(public_key, ec.EllipticCurvePublicKey) and signature_algorithm == "ecdsa":
                public_key.verify(signature, signed, ec.ECDSA(algorithm))
            else:
                raise UnsupportedAlgorithm()
        except crypto_exceptions.InvalidSignature as exc:
            raise BadSignature() from exc

    def issued_by(self, certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
        """The issuer's name is the certificate's issuer and its key signed it."""
        try:
            certificate.verify_directly_issued_by(issuer)
        except (
            ValueError,
            TypeError,
            crypto_exceptions.InvalidSignature,
            crypto_exceptions.UnsupportedAlgorithm,
        ):
            return False
        return True

    def build_chain(
        self,
        *,
        certificate: x509.Certificate,
        candidates: Sequence[x509.Certificate],
        trusted_roots: Sequence[x509.Certificate],
    ) -> list[x509.Certificate]:
        """From the signer up to a trusted root, through intermediates carried
        in the signature. Only a root ends the chain: a certificate in the
        signature is never trusted for being there."""
        chain = [certificate]
        while len(chain) < MAX_CHAIN_LENGTH:
            current = chain[-1]
            for root in trusted_roots:
                if self.issued_by(current, root):
                    return [*chain, root]
            issuer = next(
                (
                    candidate
                    for candidate in candidates
                    if candidate not in chain and _is_ca(candidate) and self.issued_by(current, candidate)
                ),
                None,
            )
            if issuer is None:
                break
            chain.append(issuer)
        raise Untrusted()

    def check_validity(self, *, chain: Sequence[x509.Certificate], at: datetime.datetime) -> None:
        for position, certificate in enumerate(chain):
            authority = position > 0
            if at < certificate.not_valid_before_utc:
                raise NotYetValid(
                    _("The certification authority's certificate was not valid yet.") if authority else None
                )
            if at > certificate.not_valid_after_utc:
                raise Expired(
                    _("The certification authority's certificate had expired.") if authority else None
                )

    def check_revocation(
        self, *, chain: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList]
    ) -> None:
        """Each certificate below the root against its issuer's CRLs among
        ``crls``; with no CRL of that issuer given, revocation is not checked."""
        now = _now()
        for certificate, issuer in zip(chain, chain[1:], strict=False):
            relevant = [crl for crl in crls if crl.issuer == issuer.subject]
            for crl in relevant:
                if not self.crl_signed_by(crl, issuer):
                    raise CrlInvalid()
            # A revocation is final, even on a list that is out of date.
            # Without a timestamp token the signing time is only the
            # signer's claim, so a revoked key is refused whatever it says.
            for crl in relevant:
                if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                    raise Revoked()
            for crl in relevant:
                if crl.next_update_utc is None or crl.next_update_utc <= now:
                    raise CrlStale()

    def crl_signed_by(self, crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
        try:
            return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        except (TypeError, ValueError, crypto_exceptions.UnsupportedAlgorithm):
            return False

    def check_key_usage(self, *, certificate: x509.Certificate, require_signing_key: bool) -> None:
        """Any signature needs a key allowed to sign; a document signature
        needs the national CA's signing key (nonRepudiation, emailProtection),
        not the authentication one (clientAuth)."""
        try:
            key_usage: x509.KeyUsage | None = certificate.extensions.get_extension_for_class(
                x509.KeyUsage
            ).value
        except x509.ExtensionNotFound:
            key_usage = None
        try:
            extended: x509.ExtendedKeyUsage | None = certificate.extensions.get_extension_for_class(
                x509.ExtendedKeyUsage
            ).value
        except x509.ExtensionNotFound:
            extended = None

        if key_usage is not None and not (key_usage.digital_signature or key_usage.content_commitment):
            raise WrongKeyUsage(_("This certificate's key may not make signatures."))
        if not require_signing_key:
            return
        if key_usage is None or not key_usage.content_commitment:
            raise WrongKeyUsage()
        if extended is None or ExtendedKeyUsageOID.EMAIL_PROTECTION not in extended:
            raise WrongKeyUsage()


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


DEFAULT_VERIFIER: Verifier = CryptographyVerifier()


def verify_detached(
    *,
    data: bytes,
    signature: bytes,
    trusted_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList] = (),
    at: datetime.datetime | None = None,
    require_signing_key: bool = True,
    verifier: Verifier | None = None,
) -> VerifiedSignature:
    """Check a detached signature of ``data`` completely; raise the
    ``SignatureError`` subclass that says what is wrong.

    Validity is checked at ``at`` when given, else at the signing time the
    signature carries (else now); CRLs must be in date relative to now.
    ``require_signing_key=False`` also accepts authentication keys (a login).
    """
    return (verifier or DEFAULT_VERIFIER).verify_detached(
        data=data,
        signature=signature,
        trusted_roots=trusted_roots,
        crls=crls,
        at=at,
        require_signing_key=require_signing_key,
    )
