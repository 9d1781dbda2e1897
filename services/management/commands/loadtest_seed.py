"""Accounts and work for the load test (``manage.py loadtest``), on a
database of its own.

Loads the demo data, trusts the test CA (made as ``make_test_ca`` makes
it), and adds: citizens (user, applicant record, a signing key of the test
CA in their name), chancellery clerks and executors of the Aktau office
(executors with a signing certificate, ``issue_staff_certificates``), a
pool of unused IINs for walk-in applicants, and some work already waiting
(registered requests in the queue, signed results at the issuance desk),
so that every kind of request has something to act on from the first
second. Writes ``accounts.json`` and the keys into ``--out`` for the load
client, which has no Django. Refuses production and any database whose
name lacks "bench".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from applicants.constants import Role
from applicants.identifiers import check_digit
from applicants.models import Applicant, User
from pki.ca import create_ca, issue_certificate
from pki.selectors import staff_certificate_current
from pki.services import ca_directory_default, staff_certificate_issue, staff_signing_key
from pki.tasks import trusted_ca_ensure_test_ca
from registry.models import Vacancy
from reglament.models import Office
from services import services as svc
from services.management.commands.seed_demo import DEMO_PASSWORD
from services.models import Service

OFFICE = "AKT"
# A small but real PDF (the upload check reads the content, not the name).
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    + b"% load-test scan padding\n" * 800
    + b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _iins(taken: set[str]) -> Any:
    """Well-formed IINs of people born 1980–1999 (century digit 3), not yet taken."""
    serial = 0
    while True:
        serial += 1
        year, rest = 80 + serial % 20, serial // 20
        month, day = 1 + rest % 12, 1 + (rest // 12) % 28
        first = f"{year:02d}{month:02d}{day:02d}3{(rest // 336) % 10000:04d}"
        digit = check_digit(first)
        iin = f"{first}{digit}"
        if digit is not None and iin not in taken:
            taken.add(iin)
            yield iin


def _write_key(directory: Path, name: str, key: Any, certificate: Any) -> dict[str, str]:
    key_path, cert_path = directory / f"{name}.key.pem", directory / f"{name}.cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return {"key": str(key_path), "cert": str(cert_path)}


class Command(BaseCommand):
    help = "Seed the load test's own database with citizens, staff with keys and waiting work (never production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", type=Path, required=True, help="Directory for accounts.json and the keys."
        )
        parser.add_argument("--citizens", type=int, default=20)
        parser.add_argument("--clerks", type=int, default=5)
        parser.add_argument("--executors", type=int, default=5)
        parser.add_argument("--walk-ins", type=int, default=2000, help="Unused IINs for walk-in applicants.")
        parser.add_argument(
            "--waiting", type=int, default=10, help="Requests in the queue and results to issue."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run on a database whose name lacks 'bench'."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("loadtest_seed refuses to run with PORTAL_ENV=production.")
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and not options["force"]:
            raise CommandError(
                f"loadtest_seed adds thousands of rows: use a database named *bench*, not {name!r}."
            )
        out: Path = options["out"]
        keys = out / "keys"
        keys.mkdir(parents=True, exist_ok=True)

        call_command("seed_demo", stdout=self.stdout)
        call_command("make_test_ca", stdout=self.stdout)
        trusted_ca_ensure_test_ca()
        ca = create_ca(directory=ca_directory_default())
        office = Office.objects.get(code=OFFICE)
        # One hash for every load account (the same password): seeding stays
        # fast while logins still pay the production hasher.
        password_hash = make_password(DEMO_PASSWORD)
        taken: set[str] = set(Applicant.objects.values_list("iin", flat=True))
        taken |= {iin for iin in User.objects.exclude(iin="").values_list("iin", flat=True) if iin}
        iins = _iins(taken)

        citizens = []
        with transaction.atomic():
            for n in range(options["citizens"]):
                iin = next(iins)
                user = User.objects.create(
                    username=iin,
                    iin=iin,
                    first_name="Ерлан",
                    last_name=f"Нагрузов{n}",
                    password=password_hash,
                )
                Applicant.objects.create(
                    iin=iin,
                    user=user,
                    last_name=f"Нагрузов{n}",
                    first_name="Ерлан",
                    patronymic="Болатович",
                    phone="+7 701 000 00 00",
                    email=f"citizen{n}@load.example.kz",
                )
                issued = issue_certificate(
                    ca=ca,
                    iin=iin,
                    surname=f"Нагрузов{n}",
                    given_names="Ерлан",
                    patronymic="Болатович",
                    purpose="sign",
                )
                citizens.append(
                    {
                        "iin": iin,
                        "password": DEMO_PASSWORD,
                        **_write_key(keys, iin, issued.key, issued.certificate),
                    }
                )
            staff: dict[str, list[dict[str, str]]] = {"clerks": [], "executors": []}
            for role, pool, count in (
                (Role.CLERK, "clerks", options["clerks"]),
                (Role.EXECUTOR, "executors", options["executors"]),
            ):
                group = Group.objects.get(name=role.value)
                for n in range(count):
                    username = f"{role.value}.load{n}"
                    user, _ = User.objects.get_or_create(
                        username=username,
                        defaults={"first_name": "Сауле", "last_name": f"Нагрузова{n}", "office": office},
                    )
                    user.password = password_hash
                    user.save(update_fields=["password"])
                    user.groups.add(group)
                    account = {"username": username, "password": DEMO_PASSWORD}
                    if role == Role.EXECUTOR:
                        certificate = staff_certificate_current(user=user) or staff_certificate_issue(
                            user=user
                        )
                        key, cert = staff_signing_key(staff_certificate=certificate)
                        account.update(_write_key(keys, username, key, cert))
                    staff[pool].append(account)
            # Referrals to employment never run out of places in a load test.
            Vacancy.objects.filter(office=office).update(places=30_000)
        self._waiting_work(office, options["waiting"], iins)

        accounts = {
            "office_id": office.pk,
            "services": dict(Service.objects.values_list("code", "pk")),
            "citizens": citizens,
            **staff,
            "walk_in_iins": [next(iins) for _ in range(options["walk_ins"])],
            "pdf": str(out / "document.pdf"),
        }
        (out / "document.pdf").write_bytes(PDF)
        (out / "accounts.json").write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
        self.stdout.write(
            f"Load accounts: {len(citizens)} citizens, {len(staff['clerks'])} clerks, "
            f"{len(staff['executors'])} executors; {options['walk_ins']} walk-in IINs; "
            f"{out / 'accounts.json'}"
        )

    def _waiting_work(self, office: Office, count: int, iins: Any) -> None:
        """Requests waiting in the queue and results waiting at the desk, made
        through the services by the demo clerk and executor."""
        clerk = User.objects.get(username=f"clerk.{office.code.lower()}")
        executor = User.objects.get(username=f"executor.{office.code.lower()}")
        for n in range(count):
            for signed in (False, True):
                applicant = Applicant.objects.create(
                    iin=next(iins), last_name=f"Ожидающий{n}", first_name="Нурлан", phone="+7 701 000 00 01"
                )
                application = svc.application_receive(
                    clerk=clerk, applicant_id=applicant.pk, service_code="S2"
                )
                svc.application_register(application_id=application.pk, actor=clerk)
                if signed:
                    svc.application_take(application_id=application.pk, executor=executor)
                    svc.application_sign_result(
                        application_id=application.pk, executor=executor, result_text="Зарегистрирован."
                    )
