"""Backups of everything the portal holds, and their verified restore
(issue 6, Production; acceptance 6).

A backup is one directory::

    manifest.json    what the backup holds, to verify a restore against
    database.dump    ``pg_dump -Fc`` of the default database
    files/<name>     every file of the default storage (attachments and scans;
                     the local filesystem or the S3 bucket, whichever is set)

The manifest records the row count of every model, the applied migrations
and the SHA-256 of the dump and of every file. Counts and dump come from one
database snapshot (``pg_export_snapshot``), so they agree even while the
portal is in use. Signed results, their signatures and the rendered PDFs are
rows (bytes and their SHA-256 side by side), so they travel in the dump; the
integrity check compares each stored hash with the bytes it names.

Public: ``backup_create``, ``backup_restore``, ``integrity_problems``,
``BackupError``, ``Manifest``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "employment-portal-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass
class Manifest:
    created_at: str
    database: dict[str, Any]
    migrations: dict[str, list[str]]
    counts: dict[str, int]
    files: dict[str, dict[str, Any]]
    storage: str
    integrity_problems: list[str] = field(default_factory=list)
    format: str = FORMAT

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise BackupError(f"{path} does not exist: this is not a portal backup.") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackupError(f"{path} is not a readable manifest: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{path} is not a manifest of the format {FORMAT}.")
        try:
            return cls(**data)
        except TypeError as exc:
            raise BackupError(f"{path} is incomplete: {exc}") from exc


@dataclass
class RestoreReport:
    manifest: Manifest
    files_written: int
    unapplied_migrations: list[str]


# --- what the portal holds -------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_stored(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in handle.chunks(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file of ``storage``, through the storage API (filesystem or S3)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    prefix = f"{directory}/" if directory else ""
    for name in sorted(files):
        yield f"{prefix}{name}"
    for sub in sorted(directories):
        yield from stored_names(storage, f"{prefix}{sub}")


def row_counts() -> dict[str, int]:
    """The number of rows of every model of the project, by ``app_label.Model``."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def applied_migrations() -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        state.setdefault(app_label, []).append(name)
    return {app_label: sorted(names) for app_label, names in sorted(state.items())}


def integrity_problems(*, files: dict[str, str]) -> list[str]:
    """Each stored hash the database keeps, checked against the bytes it names:
    attachments and scans against ``files`` (name -> SHA-256), signed results
    and rendered PDFs against their own bytes. Empty when all agree."""
    from services.models import Attachment, PresentedDocument, RenderedDocument, ResultDocument

    problems = []
    # A file removed under the retention rule leaves its row with an empty name.
    for attachment in Attachment.objects.exclude(file="").only("pk", "file", "sha256").order_by("pk"):
        if files.get(attachment.file.name) != attachment.sha256:
            problems.append(f"attachment {attachment.pk}: {attachment.file.name} is missing or changed")
    scans = PresentedDocument.objects.exclude(scan="").only("pk", "scan", "scan_sha256").order_by("pk")
    for line in scans:
        if files.get(line.scan.name) != line.scan_sha256:
            problems.append(f"scan of presented document {line.pk}: {line.scan.name} is missing or changed")
    for result in ResultDocument.objects.only("pk", "content", "content_sha256").order_by("pk"):
        if hashlib.sha256(bytes(result.content)).hexdigest() != result.content_sha256:
            problems.append(f"signed result {result.pk}: the content does not match its SHA-256")
    for document in RenderedDocument.objects.only("pk", "pdf", "pdf_sha256").order_by("pk"):
        if hashlib.sha256(bytes(document.pdf)).hexdigest() != document.pdf_sha256:
            problems.append(f"rendered document {document.pk}: the PDF does not match its SHA-256")
    return problems


# --- PostgreSQL tools -----------------------------------------------------------


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            f"Backups are made with pg_dump: DATABASE_URL must name a PostgreSQL database, "
            f"not {connection.vendor}."
        )


def _tool(name: str) -> str:
    executable = shutil.which(name)
    if executable is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return executable


def _libpq_environment() -> dict[str, str]:
    """The default database's address for pg_dump/pg_restore, by libpq's
    variables: the password never appears on a command line."""
    database = connection.settings_dict
    variables = {
        "PGDATABASE": database["NAME"],
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGSSLMODE": (database.get("OPTIONS") or {}).get("sslmode", ""),
    }
    # The rest of the environment stays (HOME for ~/.pgpass and TLS roots, PGSSL…).
    return {**os.environ, **{key: value for key, value in variables.items() if value}}


