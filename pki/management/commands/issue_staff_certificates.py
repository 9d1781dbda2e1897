"""Issue signing certificates to staff who have no valid one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.models import User
from pki.selectors import STAFF_ROLES, staff_certificate_current, staff_without_valid_certificate
from pki.services import staff_certificate_issue


class Command(BaseCommand):
    help = (
        "Issue a signing certificate to every active clerk, executor, supervisor and administrator "
        "who has no valid one (or to one user with --user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", metavar="USERNAME", help="Only this staff member.")
        parser.add_argument("--ca-directory", type=Path, help="The CA to issue from (default: PKI_CA_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        ca_directory: Path | None = options["ca_directory"]
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"There is no user {options['user']!r}.") from exc
            if not user.is_active or not any(user.has_role(role) for role in STAFF_ROLES):
                raise CommandError(
                    f"{user.username} is not active staff (clerk, executor, supervisor, administrator)."
                )
            if (current := staff_certificate_current(user=user)) is not None:
                self.stdout.write(f"{user.username} already has a valid certificate {current.serial}.")
                return
            users = [user]
        else:
            users = list(staff_without_valid_certificate())

        for user in users:
            certificate = staff_certificate_issue(user=user, ca_directory=ca_directory)
            self.stdout.write(
                f"{user.username}: certificate {certificate.serial} valid until {certificate.not_after:%Y-%m-%d}"
            )
        self.stdout.write(f"Issued {len(users)} certificate(s).")
