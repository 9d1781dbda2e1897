"""Throwaway services for the fault tests: a Redis on a spare port, real
Celery workers, and a PostgreSQL cluster made with ``initdb``. The tests
stop and kill these, never the machine's shared servers; every fixture
stops its processes on teardown."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# Spare ports of this suite (tests/faults/ only).
REDIS_PORT = 6391
POSTGRES_PORT = 55431
HTTP_PORT = 8111
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout``
    seconds (a wait for a subprocess, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 10) -> None:
    """Terminate a subprocess and every process it started."""
    if process.poll() is not None:
        return
    with contextlib.suppress(psutil.NoSuchProcess):
        children = psutil.Process(process.pid).children(recursive=True)
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


# --- Redis ------------------------------------------------------------------------------


@dataclass
class ThrowawayRedis:
    """A ``redis-server`` with nothing persisted: stopping it loses every
    queued message, as a crashed broker would."""

    directory: Path
    port: int = REDIS_PORT
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert not port_open(self.port), f"port {self.port} is taken"
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), timeout=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        wait_until(lambda: not port_open(self.port), timeout=10, what="redis-server to stop")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(directory=tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: ThrowawayRedis, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThrowawayRedis]:
    """This process publishes tasks to the throwaway Redis, for real (not eagerly)."""

    def reset_pools() -> None:
        kombu_pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "broker_url", redis_server.url)
    monkeypatch.setattr(celery_app.conf, "broker_write_url", None)
    reset_pools()
    yield redis_server
    monkeypatch.undo()
    reset_pools()


# --- Celery workers ------------------------------------------------------------------------


def database_url_of_tests() -> str:
    """The URL of pytest-django's test database, for a subprocess."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def pool_children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def stop(self) -> None:
        stop_process(self.process)


@dataclass
class Workers:
    """Start Celery workers (``start``) that are stopped on teardown."""

    directory: Path
    env: dict[str, str]
    started: list[Worker] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["EMAIL_FILE_PATH"])

    def mails(self) -> list[str]:
        """Every e-mail the workers sent (the file backend may append
        several to one file; each ends with a line of dashes)."""
        messages: list[str] = []
        for path in sorted(self.mail_dir.glob("*.log")):
            messages += [m for m in path.read_text(errors="replace").split("-" * 79 + "\n") if m.strip()]
        return messages

    def start(self, *, pool: str = "prefork") -> Worker:
        log = self.directory / f"worker-{len(self.started)}.log"
        name = f"faults-{uuid.uuid4().hex[:8]}@%h"
        command = [str(VENV_BIN / "celery"), "-A", "config", "worker", "--pool", pool, "-n", name]
        command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        if pool == "prefork":
            command += ["-c", "1"]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        worker = Worker(process=process, log=log)
        self.started.append(worker)
        wait_until(
            lambda: process.poll() is not None or " ready." in log.read_text(errors="replace"),
            timeout=60,
            what="the Celery worker",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


@pytest.fixture
def workers(broker: ThrowawayRedis, transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    """Celery workers on the throwaway Redis and pytest-django's test
    database, sending e-mail to files that the tests count."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": broker.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PKI_CA_DIR": str(settings.PKI_CA_DIR),
        "PKI_STAFF_KEY_PASSWORD": settings.PKI_STAFF_KEY_PASSWORD,
        # A task of a worker that vanished is handed out again soon.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "PYTHONUNBUFFERED": "1",
    }
    pool = Workers(directory=tmp_path, env=env)
    try:
        yield pool
    finally:
        pool.stop_all()


def kill(process: psutil.Process | subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean-up, no acknowledgement, as the kernel's OOM killer does."""
    os.kill(process.pid, signal.SIGKILL)


# --- PostgreSQL ---------------------------------------------------------------------------


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, made with ``initdb`` in a temporary
    folder. As root (CI) it runs as the ``postgres`` user: initdb refuses root."""

    directory: Path
    port: int = POSTGRES_PORT

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "portal") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(  # noqa: S603 - fixed arguments
            [*prefix, *args], check=True, timeout=timeout, capture_output=True, cwd=self.directory
        )

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
            "-o", options, "-w", *args,
        )  # fmt: skip

    def create(self) -> None:
        assert not port_open(self.port), f"port {self.port} is taken"
        self.run(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.pg_ctl("start")
        self.execute("postgres", "CREATE DATABASE portal")

    def execute(self, database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with (
            psycopg.connect(
                self.url(database).replace("postgres://", "postgresql://"), autocommit=True
            ) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def postgres_cluster() -> Iterator[ThrowawayPostgres]:
    import tempfile

    # A folder the postgres user owns, outside pytest's root-only tmp folders.
    directory = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres", group="postgres")
    cluster = ThrowawayPostgres(directory=directory)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()