def _run(command: list[str]) -> None:
    # Fixed executables found by shutil.which, arguments built here, no shell.
    done = subprocess.run(command, env=_libpq_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


# --- backup ---------------------------------------------------------------------


def _copy_files(storage: Storage, target: Path) -> dict[str, dict[str, Any]]:
    copied: dict[str, dict[str, Any]] = {}
    for name in stored_names(storage):
        destination = target / FILES / _safe_relative(name)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with storage.open(name, "rb") as source, destination.open("wb") as out:
            for chunk in source.chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        copied[name] = {"sha256": digest.hexdigest(), "size": size}
    return copied


def backup_create(*, destination: Path) -> Manifest:
    """Dump the database and copy the stored files into ``destination`` (a new
    or empty directory), with the manifest written last: a directory without
    a manifest is an unfinished backup."""
    _require_postgresql()
    pg_dump = _tool("pg_dump")
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; a backup goes into a new directory.")
    if connection.in_atomic_block:
        raise BackupError("A backup takes its own database snapshot; call it outside a transaction.")
    destination.mkdir(parents=True, exist_ok=True)
    storage = default_storage
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One snapshot for the counts, the dump and the integrity check.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
        if row is None:
            raise BackupError("PostgreSQL exported no snapshot.")
        snapshot = str(row[0])
        counts = row_counts()
        migrations = applied_migrations()
        dump = destination / DUMP
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
            ]
        )
        files = _copy_files(storage, destination)
        problems = integrity_problems(files={name: entry["sha256"] for name, entry in files.items()})
        version = _server_version()
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        database={
            "name": connection.settings_dict["NAME"],
            "server_version": version,
            "dump": DUMP,
            "sha256": _sha256_file(dump),
            "size": dump.stat().st_size,
        },
        migrations=migrations,
        counts=counts,
        files=files,
        storage=f"{type(storage).__module__}.{type(storage).__qualname__}",
        integrity_problems=problems,
    )
    (destination / MANIFEST).write_text(manifest.as_json(), encoding="utf-8")
    return manifest


# --- restore --------------------------------------------------------------------


def _safe_relative(name: str) -> Path:
    """A stored name as a relative path that cannot leave the backup directory."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in {"", ".", ".."} for part in path.parts):
        raise BackupError(f"The stored name {name!r} is not a plain relative name.")
    return Path(*path.parts)


def _check_backup(source: Path, manifest: Manifest) -> None:
    """Every byte of the backup against the manifest, before anything is touched."""
    dump = source / manifest.database["dump"]
    if not dump.is_file() or _sha256_file(dump) != manifest.database["sha256"]:
        raise BackupError(f"{dump} is missing or does not match the manifest's SHA-256.")
    for name, entry in manifest.files.items():
        path = source / FILES / _safe_relative(name)
        if not path.is_file() or _sha256_file(path) != entry["sha256"]:
            raise BackupError(f"{path} is missing or does not match the manifest's SHA-256.")


def _database_is_empty() -> bool:
    return not connection.introspection.table_names(include_views=True)


def _empty_the_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def _unapplied_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _verify(manifest: Manifest, storage: Storage) -> None:
    problems = []
    counts = row_counts()
    for label, expected in sorted(manifest.counts.items()):
        if counts.get(label) != expected:
            problems.append(f"{label}: {counts.get(label)} rows, the backup has {expected}")
    if applied_migrations() != manifest.migrations:
        problems.append("the applied migrations differ from the backup's")
    stored = {}
    for name, entry in sorted(manifest.files.items()):
        stored[name] = _sha256_stored(storage, name) if storage.exists(name) else ""
        if stored[name] != entry["sha256"]:
            problems.append(f"file {name}: missing or changed after restore")
    found = integrity_problems(files=stored)
    if found != manifest.integrity_problems:
        problems.extend(sorted(set(found) - set(manifest.integrity_problems)))
    if problems:
        raise BackupError("The restore does not match the backup:\n  " + "\n  ".join(problems))


def backup_restore(*, source: Path, force: bool = False, allow_production: bool = False) -> RestoreReport:
    """Put a backup back: the dump into the default database and the files into
    the default storage, then verify both against the manifest.

    Refuses a database with tables in it or a storage with files in it unless
    ``force`` (which empties both first), and refuses in production unless
    ``allow_production``."""
    if getattr(settings, "PRODUCTION", False) and not allow_production:
        raise BackupError(
            "PORTAL_ENV is production: a restore replaces live data; say so explicitly (--allow-production)."
        )
    _require_postgresql()
    pg_restore = _tool("pg_restore")
    manifest = Manifest.read(source)
    _check_backup(source, manifest)
    storage = default_storage
    existing = list(stored_names(storage))
    if not force:
        if not _database_is_empty():
            raise BackupError(
                f"The database {connection.settings_dict['NAME']} is not empty; "
                "restore into an empty one, or replace its contents with --force."
            )
        if existing:
            raise BackupError(
                f"The file storage already holds {len(existing)} files; "
                "restore into an empty one, or replace its contents with --force."
            )
    else:
        _empty_the_database()
        for name in existing:
            storage.delete(name)
    connection.close()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source / manifest.database["dump"]),
        ]
    )
    written = 0
    for name in sorted(manifest.files):
        with (source / FILES / _safe_relative(name)).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"The storage stored {name} as {saved}; the restore cannot keep its name.")
        written += 1
    _verify(manifest, storage)
    return RestoreReport(
        manifest=manifest, files_written=written, unapplied_migrations=_unapplied_migrations()
    )


def default_destination() -> Path:
    """``var/backups/<UTC time>`` beside the code: for a try-out; production
    names a directory on another disk or a mounted off-site volume."""
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "var" / "backups" / stamp
