"""The test CA issues what the national CA issues (DOMAIN.md)."""

from __future__ import annotations

import datetime
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pki.ca import (
    KEY_USER_INDIVIDUAL,
    KEY_USER_LEGAL_ENTITY_EMPLOYEE,
    CaError,
    CaFiles,
    IssuedCertificate,
    create_ca,
    revoke,
)
from tests.pki.conftest import PROVIDER_BIN, SIGNER_IIN, now


def subject(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(attribute.value) for attribute in certificate.subject.get_attributes_for_oid(oid)]


def test_the_ca_is_an_rsa_2048_root_allowed_to_sign_certificates_and_crls(ca: CaFiles) -> None:
    certificate = ca.certificate

    assert isinstance(ca.key, rsa.RSAPrivateKey)
    assert ca.key.key_size == 2048
    assert certificate.signature_algorithm_oid == x509.SignatureAlgorithmOID.RSA_WITH_SHA256
    assert certificate.issuer == certificate.subject
    assert subject(certificate, NameOID.COMMON_NAME) == ["ҰКО ТЕСТ (RSA) / TEST NCA"]
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign


def test_the_ca_key_file_is_readable_by_its_owner_only(ca: CaFiles) -> None:
    assert stat.S_IMODE(ca.key_path.stat().st_mode) == 0o600
    assert ca.cert_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_creating_the_ca_again_reuses_the_one_in_the_directory(ca: CaFiles) -> None:
    again = create_ca(directory=ca.directory, common_name="Another name")

    assert again.certificate == ca.certificate
    assert again.key.private_numbers() == ca.key.private_numbers()


def test_a_half_written_ca_directory_is_refused_rather_than_overwritten(tmp_path: Path) -> None:
    (tmp_path / "ca.key.pem").write_bytes(b"")

    with pytest.raises(CaError):
        create_ca(directory=tmp_path)


def test_an_individual_signing_certificate_has_the_national_ca_profile(
    issue: Callable[..., IssuedCertificate],
) -> None:
    certificate = issue(crl_url="http://crl.example.kz/test.crl").certificate

    assert subject(certificate, NameOID.COMMON_NAME) == ["САПАРОВА АЙГЕРИМ"]
    assert subject(certificate, NameOID.SURNAME) == ["САПАРОВА"]
    assert subject(certificate, NameOID.GIVEN_NAME) == ["МАРАТОВНА"]
    assert subject(certificate, NameOID.SERIAL_NUMBER) == [f"IIN{SIGNER_IIN}"]
    assert subject(certificate, NameOID.COUNTRY_NAME) == ["KZ"]
    assert subject(certificate, NameOID.ORGANIZATIONAL_UNIT_NAME) == []
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_encipherment
    assert list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        KEY_USER_INDIVIDUAL,
    ]
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for point in points for name in point.full_name or []] == [
        "http://crl.example.kz/test.crl"
    ]
    assert certificate.signature_algorithm_oid == x509.SignatureAlgorithmOID.RSA_WITH_SHA256


def test_an_employee_certificate_names_the_organisation_and_its_bin(
    issue: Callable[..., IssuedCertificate],
) -> None:
    certificate = issue(bin=PROVIDER_BIN, organisation="ЦЗН г. Актау").certificate

    assert subject(certificate, NameOID.ORGANIZATION_NAME) == ["ЦЗН г. Актау"]
    assert subject(certificate, NameOID.ORGANIZATIONAL_UNIT_NAME) == [f"BIN{PROVIDER_BIN}"]
    assert (
        KEY_USER_LEGAL_ENTITY_EMPLOYEE
        in certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )


def test_an_authentication_certificate_is_for_client_authentication_only(
    issue: Callable[..., IssuedCertificate],
) -> None:
    certificate = issue(purpose="auth").certificate

    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment and not usage.content_commitment
    extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in extended
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION not in extended


def test_serial_numbers_are_random(issue: Callable[..., IssuedCertificate]) -> None:
    assert issue().serial != issue().serial


def test_a_malformed_iin_is_refused(issue: Callable[..., IssuedCertificate]) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        issue(iin="93100245132")


def test_the_pkcs12_export_opens_with_its_password_and_is_named_by_the_iin(signer: IssuedCertificate) -> None:
    loaded = pkcs12.load_pkcs12(signer.to_pkcs12(b"secret"), b"secret")

    assert loaded.cert is not None
    assert loaded.cert.certificate == signer.certificate
    assert loaded.cert.friendly_name == SIGNER_IIN.encode()
    assert [c.certificate for c in loaded.additional_certs] == [signer.ca_certificate]
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(signer.to_pkcs12(b"secret"), b"wrong")


def test_a_crl_is_signed_by_the_ca_and_keeps_earlier_revocations(
    ca: CaFiles, issue: Callable[..., IssuedCertificate]
) -> None:
    first, second = issue(), issue()

    revoke(ca=ca, serials=[first.serial])
    crl = x509.load_der_x509_crl(revoke(ca=ca, serials=[second.serial]))

    assert crl.is_signature_valid(ca.key.public_key())
    assert crl.issuer == ca.certificate.subject
    assert {entry.serial_number for entry in crl} == {first.serial, second.serial}
    assert crl.next_update_utc is not None and crl.last_update_utc is not None
    assert crl.next_update_utc - crl.last_update_utc == datetime.timedelta(days=1)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert ca.crl_path.read_bytes() == crl.public_bytes(Encoding.DER)
    assert crl.next_update_utc > now()
