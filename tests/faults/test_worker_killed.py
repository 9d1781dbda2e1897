"""Fault: a Celery worker killed (SIGKILL) in the middle of a task.

Tasks are acknowledged late and rejected back to the queue when their
worker process is lost (``CELERY_TASK_ACKS_LATE``,
``CELERY_TASK_REJECT_ON_WORKER_LOST``); a message of a worker that vanished
whole is handed out again after the broker's visibility timeout. The task
runs again and its effect happens once: the PDF of a result is rendered
under the result's row lock, and a status push carries an
``Idempotency-Key`` (its delivery id) by which the receiver drops a repeat.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client

from applicants.models import Applicant, User
from audit.models import AuditEntry
from gateway.models import CallbackDelivery, GatewayRequest
from reglament.models import Office
from services.constants import State
from services.models import Application, RenderedDocument, ResultDocument
from tests.faults.conftest import ThrowawayRedis, Workers, database_url_of_tests, kill, wait_until
from tests.flows import desk_application
from tests.gateway.conftest import make_client, message, person, post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker shares the database"),
]

LOCK_WAITERS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


def lock_waiters() -> set[int]:
    """Backends waiting for a lock now (a fresh connection: the statistics
    views are a snapshot per transaction)."""
    with psycopg.connect(database_url_of_tests(), autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(LOCK_WAITERS)
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def row_locker() -> Iterator[psycopg.Connection[Any]]:
    """A connection of the test's own that holds row locks the worker's task
    waits for: the task is then observably in progress."""
    conn = psycopg.connect(database_url_of_tests())
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def test_a_worker_killed_while_rendering_a_result_pdf_renders_it_once_on_the_next_run(
    clerk: User,
    executor: User,
    applicant: Applicant,
    broker: ThrowawayRedis,
    workers: Workers,
    row_locker: psycopg.Connection[Any],
) -> None:
    # Signed with no worker running: the rendering task waits in Redis.
    application = desk_application(
        clerk=clerk, applicant=applicant, executor=executor, service_code="S2", until=State.RESULT_SIGNED
    )
    result = ResultDocument.objects.get(application=application)
    with row_locker.cursor() as cursor:
        cursor.execute("SELECT id FROM services_resultdocument WHERE id = %s FOR UPDATE", [result.pk])
    worker = workers.start()

    first = wait_until(lambda: lock_waiters(), timeout=60, what="the task to wait for the row")
    (child,) = worker.pool_children()
    kill(child)
    # The task goes back to the queue and a new pool process runs it again.
    wait_until(lambda: lock_waiters() - first, timeout=60, what="the task to run again")
    row_locker.rollback()

    wait_until(lambda: RenderedDocument.objects.filter(result=result).exists(), timeout=60, what="the PDF")
    wait_until(lambda: not lock_waiters(), timeout=30, what="every run to finish")
    assert RenderedDocument.objects.count() == 1
    assert AuditEntry.objects.filter(action="document_render").count() == 1
    assert ResultDocument.objects.count() == 1
    assert Application.objects.get(pk=application.pk).state == State.RESULT_SIGNED
    assert bytes(RenderedDocument.objects.get().pdf).startswith(b"%PDF")


@dataclass
class HoldingReceiver:
    """A client's callback endpoint that applies each push once, by its
    ``Idempotency-Key``, and holds the first request open until released."""

    url: str = ""
    posts: list[str] = field(default_factory=list)
    effects: dict[str, int] = field(default_factory=dict)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[HoldingReceiver]:
    state = HoldingReceiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            key = self.headers["Idempotency-Key"]
            with lock:
                assert key == body["deliveryId"]
                state.posts.append(key)
                if key not in state.effects:  # the receiver's own dedupe
                    state.effects[key] = 1
                first = len(state.posts) == 1
            if first:
                state.holding.set()
                state.release.wait(timeout=60)
            with contextlib.suppress(OSError):  # the sender may be dead by now
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/gateway/callback"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_worker_killed_while_pushing_a_status_delivers_it_once_after_a_new_worker_starts(
    aktau: Office, broker: ThrowawayRedis, workers: Workers, receiver: HoldingReceiver
) -> None:
    workers.env["GATEWAY_CALLBACK_TIMEOUT"] = "60"
    credentials = make_client("egov.kz", callback_url=receiver.url)
    worker = workers.start()

    response = post(Client(), credentials, message(person(), office=aktau))
    assert response.status_code == 201, response.content
    assert receiver.holding.wait(timeout=60), "the push never arrived"
    # The whole worker dies with the request open: nothing acknowledged the
    # message, nothing recorded the attempt.
    for child in worker.pool_children():
        kill(child)
    kill(worker.process)
    worker.process.wait(timeout=10)
    receiver.release.set()

    workers.start()
    delivery = CallbackDelivery.objects.get()
    wait_until(
        lambda: CallbackDelivery.objects.filter(pk=delivery.pk, delivered_at__isnull=False).exists(),
        timeout=90,
        what="the push to be delivered by the new worker",
    )
    delivery.refresh_from_db()
    assert receiver.posts == [str(delivery.delivery_id)] * 2
    assert receiver.effects == {str(delivery.delivery_id): 1}
    assert delivery.attempts == 1  # the killed attempt was rolled back with its worker
    assert CallbackDelivery.objects.count() == 1
    assert GatewayRequest.objects.count() == Application.objects.count() == 1
    assert AuditEntry.objects.filter(action="gateway_callback", succeeded=True).count() == 1
