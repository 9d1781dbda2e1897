"""Staff certificates: issued by the test CA, kept with the key, used to sign."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from applicants.identifiers import validate_iin
from applicants.models import User
from audit.models import AuditEntry
from pki.ca import load_ca
from pki.cms import SignatureError, verify_detached
from pki.errors import NoSigningCertificate, SigningKeyUnavailable
from pki.models import StaffCertificate
from pki.services import staff_certificate_issue, staff_sign, staff_test_iin
from tests.pki.conftest import PROVIDER_BIN, SIGNER_IIN

pytestmark = pytest.mark.django_db

RESULT = "Направление на молодёжную практику № AKT-2026-000123".encode()


@pytest.fixture
def ca_directory(tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    directory = tmp_path / "pki"
    settings.PKI_CA_DIR = directory  # type: ignore[attr-defined]
    settings.PKI_STAFF_KEY_PASSWORD = "staff-key-password"  # type: ignore[attr-defined]
    return directory


@pytest.fixture
def executor() -> User:
    user = User.objects.create_user(username="executor.test", password="irrelevant-password-1")
    user.last_name, user.first_name, user.patronymic = "Нурланов", "Бекзат", "Ерланович"
    user.save()
    return user


def test_a_staff_member_signs_with_the_certificate_issued_to_them(ca_directory: Path, executor: User) -> None:
    issued = staff_certificate_issue(user=executor)

    signature, used = staff_sign(user=executor, data=RESULT)

    verified = verify_detached(
        data=RESULT, signature=signature, trusted_roots=[load_ca(directory=ca_directory).certificate]
    )
    assert used == issued
    assert verified.serial == issued.serial
    assert verified.iin == staff_test_iin(executor.pk)
    assert verified.bin == PROVIDER_BIN
    assert verified.common_name == "НУРЛАНОВ БЕКЗАТ"


def test_the_stored_certificate_describes_itself(ca_directory: Path, executor: User) -> None:
    issued = staff_certificate_issue(user=executor)

    stored = StaffCertificate.objects.get(pk=issued.pk)
    assert stored.user == executor
    assert stored.certificate.serial_number == int(stored.serial, 16)
    assert stored.subject == (
        f"CN=НУРЛАНОВ БЕКЗАТ, SURNAME=НУРЛАНОВ, SERIALNUMBER=IIN{staff_test_iin(executor.pk)}, C=KZ, "
        f"OU=BIN{PROVIDER_BIN}, GIVENNAME=ЕРЛАНОВИЧ"
    )
    assert stored.not_before < timezone.now() < stored.not_after
    assert stored.is_valid_now
    assert list(executor.certificates.all()) == [stored]


def test_the_staff_members_own_iin_goes_into_the_certificate(ca_directory: Path, executor: User) -> None:
    executor.iin = SIGNER_IIN
    executor.save()

    staff_certificate_issue(user=executor)
    signature, _certificate = staff_sign(user=executor, data=RESULT)

    root = load_ca(directory=ca_directory).certificate
    assert verify_detached(data=RESULT, signature=signature, trusted_roots=[root]).iin == SIGNER_IIN


def test_a_test_iin_is_valid_and_stable_for_a_staff_member() -> None:
    for pk in (1, 2, 3, 10, 99, 12345, 999_999):
        validate_iin(staff_test_iin(pk))
        assert staff_test_iin(pk) == staff_test_iin(pk)
    assert len({staff_test_iin(pk) for pk in range(1, 2000)}) == 1999


def test_signing_without_a_certificate_is_refused_with_a_clear_message(
    ca_directory: Path, executor: User
) -> None:
    with pytest.raises(SignatureError) as caught:
        staff_sign(user=executor, data=RESULT)

    assert isinstance(caught.value, NoSigningCertificate)
    assert str(caught.value) == "You have no valid signing certificate; ask the administrator."


def test_a_revoked_certificate_is_not_used_for_signing(ca_directory: Path, executor: User) -> None:
    certificate = staff_certificate_issue(user=executor)
    certificate.revoked_at = timezone.now() - datetime.timedelta(minutes=1)
    certificate.save(update_fields=["revoked_at"])

    assert not certificate.is_valid_now
    with pytest.raises(NoSigningCertificate):
        staff_sign(user=executor, data=RESULT)


def test_an_expired_certificate_is_not_used_for_signing(ca_directory: Path, executor: User) -> None:
    certificate = staff_certificate_issue(user=executor)
    StaffCertificate.objects.filter(pk=certificate.pk).update(
        not_before=timezone.now() - datetime.timedelta(days=400),
        not_after=timezone.now() - datetime.timedelta(days=35),
    )

    with pytest.raises(NoSigningCertificate):
        staff_sign(user=executor, data=RESULT)


def test_the_newest_valid_certificate_signs(ca_directory: Path, executor: User) -> None:
    older = staff_certificate_issue(user=executor)
    StaffCertificate.objects.filter(pk=older.pk).update(
        not_before=timezone.now() - datetime.timedelta(days=30)
    )
    newer = staff_certificate_issue(user=executor)

    assert staff_sign(user=executor, data=RESULT)[1] == newer


def test_a_key_stored_under_another_password_cannot_be_opened(
    ca_directory: Path, executor: User, settings: pytest.FixtureRequest
) -> None:
    staff_certificate_issue(user=executor)
    settings.PKI_STAFF_KEY_PASSWORD = "a-changed-password"  # type: ignore[attr-defined]

    with pytest.raises(SigningKeyUnavailable):
        staff_sign(user=executor, data=RESULT)


def test_issuing_a_certificate_is_audited(ca_directory: Path, executor: User) -> None:
    certificate = staff_certificate_issue(user=executor)

    entry = AuditEntry.objects.get(action="staff_certificate_issue")
    assert entry.target_id == str(certificate.pk)
    assert "executor.test" in entry.remark


def test_the_ca_is_created_on_first_use_and_then_reused(ca_directory: Path, executor: User) -> None:
    staff_certificate_issue(user=executor)
    first = load_ca(directory=ca_directory).certificate
    staff_certificate_issue(user=executor)

    assert load_ca(directory=ca_directory).certificate == first
