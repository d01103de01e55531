"""Find (or start) the PostgreSQL server every local command uses, and create databases on it.

Resolution order, the same for Django, the loader, the benchmarks and the Makefile:

1. ``DATABASE_URL`` when it is set (production: RDS; CI elsewhere: any server);
2. else the server on 127.0.0.1:5432, when something answers there;
3. else an embedded PostgreSQL from the ``pgserver`` wheel, kept under ``.local/pgdata``
   (git-ignored) and left running between commands so the next one reuses it.

Run ``python -m config.postgres url`` to print the resolved URL, or
``python -m config.postgres ensure NAME...`` to also create the named databases if missing.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_DATA_DIR = REPO_ROOT / ".local" / "pgdata"
DEFAULT_DATABASE = "olist"
LOCAL_HOST, LOCAL_PORT = "127.0.0.1", 5432


def _answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _embedded_server_url(database: str) -> str:
    # Imported here: the wheel is only needed when no other server is there.
    import pgserver

    EMBEDDED_DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(EMBEDDED_DATA_DIR, cleanup_mode=None)
    socket_dir = urlsplit(server.get_uri()).query.removeprefix("host=")
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{database}"


def resolve_database_url(database: str = DEFAULT_DATABASE) -> str:
    """The URL of the shop database, following the resolution order in the module docstring."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    if _answers(LOCAL_HOST, LOCAL_PORT):
        return f"postgresql://postgres@{LOCAL_HOST}:{LOCAL_PORT}/{database}"
    return _embedded_server_url(database)


def with_database(url: str, database: str) -> str:
    """The same server as ``url``, another database on it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` when it does not exist; True when it was created."""
    database = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (database,)
        ).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
        return True


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"url", "ensure"}:
        print("usage: python -m config.postgres url | ensure [DATABASE...]", file=sys.stderr)
        return 2
    url = resolve_database_url()
    if argv[0] == "ensure":
        for database in argv[1:] or [urlsplit(url).path.lstrip("/")]:
            if ensure_database(with_database(url, database)):
                print(f"created database {database}", file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
