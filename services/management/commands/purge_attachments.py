"""``manage.py purge_attachments [--dry-run]``: remove the uploaded files of
applications closed longer ago than ``ATTACHMENT_RETENTION_DAYS`` (issue 6,
retention; ``services.retention``). Beat runs the same service daily.

Prints one line per application (its id and number, never a person) and a
total; ``--dry-run`` prints what would go and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.template.defaultfilters import filesizeformat

from services.retention import attachments_purge


class Command(BaseCommand):
    help = "Remove attachments and scans of applications closed longer ago than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be removed; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        purged = attachments_purge(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        for item in purged:
            self.stdout.write(
                f"#{item.application_id} {item.number or '-'} closed {item.closed_at:%Y-%m-%d}: "
                f"{verb} {item.attachments} attachment(s), {item.scans} scan(s), {filesizeformat(item.size)}"
            )
        total = sum(item.attachments + item.scans for item in purged)
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}{len(purged)} application(s), {total} file(s) "
            f"{verb} (retention {settings.ATTACHMENT_RETENTION_DAYS} days)."
        )
