"""Database URLs: the libpq form (``postgresql://user:pass@host:port/db``) that psycopg, ADBC
and Airflow connections use, turned into the form SQLAlchemy reads (Airflow's metadata
database, the Great Expectations warehouse checks)."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

SQLALCHEMY_POSTGRES = "postgresql+psycopg2"


def sqlalchemy_url(url: str, database: str | None = None) -> str:
    """``url`` as SQLAlchemy reads it, naming ``database`` instead of the URL's own if given.

    A libpq URL gets the psycopg2 driver, and a socket folder written as a %-encoded host
    (the embedded PostgreSQL's, ``postgresql://postgres@%2Ftmp%2Fpg/db``) moves to the query
    (``...@/db?host=/tmp/pg``), since SQLAlchemy does not decode a host. Any other URL (a
    Redshift dialect's, say) is returned as it is.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", SQLALCHEMY_POSTGRES):
        return url
    auth = quote(unquote(parts.username or "postgres"), safe="")
    if parts.password:
        auth += ":" + quote(unquote(parts.password), safe="")
    name = database or parts.path.lstrip("/")
    host = unquote(parts.hostname or "")
    query = [parts.query] if parts.query else []
    if host.startswith("/"):
        query.append(f"host={quote(host, safe='/')}")
        address = ""
    else:
        address = f"{host}:{parts.port}" if parts.port else host
    suffix = f"?{'&'.join(query)}" if query else ""
    return f"{SQLALCHEMY_POSTGRES}://{auth}@{address}/{name}{suffix}"
