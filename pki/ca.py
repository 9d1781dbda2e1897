"""A test certification authority with the national CA's profile (DOMAIN.md).

Public: ``create_ca``, ``load_ca``, ``issue_certificate``, ``revoke``,
``subject_text``, ``CaFiles``, ``IssuedCertificate``, ``CaError`` and the
OIDs of the profile.

RSA 2048 keys signed with sha256WithRSA; subjects and extensions as НУЦ РК
issues them, so that what verifies here verifies the same way for real
certificates. It keeps its key in a directory (``ca.key.pem``, mode 0600,
``ca.cert.pem``, ``ca.crl``) and is for development, tests and the demo:
production trusts the national CA's roots instead.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_FILE = "ca.key.pem"
CERT_FILE = "ca.cert.pem"
CRL_FILE = "ca.crl"
KEY_SIZE = 2048

# Key-user OIDs the national CA puts in the extended key usage (DOMAIN.md).
KEY_USER_INDIVIDUAL = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
KEY_USER_LEGAL_ENTITY_EMPLOYEE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")

# A freshly issued certificate must verify at once, even on a machine whose
# clock is a little behind the one that signed it.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# The national CA issues personal certificates for one year.
DEFAULT_LIFETIME = datetime.timedelta(days=365)

_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")


class CaError(Exception):
    """The CA directory cannot be used (half-written, wrong key type)."""


@dataclass(frozen=True)
class CaFiles:
    """A CA on disk and its loaded key and certificate."""

    directory: Path
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def key_path(self) -> Path:
        return self.directory / KEY_FILE

    @property
    def cert_path(self) -> Path:
        return self.directory / CERT_FILE

    @property
    def crl_path(self) -> Path:
        return self.directory / CRL_FILE


@dataclass(frozen=True)
class IssuedCertificate:
    """A key pair and its certificate, as the CA hands them to the holder."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    iin: str

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def to_pkcs12(self, password: bytes) -> bytes:
        """The key, certificate and CA certificate as a password-protected
        PKCS#12 file (what NCALayer and the national CA hand out), named by the IIN."""
        if not password:
            raise ValueError("a PKCS#12 file needs a non-empty password")
        return pkcs12.serialize_key_and_certificates(
            name=self.iin.encode("ascii"),
            key=self.key,
            cert=self.certificate,
            cas=[self.ca_certificate],
            encryption_algorithm=serialization.BestAvailableEncryption(password),
        )


# The national CA's names for the attributes RFC 4514 knows only by OID.
_ATTRIBUTE_NAMES = {
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
}


def subject_text(name: x509.Name) -> str:
    """``CN=…, SURNAME=…, SERIALNUMBER=IIN…, C=KZ``: in the certificate's own
    order (RFC 4514 strings run backwards) with the national CA's labels."""
    return ", ".join(rdn.rfc4514_string(_ATTRIBUTE_NAMES) for rdn in name.rdns)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def load_ca(*, directory: Path) -> CaFiles:
    """The CA already in ``directory``; CaError when there is none or only half of one."""
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if not key_path.exists() or not cert_path.exists():
        raise CaError(f"no complete CA in {directory} (need {KEY_FILE} and {CERT_FILE})")
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CaError(f"{key_path} does not hold an RSA key")
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return CaFiles(directory=directory, key=key, certificate=certificate)


def _write_private(path: Path, content: bytes) -> None:
    # Created 0600 from the start: a chmod after writing would leave a window.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    temporary.replace(path)


def _write_public(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def create_ca(
    *, directory: Path, common_name: str = "ҰКО ТЕСТ (RSA) / TEST NCA", days: int = 3650
) -> CaFiles:
    """Create a root CA in ``directory``, or return the one already there
    (its name and lifetime are then kept as they are)."""
    directory.mkdir(parents=True, exist_ok=True)
    # Parallel test workers and web processes may all ask for the CA at
    # once; only one of them may generate it.
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
        if key_path.exists() or cert_path.exists():
            return load_ca(directory=directory)

        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            ]
        )
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        # The certificate is written last: its presence means the CA is complete.
        _write_public(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
        return CaFiles(directory=directory, key=key, certificate=certificate)


def _key_usage(*, purpose: Literal["sign", "auth"]) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=purpose == "sign",
        key_encipherment=purpose == "auth",
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def issue_certificate(
    *,
    ca: CaFiles,
    iin: str,
    surname: str,
    given_names: str,
    patronymic: str = "",
    bin: str = "",
    organisation: str = "",
    purpose: Literal["sign", "auth"],
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    crl_url: str | None = None,
) -> IssuedCertificate:
    """A new RSA key and its certificate for a person (with ``bin``, as an
    employee of that legal entity): a signing or an authentication key."""
    if not _TWELVE_DIGITS.match(iin):
        raise ValueError(f"an IIN has 12 digits, not {iin!r}")
    if bin and not _TWELVE_DIGITS.match(bin):
        raise ValueError(f"a BIN has 12 digits, not {bin!r}")
    if not_before is None:
        not_before = _now() - CLOCK_SKEW
    if not_after is None:
        not_after = not_before + DEFAULT_LIFETIME
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")

    # The national CA's quirks: CN is "SURNAME NAME", and GIVENNAME carries
    # the patronymic, not the first name.
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {given_names}".strip().upper()),
        x509.NameAttribute(NameOID.SURNAME, surname.upper()),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if bin:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin}"))
    if patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic.upper()))

    # The key-user OID says who holds the key; the national CA puts it in
    # signing and authentication certificates alike.
    key_user = KEY_USER_LEGAL_ENTITY_EMPLOYEE if bin else KEY_USER_INDIVIDUAL
    usage = ExtendedKeyUsageOID.EMAIL_PROTECTION if purpose == "sign" else ExtendedKeyUsageOID.CLIENT_AUTH

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(purpose=purpose), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage, key_user]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    certificate = builder.sign(ca.key, hashes.SHA256())
    return IssuedCertificate(key=key, certificate=certificate, ca_certificate=ca.certificate, iin=iin)


def revoke(
    *,
    ca: CaFiles,
    serials: Iterable[int],
    last_update: datetime.datetime | None = None,
    next_update: datetime.datetime | None = None,
) -> bytes:
    """Add ``serials`` to the CA's revocation list, write it to ``ca.crl`` and
    return it (DER). The list is cumulative, as a CA's is: serials revoked
    earlier stay on it. ``next_update`` defaults to one day after ``last_update``
    (now); tests pass older dates to get a stale list."""
    if last_update is None:
        last_update = _now()
    if next_update is None:
        next_update = last_update + datetime.timedelta(days=1)

    revoked_on: dict[int, datetime.datetime] = {}
    number = 1
    if ca.crl_path.exists():
        previous = x509.load_der_x509_crl(ca.crl_path.read_bytes())
        if previous.is_signature_valid(ca.key.public_key()):
            revoked_on = {entry.serial_number: entry.revocation_date_utc for entry in previous}
            try:
                number = previous.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
            except x509.ExtensionNotFound:
                number = 1
    for serial in serials:
        revoked_on.setdefault(serial, last_update)

    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(last_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    for serial, when in sorted(revoked_on.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    der = builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    _write_public(ca.crl_path, der)
    return der
