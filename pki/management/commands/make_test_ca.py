"""Create the test certification authority (or show the one already there).

For development, tests and the demo only: production trusts the national
CA, so the command refuses to run there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pki.ca import create_ca, subject_text
from pki.services import ca_directory_default


class Command(BaseCommand):
    help = "Create the test certification authority in PKI_CA_DIR (idempotent; never in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, help="Where to keep the CA (default: PKI_CA_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("A test CA is never created in production: trust the national CA instead.")
        directory: Path = options["directory"] or ca_directory_default()
        existed = (directory / "ca.cert.pem").exists()
        ca = create_ca(directory=directory)
        self.stdout.write(
            ("Reused" if existed else "Created") + f" the test CA {subject_text(ca.certificate.subject)}"
        )
        self.stdout.write(f"certificate: {ca.cert_path}")
        self.stdout.write(f"key:         {ca.key_path}")
