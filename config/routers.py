"""Reports read from a PostgreSQL read replica when one is configured
(``DATABASE_REPLICA_URL``; issue 6, Production).

Only code inside ``replica_reads()`` reads from the replica: the report
pages and their downloads, which tolerate a few seconds of replication lag
and are the heaviest reads of the portal. Everything else, and every write
anywhere, goes to the primary: a clerk must see the application they have
just registered. Without a replica the router changes nothing.

Public: ``REPLICA``, ``replica_reads``, ``ReplicaRouter``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads of the block go to the replica, when there is one."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_from_replica.get() and settings.DATABASE_REPLICA_URL:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: objects from either relate.
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        # The replica follows the primary's schema by streaming replication.
        return False if db == REPLICA else None
