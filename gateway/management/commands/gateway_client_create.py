"""``manage.py gateway_client_create --name NAME --callback-url URL``: a new
client system of the gateway; prints its key id and secret, once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gateway.services import gateway_client_create


class Command(BaseCommand):
    help = "Create a client system of the e-government gateway and print its key id and secret (shown once)."

    # Command-line help is for operators and stays English, as Django's own.

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The client's name, e.g. “egov.kz”.")
        parser.add_argument(
            "--callback-url",
            required=True,
            help="Where status changes are POSTed (http or https).",
        )
        parser.add_argument("--inactive", action="store_true", help="Create it switched off.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, secret = gateway_client_create(
                actor=None,
                name=options["name"],
                callback_url=options["callback_url"],
                is_active=not options["inactive"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # The two lines programs read stay untranslated.
        self.stdout.write(f"key id: {client.key_id}")
        self.stdout.write(f"secret: {secret}")
        self.stdout.write(
            self.style.WARNING(
                _("The secret is not stored and is not shown again; give it to the client now.")
            )
        )
        self.stdout.write(f"Authorization: Gateway {client.key_id}:{secret}")
