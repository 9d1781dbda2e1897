"""``manage.py restore DIRECTORY [--force] [--allow-production]``: put a backup
made by ``manage.py backup`` back into an empty database and storage, and
verify it against its manifest (see ``ops.backup``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into the (empty) database of DATABASE_URL and the (empty) file storage, "
        "then verify row counts, migrations and every file's SHA-256 against the manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="A directory written by manage.py backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what the database and the storage hold now (everything in them is deleted).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Needed with PORTAL_ENV=production: a restore replaces live data.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(
                source=options["directory"],
                force=options["force"],
                allow_production=options["allow_production"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = report.manifest.counts
        self.stdout.write(
            f"Restored and verified: {counts.get('services.Application', 0)} applications, "
            f"{counts.get('services.ResultDocument', 0)} signed results, "
            f"{counts.get('services.RenderedDocument', 0)} rendered documents, "
            f"{report.files_written} files."
        )
        if report.unapplied_migrations:
            self.stdout.write(
                f"The code has {len(report.unapplied_migrations)} migrations the backup has not: "
                "run manage.py migrate."
            )
