"""A development stand-in for NCALayer, the national CA's signing application.

``manage.py ncalayer_standin --p12 FILE --password PASS [--host 127.0.0.1 --port 13579]``
listens on a local WebSocket and speaks NCALayer's protocol (DOMAIN.md): it
greets each connection with its version, and answers
``kz.gov.pki.knca.basics``/``sign`` with a detached CMS signature made with
the key in the PKCS#12 file — without asking anything, so it is for
development and the demo only: it refuses to run in production, binds the
loopback interface, and turns away web pages not served from this machine.
Point the portal at it with ``NCALAYER_URL=ws://127.0.0.1:13579/``.

It can hold several keys at once, as NCALayer offers every key it finds:
``--p12``/``--password`` may be repeated (in pairs, in the same order), and
``--staff USERNAME`` (repeatable) adds the signing key the portal keeps for
that staff member (their current ``StaffCertificate``, opened with
``PKI_STAFF_KEY_PASSWORD``; the test CA that issued it is trusted on the
way), so an executor can sign results in the browser in development. Each request is signed with the first key that matches the
page's signer filter (``signerParams``: IIN, BIN, key usage), so one
stand-in serves a citizen and an executor at once.

``--issue-for IIN`` makes a PKCS#12 for that person with the test CA (and
trusts the test CA) and prints its path and password.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from pki.cms import sign_detached

MODULE = "kz.gov.pki.knca.basics"
VERSION = "1.4"
STORAGE = "PKCS12"
# A request is a few kilobytes of base64; attachments are signed by their digests.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _subject_number(certificate: x509.Certificate, oid: x509.ObjectIdentifier, prefix: str) -> str | None:
    for attribute in certificate.subject.get_attributes_for_oid(oid):
        value = attribute.value
        if isinstance(value, str) and value.startswith(prefix):
            return value[len(prefix) :]
    return None


def _extended_key_usages(certificate: x509.Certificate) -> set[str]:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return set()
    return {oid.dotted_string for oid in usage}


class _Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Protocol:
    """NCALayer's side of the conversation; ``sign`` makes the signatures."""

    def greeting(self) -> dict[str, Any]:
        return {"result": {"version": VERSION}}

    def answer(self, raw: str | bytes) -> dict[str, Any]:
        try:
            try:
                message = json.loads(raw)
            except ValueError as exc:
                raise _Refusal("bad_request", "The message is not JSON.") from exc
            if not isinstance(message, dict):
                raise _Refusal("bad_request", "The message is not a JSON object.")
            if message.get("module") != MODULE:
                raise _Refusal("module_not_found", f"Unknown module {message.get('module')!r}.")
            if message.get("method") != "sign":
                raise _Refusal("method_not_found", f"Unknown method {message.get('method')!r} of {MODULE}.")
            args = message.get("args")
            if not isinstance(args, dict):
                raise _Refusal("bad_args", "args must be an object.")
            return {"status": True, "body": {"result": self.sign(args)}}
        except _Refusal as refusal:
            return {"status": False, "code": refusal.code, "message": refusal.message}

    def sign(self, args: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    async def handler(self, connection: ServerConnection) -> None:
        await connection.send(json.dumps(self.greeting()))
        async for message in connection:
            await connection.send(json.dumps(self.answer(message), ensure_ascii=False))


def _signer_params(args: dict[str, Any]) -> dict[str, Any]:
    signer = args.get("signerParams") or {}
    if not isinstance(signer, dict):
        raise _Refusal("bad_args", "signingParams and signerParams must be objects.")
    return signer


@dataclass
class StandIn(_Protocol):
    """NCALayer's answers for one key: pure, so it is tested without a socket."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    extra_certificates: list[x509.Certificate] = field(default_factory=list)
    ignore_filters: bool = False

    @property
    def iin(self) -> str | None:
        return _subject_number(self.certificate, NameOID.SERIAL_NUMBER, "IIN")

    @property
    def bin(self) -> str | None:
        return _subject_number(self.certificate, NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN")

    def sign(self, args: dict[str, Any]) -> list[str]:
        return self.sign_with_this_key(args, check_filters=not self.ignore_filters)

    def suits(self, signer: dict[str, Any]) -> bool:
        """The key passes the page's signer filter (IIN, BIN, extended key usages)."""
        wanted_iin, wanted_bin = signer.get("iin"), signer.get("bin")
        oids = signer.get("extKeyUsageOids") or []
        return not (
            (wanted_iin and wanted_iin != self.iin)
            or (wanted_bin and wanted_bin != self.bin)
            or not isinstance(oids, list)
            or not {str(oid) for oid in oids} <= _extended_key_usages(self.certificate)
        )

    def sign_with_this_key(self, args: dict[str, Any], *, check_filters: bool) -> list[str]:
        storages = args.get("allowedStorages", [STORAGE])
        if not isinstance(storages, list) or STORAGE not in storages:
            raise _Refusal("storage_not_available", f"Only the {STORAGE} storage is available here.")
        if args.get("format", "cms") != "cms":
            raise _Refusal("unsupported_format", "Only the cms format is supported.")
        params = args.get("signingParams") or {}
        signer = _signer_params(args)
        if not isinstance(params, dict):
            raise _Refusal("bad_args", "signingParams and signerParams must be objects.")
        if params.get("digested"):
            raise _Refusal("unsupported_digested", "Signing a ready digest is not supported.")
        if check_filters and not self.suits(signer):
            raise _Refusal(
                "no_suitable_key", "The key does not match the signer filter (IIN, BIN, key usage)."
            )

        data = args.get("data")
        items = data if isinstance(data, list) else [data]
        if not items or not all(isinstance(item, str) and item for item in items):
            raise _Refusal("bad_args", "data must be a non-empty string or a list of them.")
        decode = params.get("decode", True)
        attached = bool(params.get("encapsulate", False))
        return [self._sign_one(self._content(item, decode=bool(decode)), attached=attached) for item in items]

    @staticmethod
    def _content(item: str, *, decode: bool) -> bytes:
        if not decode:
            return item.encode("utf-8")
        try:
            return base64.b64decode("".join(item.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Refusal("bad_args", "data is not base64 (signingParams.decode is true).") from exc

    def _sign_one(self, content: bytes, *, attached: bool) -> str:
        if attached:
            builder = (
                pkcs7.PKCS7SignatureBuilder()
                .set_data(content)
                .add_signer(self.certificate, self.key, hashes.SHA256())
            )
            for extra in self.extra_certificates:
                builder = builder.add_certificate(extra)
            der = builder.sign(
                serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
            )
        else:
            der = sign_detached(data=content, key=self.key, certificate=self.certificate)
        return base64.b64encode(der).decode("ascii")


@dataclass
class KeyRing(_Protocol):
    """Several keys, as NCALayer offers every key it finds: a request is
    signed with the first key that suits the page's signer filter (so the
    citizen's page gets the citizen's key and the staff page the
    executor's). With ``ignore_filters`` a request no key suits is signed
    with the first key, to see the portal refuse it."""

    keys: list[StandIn]
    ignore_filters: bool = False

    def choose(self, signer: dict[str, Any]) -> StandIn:
        chosen = next((key for key in self.keys if key.suits(signer)), None)
        if chosen is None and self.ignore_filters and self.keys:
            chosen = self.keys[0]
        if chosen is None:
            raise _Refusal("no_suitable_key", "No key matches the signer filter (IIN, BIN, key usage).")
        return chosen

    def sign(self, args: dict[str, Any]) -> list[str]:
        return self.choose(_signer_params(args)).sign_with_this_key(args, check_filters=False)


def _local_origin(origin: str | None, allowed: set[str]) -> bool:
    """Non-browser clients send no Origin; browsers only from pages of this machine."""
    if origin is None or origin in allowed:
        return True
    host = urlsplit(origin).hostname or ""
    return _is_loopback(host)


async def run_stand_in(
    stand_in: StandIn | KeyRing,
    *,
    host: str,
    port: int,
    allowed_origins: set[str] | None = None,
    ready: Callable[[str, int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (forever without one); ``ready`` gets the bound address."""
    origins = allowed_origins or set()

    def check_origin(connection: ServerConnection, request: Request) -> Response | None:
        if _local_origin(request.headers.get("Origin"), origins):
            return None
        return connection.respond(HTTPStatus.FORBIDDEN, "Only pages served from this machine may sign.\n")

    async with serve(
        stand_in.handler, host, port, process_request=check_origin, max_size=MAX_MESSAGE_BYTES
    ) as server:
        bound_port = server.sockets[0].getsockname()[1]
        if ready is not None:
            ready(host, bound_port)
        await (stop or asyncio.Event()).wait()


def load_stand_in(path: Path, password: str, *, ignore_filters: bool = False) -> StandIn:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode())
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise CommandError(f"{path} is not a PKCS#12 file or the password is wrong.") from exc
    if certificate is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CommandError(f"{path} holds no RSA or EC key with its certificate.")
    return StandIn(
        key=key, certificate=certificate, extra_certificates=list(extra), ignore_filters=ignore_filters
    )


def load_staff_stand_in(username: str) -> StandIn:
    """The signing key the portal keeps for a staff member (development only:
    the command refuses to run in production)."""
    from applicants.models import User
    from pki.cms import SignatureError
    from pki.selectors import staff_certificate_current
    from pki.services import staff_signing_key

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user {username!r}.")
    staff_certificate = staff_certificate_current(user=user)
    if staff_certificate is None:
        raise CommandError(
            f"{username} has no valid signing certificate; issue one with manage.py issue_staff_certificates."
        )
    try:
        key, certificate = staff_signing_key(staff_certificate=staff_certificate)
    except SignatureError as exc:
        raise CommandError(f"The key of {username} cannot be opened: {exc}") from exc
    return StandIn(key=key, certificate=certificate)


class Command(BaseCommand):
    help = (
        "Run a development stand-in for NCALayer that signs with PKCS#12 keys or staff "
        "members' keys (never in production), or issue such a key with --issue-for IIN."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--p12",
            type=Path,
            action="append",
            default=[],
            help="A PKCS#12 file with a signing key (repeatable; each with its --password, in order).",
        )
        parser.add_argument(
            "--password",
            action="append",
            default=[],
            help="The password of the --p12 file in the same place.",
        )
        parser.add_argument(
            "--staff",
            action="append",
            default=[],
            metavar="USERNAME",
            help=(
                "Also hold the signing key the portal keeps for this staff member, opened with "
                "PKI_STAFF_KEY_PASSWORD (repeatable; development only)."
            ),
        )
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument(
            "--port", type=int, default=13579, help="Port (default 13579; 0 picks a free one)."
        )
        parser.add_argument(
            "--allow-remote",
            action="store_true",
            help="Allow a non-loopback --host (anyone who reaches it can sign with the key).",
        )
        parser.add_argument(
            "--allow-origin",
            action="append",
            default=[],
            metavar="ORIGIN",
            help="Also accept web pages from this origin, e.g. https://portal.test (repeatable).",
        )
        parser.add_argument(
            "--ignore-filters",
            action="store_true",
            help="Sign even when the page asks for another IIN or key usage (to see the portal refuse).",
        )
        parser.add_argument(
            "--issue-for",
            metavar="IIN",
            help="Issue a PKCS#12 for this IIN with the test CA, print its path and password, and exit.",
        )
        parser.add_argument(
            "--purpose",
            choices=["sign", "auth"],
            default="sign",
            help="With --issue-for: a signing key (default) or an authentication key.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("The NCALayer stand-in is for development only; it never runs in production.")
        if options["issue_for"]:
            self._issue(options["issue_for"], purpose=options["purpose"])
            return
        files, passwords, staff = options["p12"], options["password"], options["staff"]
        if not files and not staff:
            raise CommandError(
                "Give --p12 FILE and --password PASS, or --staff USERNAME (or --issue-for IIN to make a key)."
            )
        if len(files) != len(passwords):
            raise CommandError("Give one --password for each --p12, in the same order.")
        host: str = options["host"]
        if not _is_loopback(host) and not options["allow_remote"]:
            raise CommandError(f"{host} is not a loopback address; add --allow-remote if you really mean it.")
        keys = [load_stand_in(path, password) for path, password in zip(files, passwords, strict=True)]
        staff_keys = [load_staff_stand_in(username) for username in staff]
        if staff_keys:
            from pki.tasks import trusted_ca_ensure_test_ca

            # Staff keys are issued by the test CA: the portal must trust it
            # to accept what they sign, as --issue-for does for citizens.
            trusted_ca_ensure_test_ca()
        keys += staff_keys
        stand_in = KeyRing(keys=keys, ignore_filters=options["ignore_filters"])

        def ready(bound_host: str, bound_port: int) -> None:
            self.stdout.write(f"NCALayer stand-in listening on ws://{bound_host}:{bound_port}/")
            for key in keys:
                self.stdout.write(
                    f"  key: IIN {key.iin or '-'}, certificate {key.certificate.serial_number:x}"
                )
            self.stdout.flush()

        try:
            asyncio.run(
                run_stand_in(
                    stand_in,
                    host=host,
                    port=options["port"],
                    allowed_origins=set(options["allow_origin"]),
                    ready=ready,
                )
            )
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{options['port']}: {exc.strerror or exc}") from exc

    def _issue(self, iin: str, *, purpose: str) -> None:
        from applicants.identifiers import validate_iin
        from applicants.models import Applicant
        from pki.ca import create_ca, issue_certificate
        from pki.services import ca_directory_default
        from pki.tasks import trusted_ca_ensure_test_ca

        try:
            validate_iin(iin)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        directory = ca_directory_default()
        trusted_ca_ensure_test_ca(directory=directory)
        applicant = Applicant.objects.filter(iin=iin).first()
        issued = issue_certificate(
            ca=create_ca(directory=directory),
            iin=iin,
            surname=applicant.last_name if applicant else "ТЕСТОВ",
            given_names=applicant.first_name if applicant else "ТЕСТ",
            patronymic=applicant.patronymic if applicant else "",
            purpose="auth" if purpose == "auth" else "sign",
        )
        password = secrets.token_urlsafe(12)
        keys = directory / "citizens"
        keys.mkdir(parents=True, exist_ok=True)
        path = keys / f"{iin}-{purpose}-{issued.serial:x}.p12"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(issued.to_pkcs12(password.encode()))
        self.stdout.write(f"PKCS#12: {path}")
        self.stdout.write(f"password: {password}")
        self.stdout.write(f"run: manage.py ncalayer_standin --p12 {path} --password {password}")
