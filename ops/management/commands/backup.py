"""``manage.py backup [DIRECTORY]``: the database and the stored files, with a
manifest to verify a restore against (see ``ops.backup``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_create, default_destination


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc) and the stored files into a new directory, with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            help="A new or empty directory (default: var/backups/<UTC time>).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        destination: Path = options["directory"] or default_destination()
        try:
            manifest = backup_create(destination=destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest.counts
        self.stdout.write(
            f"Backed up to {destination}: {counts.get('services.Application', 0)} applications, "
            f"{counts.get('services.ResultDocument', 0)} signed results, "
            f"{counts.get('services.RenderedDocument', 0)} rendered documents, "
            f"{len(manifest.files)} files; dump SHA-256 {manifest.database['sha256']}."
        )
        for problem in manifest.integrity_problems:
            self.stderr.write(f"warning: {problem}")
