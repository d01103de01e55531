"""The migrate task signs in as the RDS master user with no stored copy of its password
(terraform/modules/shop_service): its DATABASE_URL, built from shop_database's outputs, has no
password, and ECS sets PGPASSWORD from the master user secret RDS manages and rotates. That works
only if Django passes libpq no password for such a URL, so that libpq falls back to PGPASSWORD.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import dj_database_url
import psycopg
from django.db.utils import ConnectionHandler
from support.terraform import MODULES_DIR, load

# What shop_database's outputs look like in an environment.
DATABASE = {
    "master_username": "olist",
    "address": "olist-dev-shop.abc123.sa-east-1.rds.amazonaws.com",
    "port": "5432",
    "database_name": "olist",
}


def _migrate_locals() -> dict:
    (module_locals,) = [
        block
        for block in load(MODULES_DIR / "shop_service" / "main.tf")["locals"]
        if "migrations_database_url" in block
    ]
    return module_locals


def _migrations_database_url() -> str:
    """The migrate task's DATABASE_URL, the module's template filled with DATABASE."""
    template = _migrate_locals()["migrations_database_url"]
    return re.sub(r"\$\{var\.migrations_database\.(\w+)\}", lambda m: DATABASE[m[1]], template)


def test_the_migrate_tasks_url_names_the_owner_and_no_password():
    url = urlsplit(_migrations_database_url())
    assert (url.username, url.password) == ("olist", None)
    assert (url.hostname, url.port, url.path) == (DATABASE["address"], 5432, "/olist")
    assert url.query == "sslmode=require"


def test_its_password_is_the_master_user_secrets_password_key():
    assert (
        _migrate_locals()["migrations_password_from"]
        == "${var.migrations_database.master_user_secret_arn}:password::"
    )


def test_django_passes_no_password_so_libpq_reads_pgpassword(monkeypatch):
    settings = dj_database_url.parse(_migrations_database_url())
    assert settings["PASSWORD"] == ""
    params = ConnectionHandler({"default": settings})["default"].get_connection_params()
    assert "password" not in params
    assert params["user"] == "olist" and params["host"] == DATABASE["address"]
    # libpq's default for a password the connection does not give: PGPASSWORD.
    monkeypatch.setenv("PGPASSWORD", "from-the-master-user-secret")
    (default,) = [d for d in psycopg.pq.Conninfo.get_defaults() if d.keyword == b"password"]
    assert (default.envvar, default.val) == (b"PGPASSWORD", b"from-the-master-user-secret")
