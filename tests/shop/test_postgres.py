"""How every command finds its PostgreSQL server (config.postgres)."""

import os
import shutil
import socket

import dj_database_url
import psycopg
import pytest
from support.workers import per_worker

from config import postgres


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db.internal:5433/olist")
    assert postgres.resolve_database_url() == "postgresql://shop@db.internal:5433/olist"


def test_server_on_the_local_port_is_used_when_it_answers(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        monkeypatch.setattr(postgres, "LOCAL_PORT", listener.getsockname()[1])
        url = postgres.resolve_database_url("shop")
    assert url == f"postgresql://postgres@127.0.0.1:{postgres.LOCAL_PORT}/shop"


@pytest.mark.integration
def test_embedded_server_starts_when_nothing_answers(monkeypatch):
    # Under the repository (git-ignored), not /tmp: the server runs as its own system user
    # when started by root and must be able to reach its data directory.
    data_dir = postgres.REPO_ROOT / ".local" / per_worker("test-pgdata", "-")
    shutil.rmtree(data_dir, ignore_errors=True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(postgres, "LOCAL_PORT", free_port())
    monkeypatch.setattr(postgres, "EMBEDDED_DATA_DIR", data_dir)
    try:
        url = postgres.resolve_database_url("embedded_check")
        assert postgres.ensure_database(url) is True
        assert postgres.ensure_database(url) is False  # idempotent
        with psycopg.connect(url) as conn:
            assert conn.execute("select current_database()").fetchone() == ("embedded_check",)
        # Django reads the same URL: the socket directory becomes HOST.
        assert dj_database_url.parse(url)["HOST"] == str(data_dir)
    finally:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "stop"], pgdata=data_dir, user="pgserver" if os.geteuid() == 0 else None)
        shutil.rmtree(data_dir, ignore_errors=True)
