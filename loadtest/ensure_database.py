"""``python -m loadtest.ensure_database URL``: create the PostgreSQL database
of URL if it is missing (for ``make bench``; the benchmarks refuse names
without "bench", so this does too)."""

from __future__ import annotations

import sys
import urllib.parse

import psycopg
from psycopg import sql


def ensure_database(url: str) -> bool:
    """True when the database was created, False when it was there."""
    parts = urllib.parse.urlsplit(url)
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        raise SystemExit(f"refusing a benchmark database whose name lacks 'bench': {name!r}")
    maintenance = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m loadtest.ensure_database postgres://...")
    print("created" if ensure_database(sys.argv[1]) else "exists", file=sys.stderr)
