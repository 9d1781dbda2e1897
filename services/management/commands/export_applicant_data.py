"""``manage.py export_applicant_data --iin IIN [--output FILE] [--actor USERNAME]``:
what the centre holds about one applicant (issue 6, personal data;
``services.data_export``), for the administrators on the server.

``--output x.zip`` writes the ZIP (``data.json`` and the files);
``--output x.json`` or no ``--output`` writes the JSON only (to the file or
to standard output). Every export is audited; ``--actor`` names the
administrator who asked for it (otherwise the entry says "system").
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from applicants.identifiers import mask_iin, validate_iin
from applicants.models import Applicant, User
from services.data_export import applicant_data_export


class Command(BaseCommand):
    help = "Export everything the centre holds about one applicant (ZIP or JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iin", required=True, help="The applicant's IIN.")
        parser.add_argument(
            "--output", help="A .zip (with the files) or .json file; default: JSON to stdout."
        )
        parser.add_argument("--actor", help="Username of the administrator asking for the export (audited).")

    def handle(self, *args: Any, **options: Any) -> None:
        iin = (options["iin"] or "").strip()
        try:
            validate_iin(iin)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        applicant = Applicant.objects.filter(iin=iin).first()
        if applicant is None:
            raise CommandError(f"No applicant with the IIN {mask_iin(iin)}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None or not actor.has_perm("services.act_in_any_office"):
                raise CommandError(f"{options['actor']!r} is not an active administrator.")
        exported = applicant_data_export(applicant_id=applicant.pk, actor=actor, channel="command")
        output: str | None = options["output"]
        if output and output.endswith(".zip"):
            Path(output).write_bytes(exported.content)
            self.stderr.write(f"Wrote {output} (SHA-256 {exported.sha256}).")
            return
        with zipfile.ZipFile(BytesIO(exported.content)) as archive:
            data = json.loads(archive.read("data.json"))
        text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(text)
