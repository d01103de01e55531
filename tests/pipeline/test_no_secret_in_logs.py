"""No database password reaches a log: the extract task and the API, signed in as their roles.

The roles get distinctive passwords (``apply`` sets them; a server that trusts local connections
accepts them as well), which travel the way production's do: in the Airflow connection the task
reads and in the ``DATABASE_URL`` gunicorn reads. Every log is kept at its most talkative level
and Airflow's secrets masker is not in the way, so any line that formats a URL or a connection
would show the password. The passwords are put back afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from support.workers import machine_lock

from config import database_roles as roles
from config.postgres import with_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def _roles_lock() -> Iterator[None]:
    """The roles are the server's: on pytest-xdist, the modules that change them take turns."""
    with machine_lock("database-roles"):
        yield


REPO_ROOT = Path(__file__).resolve().parents[2]

EXTRACT_TASK = """
import logging, sys
from datetime import UTC, datetime
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from olist_pipeline.orchestration import tasks
from olist_pipeline.settings import PipelineSettings
facts = tasks.extract(PipelineSettings.from_env(), run_id="manual__secrets", interval_start=None,
                      interval_end=None, run_after=datetime.now(UTC), full_refresh=True)
print("extracted", facts.rows_extracted, "rows")
"""


@pytest.fixture
def secret_urls(shop_url) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """The roles' URLs on a copy of the loaded shop, with passwords made for this test."""
    warehouse = f"secrets_test_{uuid.uuid4().hex[:8]}"
    passwords = {role.key: f"Sekr3t-{role.key}-{uuid.uuid4().hex}" for role in roles.ROLES}
    try:
        roles.apply(shop_url, warehouse_database=warehouse, other_databases=(), passwords=passwords)
        yield (
            roles.role_urls(shop_url, warehouse_database=warehouse, passwords=passwords),
            passwords,
        )
    finally:
        roles.apply(shop_url, warehouse_database=None, other_databases=())  # make db's passwords
        with psycopg.connect(with_database(shop_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{warehouse}" with (force)')


def leaks(text: str, passwords: dict[str, str]) -> list[str]:
    return [key for key, password in passwords.items() if password in text]


def files_text(folder: Path) -> str:
    return "\n".join(
        path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file()
    )


def test_the_extract_task_logs_no_password(secret_urls, tmp_path):
    urls, passwords = secret_urls
    env = {
        **os.environ,
        "AIRFLOW_CONN_OLIST_SHOP": urls["extract"],
        "AIRFLOW_CONN_OLIST_WAREHOUSE": urls["loader"],
        "AIRFLOW_CONN_OLIST_BI": urls["bi"],
        "LAKE_URI": str(tmp_path / "lake"),
        "PYTHONPATH": str(REPO_ROOT / "plugins"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "DEBUG",
    }
    for name in ("SHOP_CONN_ID", "WAREHOUSE_CONN_ID", "BI_CONN_ID"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-c", EXTRACT_TASK],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "extracted" in run.stdout and "DEBUG" in run.stderr  # it ran, and talked
    assert leaks(run.stdout + run.stderr, passwords) == []
    assert leaks(files_text(tmp_path / "lake"), passwords) == []  # manifests included


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Token {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _reader_token(owner_url: str) -> str:
    """An API token of a new user, made by the shop's own models."""
    made = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User;"
            "from rest_framework.authtoken.models import Token;"
            "print(Token.objects.create(user=User.objects.create_user('secrets_reader')).key)",
        ],
        cwd=REPO_ROOT / "django_project",
        env={**os.environ, "DATABASE_URL": owner_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def test_the_api_under_gunicorn_logs_no_password(secret_urls, shop_url, tmp_path):
    urls, passwords = secret_urls
    token = _reader_token(shop_url)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": urls["shop_app"],
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DJANGO_LOG_LEVEL": "DEBUG",
        "GUNICORN_CMD_ARGS": "--workers 1 --log-level debug --access-logfile -",
    }
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"],
            cwd=REPO_ROOT / "django_project",
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while _get_or_none(port, "/healthz") != 200:
                assert server.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
            statuses = [
                _get(port, path, token) for path in ("/api/orders/", "/api/customers/", "/api/x")
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    text = log.read_text()
    assert statuses[:2] == [200, 200] and statuses[2] == 404, text[-3000:]
    assert "GET /api/orders/" in text  # the access log and Django's own were on
    assert leaks(text, passwords) == []


def _get_or_none(port: int, path: str) -> int | None:
    try:
        return _get(port, path)
    except OSError:
        return None
