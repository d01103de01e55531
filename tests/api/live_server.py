"""The real API for the black-box suites: its own migrated database and gunicorn on loopback.

The fuzz and concurrency suites talk HTTP to the production stack (gunicorn's configuration,
``DJANGO_ENV=production``), not to Django's test client, so they run what is deployed.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

DJANGO_PROJECT = Path(__file__).resolve().parents[2] / "django_project"
HOST = "127.0.0.1"
PRODUCT_ID, SELLER_ID, CUSTOMER_UNIQUE_ID = "b" * 32, "5" * 32, "a" * 32


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=DJANGO_PROJECT,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextmanager
def shop_database() -> Iterator[str]:
    """A fresh migrated database holding one category, seller, product and customer."""
    from config.postgres import ensure_database, resolve_database_url, with_database

    admin_url = with_database(resolve_database_url(), "postgres")
    url = with_database(resolve_database_url(), f"api_live_{uuid.uuid4().hex[:12]}")
    ensure_database(url)
    try:
        manage(url, "migrate", "--no-input", "-v", "0")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "insert into product_categories (product_category_name,"
                " product_category_name_english) values ('perfumaria', 'perfumery')"
            )
            conn.execute(
                "insert into sellers (seller_id, seller_zip_code_prefix, seller_city,"
                " seller_state) values (%s, '13023', 'campinas', 'SP')",
                (SELLER_ID,),
            )
            conn.execute(
                "insert into products (product_id, product_category_name, product_weight_g)"
                " values (%s, 'perfumaria', 300)",
                (PRODUCT_ID,),
            )
            conn.execute(
                "insert into customers (customer_id, customer_unique_id,"
                " customer_zip_code_prefix, customer_city, customer_state)"
                " values (%s, %s, '01037', 'sao paulo', 'SP')",
                ("c" * 32, CUSTOMER_UNIQUE_ID),
            )
        yield url
    finally:
        name = url.rsplit("/", 1)[1].split("?")[0]
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


@contextmanager
def gunicorn(database_url: str, **extra_env: str) -> Iterator[int]:
    """The API in production mode on a free loopback port; its port."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": HOST,
        # Plain HTTP on loopback: no TLS terminator in front.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "HOST": HOST,
        "PORT": str(port),
        **extra_env,
    }
    # The log goes to a file, never to a pipe: nobody reads a pipe while the server runs, and
    # once its 64 KiB buffer is full (Django logs every 4xx) every worker blocks on its next
    # log line and the server hangs. That is what first made the fuzz suite time out.
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"],
            cwd=DJANGO_PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn exited:\n{log.read()[-5000:]}")
                try:
                    with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
