"""Detached CMS signatures: made, checked by us and by OpenSSL, and each
way of being wrong refused with its own error."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pki import errors
from pki.ca import CaFiles, IssuedCertificate, create_ca, issue_certificate, revoke
from pki.cms import CryptographyVerifier, SignatureError, VerifiedSignature, sign_detached, verify_detached
from tests.pki.conftest import PROVIDER_BIN, SIGNER_IIN, now

DOCUMENT = "Уведомление о регистрации в качестве лица, ищущего работу.\r\nAKT-2026-000123\n".encode()


def sign(signer: IssuedCertificate, data: bytes = DOCUMENT) -> bytes:
    return sign_detached(data=data, key=signer.key, certificate=signer.certificate)


def verify(ca: CaFiles, signature: bytes, data: bytes = DOCUMENT, **options: object) -> VerifiedSignature:
    return verify_detached(data=data, signature=signature, trusted_roots=[ca.certificate], **options)  # type: ignore[arg-type]


def refusal(ca: CaFiles, signature: bytes, data: bytes = DOCUMENT, **options: object) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify(ca, signature, data, **options)
    return caught.value


def openssl_verify(
    tmp_path: Path, signature: bytes, data: bytes, *, trust: Path, crl_check: bool = False
) -> subprocess.CompletedProcess[str]:
    openssl = shutil.which("openssl") or "/usr/bin/openssl"
    (tmp_path / "signature.der").write_bytes(signature)
    (tmp_path / "document.bin").write_bytes(data)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "signature.der"),
            "-content",
            str(tmp_path / "document.bin"),
            "-CAfile",
            str(trust),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
            *(["-crl_check"] if crl_check else []),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


# --- what a good signature is --------------------------------------------


def test_a_detached_signature_verifies_and_names_the_signer(
    ca: CaFiles, issue: Callable[..., IssuedCertificate]
) -> None:
    signer = issue(bin=PROVIDER_BIN, organisation="ЦЗН г. Актау")

    verified = verify(ca, sign(signer))

    assert verified.iin == SIGNER_IIN
    assert verified.bin == PROVIDER_BIN
    assert verified.certificate == signer.certificate
    assert verified.chain == (signer.certificate, ca.certificate)
    assert verified.common_name == "САПАРОВА АЙГЕРИМ"
    assert verified.serial == f"{signer.serial:x}"
    assert verified.signing_time is not None
    assert abs(verified.signing_time - now()) < datetime.timedelta(minutes=1)


def test_an_individual_has_no_bin(ca: CaFiles, signer: IssuedCertificate) -> None:
    assert verify(ca, sign(signer)).bin is None


def test_the_signature_is_detached_sha256_with_the_certificate_and_three_signed_attributes(
    signer: IssuedCertificate,
) -> None:
    signed_data = asn1_cms.ContentInfo.load(sign(signer))["content"]
    signer_info = signed_data["signer_infos"][0]

    assert signed_data["encap_content_info"]["content"].native is None
    assert [c.chosen.dump() for c in signed_data["certificates"]] == [
        signer.certificate.public_bytes(serialization.Encoding.DER)
    ]
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    assert sorted(a["type"].native for a in signer_info["signed_attrs"]) == [
        "content_type",
        "message_digest",
        "signing_time",
    ]


def test_openssl_accepts_the_signature(tmp_path: Path, ca: CaFiles, signer: IssuedCertificate) -> None:
    result = openssl_verify(tmp_path, sign(signer), DOCUMENT, trust=ca.cert_path)

    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def test_openssl_rejects_the_signature_for_a_changed_document(
    tmp_path: Path, ca: CaFiles, signer: IssuedCertificate
) -> None:
    result = openssl_verify(tmp_path, sign(signer), DOCUMENT + b" ", trust=ca.cert_path)

    assert result.returncode != 0
    assert "Verification successful" not in result.stderr


def test_openssl_reads_our_crl_and_rejects_a_revoked_signer(
    tmp_path: Path, ca: CaFiles, signer: IssuedCertificate
) -> None:
    revoke(ca=ca, serials=[signer.serial])
    # openssl cms reads CRLs from the trust store only: the CA file with the CRL appended.
    crl_pem = x509.load_der_x509_crl(ca.crl_path.read_bytes()).public_bytes(serialization.Encoding.PEM)
    (tmp_path / "trust.pem").write_bytes(ca.cert_path.read_bytes() + crl_pem)

    result = openssl_verify(tmp_path, sign(signer), DOCUMENT, trust=tmp_path / "trust.pem", crl_check=True)

    assert result.returncode != 0
    assert "revoked" in result.stderr


def test_openssl_accepts_our_crl_when_the_signer_is_not_on_it(
    tmp_path: Path, ca: CaFiles, signer: IssuedCertificate
) -> None:
    crl_pem = x509.load_der_x509_crl(revoke(ca=ca, serials=[])).public_bytes(serialization.Encoding.PEM)
    (tmp_path / "trust.pem").write_bytes(ca.cert_path.read_bytes() + crl_pem)

    result = openssl_verify(tmp_path, sign(signer), DOCUMENT, trust=tmp_path / "trust.pem", crl_check=True)

    assert result.returncode == 0, result.stderr


def test_an_ecdsa_signature_verifies(ca: CaFiles, signer: IssuedCertificate) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(signer.certificate.subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(signer.certificate.not_valid_before_utc)
        .not_valid_after(signer.certificate.not_valid_after_utc)
        .add_extension(
            signer.certificate.extensions.get_extension_for_class(x509.KeyUsage).value, critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )

    verified = verify(ca, sign_detached(data=DOCUMENT, key=key, certificate=certificate))

    assert verified.iin == SIGNER_IIN


def _intermediate(root: CaFiles, directory: Path) -> CaFiles:
    """A CA certified by ``root``: same files, certificate re-issued by the root."""
    own = create_ca(directory=directory, common_name="TEST NCA INTERMEDIATE")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(own.certificate.subject)
        .issuer_name(root.certificate.subject)
        .public_key(own.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(own.certificate.not_valid_before_utc)
        .not_valid_after(own.certificate.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    return CaFiles(directory=directory, key=own.key, certificate=certificate)


def test_an_intermediate_ca_carried_in_the_signature_completes_the_chain(ca: CaFiles, tmp_path: Path) -> None:
    intermediate = _intermediate(ca, tmp_path / "intermediate")
    signer = issue_certificate(
        ca=intermediate, iin=SIGNER_IIN, surname="Сапарова", given_names="Айгерим", purpose="sign"
    )
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .add_certificate(intermediate.certificate)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )

    assert verify(ca, signature).chain == (signer.certificate, intermediate.certificate, ca.certificate)
    assert refusal(ca, sign(signer)).code == "untrusted"


def test_validity_is_checked_at_the_moment_the_caller_gives(ca: CaFiles, signer: IssuedCertificate) -> None:
    signature = sign(signer)
    after_expiry = signer.certificate.not_valid_after_utc + datetime.timedelta(seconds=1)

    assert verify(ca, signature, at=now()).iin == SIGNER_IIN
    assert refusal(ca, signature, at=after_expiry).code == "expired"


def test_an_authentication_key_is_accepted_when_a_signing_key_is_not_required(
    ca: CaFiles, issue: Callable[..., IssuedCertificate]
) -> None:
    assert verify(ca, sign(issue(purpose="auth")), require_signing_key=False).iin == SIGNER_IIN


def test_a_crl_of_another_issuer_does_not_count(
    ca: CaFiles, signer: IssuedCertificate, tmp_path: Path
) -> None:
    other = create_ca(directory=tmp_path / "other", common_name="ANOTHER CA")
    crl = x509.load_der_x509_crl(revoke(ca=other, serials=[signer.serial]))

    assert verify(ca, sign(signer), crls=[crl]).iin == SIGNER_IIN


def test_a_fresh_crl_without_the_signer_lets_the_signature_through(
    ca: CaFiles, signer: IssuedCertificate
) -> None:
    crl = x509.load_der_x509_crl(revoke(ca=ca, serials=[]))

    assert verify(ca, sign(signer), crls=[crl]).iin == SIGNER_IIN


# --- every way of being wrong, each with its own error -------------------


def test_a_document_changed_after_signing_is_refused(ca: CaFiles, signer: IssuedCertificate) -> None:
    error = refusal(ca, sign(signer), DOCUMENT.replace(b"000123", b"000124"))

    assert isinstance(error, errors.DigestMismatch)
    assert error.code == "digest_mismatch"
    assert str(error) == "The signature does not match the document: the document was changed after signing."


def test_a_signature_of_another_document_is_refused(ca: CaFiles, signer: IssuedCertificate) -> None:
    assert refusal(ca, sign(signer, b"another document")).code == "digest_mismatch"


def test_a_signature_made_by_another_key_than_the_certificate_is_refused(
    ca: CaFiles, issue: Callable[..., IssuedCertificate]
) -> None:
    signer, impostor = issue(), issue()
    signature = sign_detached(data=DOCUMENT, key=impostor.key, certificate=signer.certificate)

    assert refusal(ca, signature).code == "bad_signature"


def test_a_forged_message_digest_breaks_the_signature(ca: CaFiles, signer: IssuedCertificate) -> None:
    forged_document = b"a document the signer never saw"
    content_info = asn1_cms.ContentInfo.load(sign(signer))
    signer_info = content_info["content"]["signer_infos"][0]
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            digest = hashes.Hash(hashes.SHA256())
            digest.update(forged_document)
            attribute["values"] = [digest.finalize()]

    assert refusal(ca, content_info.dump(force=True), forged_document).code == "bad_signature"


def test_a_certificate_of_another_ca_is_untrusted_even_under_the_same_name(
    ca: CaFiles, tmp_path: Path
) -> None:
    impostor_ca = create_ca(directory=tmp_path / "impostor")
    assert impostor_ca.certificate.subject == ca.certificate.subject
    signer = issue_certificate(
        ca=impostor_ca, iin=SIGNER_IIN, surname="Сапарова", given_names="Айгерим", purpose="sign"
    )

    error = refusal(ca, sign(signer))

    assert isinstance(error, errors.Untrusted)
    assert error.code == "untrusted"


def test_an_expired_certificate_is_refused(ca: CaFiles, issue: Callable[..., IssuedCertificate]) -> None:
    signer = issue(
        not_before=now() - datetime.timedelta(days=400), not_after=now() - datetime.timedelta(days=35)
    )

    error = refusal(ca, sign(signer))

    assert isinstance(error, errors.Expired)
    assert error.code == "expired"


def test_a_certificate_not_yet_valid_is_refused(ca: CaFiles, issue: Callable[..., IssuedCertificate]) -> None:
    signer = issue(not_before=now() + datetime.timedelta(days=1))

    error = refusal(ca, sign(signer))

    assert isinstance(error, errors.NotYetValid)
    assert error.code == "not_yet_valid"


def test_a_revoked_certificate_is_refused(ca: CaFiles, issue: Callable[..., IssuedCertificate]) -> None:
    signer = issue()
    crl = x509.load_der_x509_crl(revoke(ca=ca, serials=[issue().serial, signer.serial]))

    error = refusal(ca, sign(signer), crls=[crl])

    assert isinstance(error, errors.Revoked)
    assert error.code == "revoked"


def test_a_stale_crl_is_refused(ca: CaFiles, signer: IssuedCertificate) -> None:
    crl = x509.load_der_x509_crl(
        revoke(
            ca=ca,
            serials=[],
            last_update=now() - datetime.timedelta(days=3),
            next_update=now() - datetime.timedelta(days=2),
        )
    )

    error = refusal(ca, sign(signer), crls=[crl])

    assert isinstance(error, errors.CrlStale)
    assert error.code == "crl_stale"


def test_a_crl_not_signed_by_the_issuer_is_refused(
    ca: CaFiles, signer: IssuedCertificate, tmp_path: Path
) -> None:
    impostor_ca = create_ca(directory=tmp_path / "impostor")
    crl = x509.load_der_x509_crl(revoke(ca=impostor_ca, serials=[]))

    assert refusal(ca, sign(signer), crls=[crl]).code == "crl_invalid"


def test_an_authentication_key_is_refused_for_signing(
    ca: CaFiles, issue: Callable[..., IssuedCertificate]
) -> None:
    error = refusal(ca, sign(issue(purpose="auth")))

    assert isinstance(error, errors.WrongKeyUsage)
    assert error.code == "wrong_key_usage"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"not a signature at all",
        b"\x30\x03\x02\x01\x01",
        bytes(range(256)) * 4,
    ],
    ids=["empty", "text", "an integer", "noise"],
)
def test_garbage_is_refused(ca: CaFiles, garbage: bytes) -> None:
    error = refusal(ca, garbage)

    assert isinstance(error, errors.Garbage)
    assert error.code == "garbage"


def test_a_certificate_instead_of_a_signature_is_garbage(ca: CaFiles, signer: IssuedCertificate) -> None:
    assert refusal(ca, signer.certificate.public_bytes(serialization.Encoding.DER)).code == "garbage"


def test_a_signature_without_the_signer_certificate_is_garbage(
    ca: CaFiles, signer: IssuedCertificate
) -> None:
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCerts],
        )
    )

    assert refusal(ca, signature).code == "garbage"


def test_every_refusal_has_its_own_code() -> None:
    classes = [
        cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, SignatureError)
    ]
    codes = [cls.code for cls in classes]

    assert len(codes) == len(set(codes))
    assert {
        "garbage",
        "digest_mismatch",
        "bad_signature",
        "untrusted",
        "expired",
        "not_yet_valid",
        "revoked",
        "crl_stale",
        "wrong_key_usage",
    } <= set(codes)


def test_the_iin_is_read_only_from_the_serial_number_attribute(
    ca: CaFiles, signer: IssuedCertificate
) -> None:
    verified = CryptographyVerifier().verify_detached(
        data=DOCUMENT, signature=sign(signer), trusted_roots=[ca.certificate]
    )

    assert [a.value for a in verified.certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)] == [
        f"IIN{verified.iin}"
    ]
