"""The management commands: make_test_ca and issue_staff_certificates."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from applicants.models import User
from pki.ca import load_ca
from pki.models import StaffCertificate
from pki.services import staff_certificate_issue


@pytest.fixture
def ca_directory(tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    directory = tmp_path / "pki"
    settings.PKI_CA_DIR = directory  # type: ignore[attr-defined]
    settings.PRODUCTION = False  # type: ignore[attr-defined]
    return directory


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def staff(username: str, role: str, *, active: bool = True) -> User:
    user = User.objects.create_user(username=username, password="irrelevant-password-1", is_active=active)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def test_make_test_ca_creates_the_ca_in_pki_ca_dir_and_prints_its_paths(ca_directory: Path) -> None:
    output = run("make_test_ca")

    ca = load_ca(directory=ca_directory)
    assert "Created" in output
    assert str(ca.cert_path) in output
    assert str(ca.key_path) in output


def test_make_test_ca_run_again_keeps_the_same_ca(ca_directory: Path) -> None:
    run("make_test_ca")
    first = load_ca(directory=ca_directory).certificate

    assert "Reused" in run("make_test_ca")
    assert load_ca(directory=ca_directory).certificate == first


def test_make_test_ca_refuses_to_run_in_production(
    ca_directory: Path, settings: pytest.FixtureRequest
) -> None:
    settings.PRODUCTION = True  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="production"):
        run("make_test_ca")
    assert not ca_directory.exists()


@pytest.mark.django_db
def test_every_active_staff_member_without_a_valid_certificate_gets_one(ca_directory: Path) -> None:
    clerk, executor = staff("clerk.t", "clerk"), staff("executor.t", "executor")
    supervisor, administrator = staff("supervisor.t", "supervisor"), staff("admin.t", "administrator")
    staff("gone.t", "executor", active=False)
    staff("gateway.t", "gateway")
    User.objects.create_user(username="931002451325", password="irrelevant-password-1", iin="931002451325")
    already = staff_certificate_issue(user=supervisor)

    output = run("issue_staff_certificates")

    holders = set(StaffCertificate.objects.values_list("user__username", flat=True))
    assert holders == {"clerk.t", "executor.t", "supervisor.t", "admin.t"}
    assert list(supervisor.certificates.all()) == [already]
    assert "Issued 3 certificate(s)." in output
    assert (
        clerk.certificates.count() == executor.certificates.count() == administrator.certificates.count() == 1
    )


@pytest.mark.django_db
def test_issuing_again_gives_no_one_a_second_certificate(ca_directory: Path) -> None:
    staff("clerk.t", "clerk")
    run("issue_staff_certificates")

    assert "Issued 0 certificate(s)." in run("issue_staff_certificates")
    assert StaffCertificate.objects.count() == 1


@pytest.mark.django_db
def test_one_staff_member_can_be_named(ca_directory: Path) -> None:
    staff("clerk.t", "clerk")
    executor = staff("executor.t", "executor")

    output = run("issue_staff_certificates", "--user", "executor.t")

    assert list(StaffCertificate.objects.values_list("user", flat=True)) == [executor.pk]
    assert "executor.t: certificate" in output
    assert "already has a valid certificate" in run("issue_staff_certificates", "--user", "executor.t")


@pytest.mark.django_db
def test_an_unknown_or_non_staff_user_is_refused(ca_directory: Path) -> None:
    User.objects.create_user(username="citizen.t", password="irrelevant-password-1")

    with pytest.raises(CommandError, match="no user"):
        run("issue_staff_certificates", "--user", "nobody")
    with pytest.raises(CommandError, match="not active staff"):
        run("issue_staff_certificates", "--user", "citizen.t")
    assert not StaffCertificate.objects.exists()
