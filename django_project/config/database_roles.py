"""The platform's database roles and their grants, in one place.

Four login roles, each given what its component needs and refused the rest:

=====================  ===========================  ==============================================
role                   used by                      allowed
=====================  ===========================  ==============================================
``olist_shop_app``     the shop (Django, gunicorn)  connect to the shop database; read and write
                                                    every table of its ``public`` schema (and use
                                                    their sequences); no DDL
``olist_extract``      the extract and the          connect to the shop database; read the tables
                       reconciliation (Airflow's    the lake carries and the delete log
                       shop connection)             (``deleted_rows``); nothing else
``olist_loader``       the warehouse load, dbt,     connect to the warehouse; own its schemas
                       the audit, the checks        (``staging``, ``core``, ``marts``, ``audit``),
                       (Airflow's warehouse         so it creates, replaces and drops their tables
                       connection)
``olist_bi``           the dashboards site,         connect to the warehouse; read ``core`` and
                       Metabase                     ``marts``
=====================  ===========================  ==============================================

The shop's tables belong to the role the migrations run as, the owner (``postgres`` locally,
the RDS master user in AWS): a role that can change the schema can also grant itself anything,
so the application does not get it. ``make load`` and the Airflow metadata database (``airflow``,
which Airflow's own migrations create and alter) stay with the owner too.

``apply`` is rerunnable: roles are created when missing and their passwords set again; grants are
given to what exists now, and ``alter default privileges`` gives them to what the owner's later
migrations and the loader's later models create. dbt replaces a ``table`` model by creating a new
table and renaming it over the old one, so a grant made on the old table would be lost; the
loader's default privileges give the new table to ``olist_bi`` as it is created, so no dbt
``grants`` config is needed (and a model never fails on a role a bare server lacks). CONNECT is
revoked from PUBLIC on the platform's databases, so a role reaches only the databases granted to
it (a superuser, the owner, is not affected).

Passwords come from settings (``.env.example``: ``SHOP_APP_DB_PASSWORD`` ...). Locally they may be
unset: a random one per role is then kept in ``.local/database_roles.json`` (git-ignored), so
URLs carry a password as in production even where the server trusts local connections. The
server receives a SCRAM verifier, never the password itself, so a statement log cannot show it.

``python -m config.database_roles apply`` (``make db``; in AWS with ``DATABASE_URL`` the RDS
master's URL), ``url ROLE``, ``urls`` (JSON, for ``make pipeline``), ``redshift-sql`` (the same
roles in Redshift, for its query editor; see docs/deploy.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from config.postgres import REPO_ROOT, ensure_database, resolve_database_url, with_database

PASSWORDS_FILE = REPO_ROOT / ".local" / "database_roles.json"
WAREHOUSE_DATABASE = "warehouse"
AIRFLOW_DATABASE = "airflow"
# The warehouse's schemas (plugins/olist_pipeline/warehouse/protocol.py SCHEMAS; a test checks).
WAREHOUSE_SCHEMAS = ("staging", "core", "marts", "audit")
BI_SCHEMAS = ("core", "marts")
# What the extract reads: the tables the lake carries (plugins/olist_pipeline/tables.py; a test
# checks), the delete log among them.
EXTRACT_TABLES = (
    "geolocation",
    "product_categories",
    "sellers",
    "products",
    "customers",
    "orders",
    "deliveries",
    "order_items",
    "payments",
    "reviews",
    "deleted_rows",
)


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    database: str  # "shop" or "warehouse": the database its URL names
    password_setting: str


SHOP_APP = Role("shop_app", "olist_shop_app", "shop", "SHOP_APP_DB_PASSWORD")
EXTRACT = Role("extract", "olist_extract", "shop", "EXTRACT_DB_PASSWORD")
LOADER = Role("loader", "olist_loader", "warehouse", "LOADER_DB_PASSWORD")
BI = Role("bi", "olist_bi", "warehouse", "BI_DB_PASSWORD")
ROLES = (SHOP_APP, EXTRACT, LOADER, BI)
ROLES_BY_KEY = {role.key: role for role in ROLES}


class MissingPassword(RuntimeError):
    pass


def _production() -> bool:
    return os.environ.get("DJANGO_ENV", "local") == "production"


def role_passwords(passwords_file: Path = PASSWORDS_FILE) -> dict[str, str]:
    """Each role's password: its setting, else (locally) the one kept in ``passwords_file``."""
    kept = json.loads(passwords_file.read_text()) if passwords_file.exists() else {}
    passwords, generated = {}, False
    for role in ROLES:
        value = os.environ.get(role.password_setting, "").strip()
        if not value:
            if _production():
                raise MissingPassword(
                    f"{role.password_setting} must be set when DJANGO_ENV=production"
                )
            if role.key not in kept:
                kept[role.key], generated = secrets.token_urlsafe(24), True
            value = kept[role.key]
        passwords[role.key] = value
    if generated:
        passwords_file.parent.mkdir(parents=True, exist_ok=True)
        passwords_file.touch(mode=0o600)
        passwords_file.write_text(json.dumps(kept, indent=2))
    return passwords


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of ``password`` (what ``pg_authid`` stores)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(hashlib.sha256(client_key).digest()).decode()}:{b64(server_key).decode()}"
    )


def role_url(owner_url: str, role: Role, password: str, database: str) -> str:
    """``owner_url`` signed in as ``role`` on ``database`` (same server, same options)."""
    parts = urlsplit(owner_url)
    host = parts.netloc.rpartition("@")[2]
    auth = f"{quote(role.name, safe='')}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}", path=f"/{database}"))


def role_urls(
    owner_url: str,
    *,
    warehouse_database: str = WAREHOUSE_DATABASE,
    passwords: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every role's URL, by key, and the owner's (``owner``)."""
    passwords = passwords or role_passwords()
    shop_database = urlsplit(owner_url).path.lstrip("/")
    databases = {"shop": shop_database, "warehouse": warehouse_database}
    urls = {"owner": owner_url}
    for role in ROLES:
        urls[role.key] = role_url(owner_url, role, passwords[role.key], databases[role.database])
    return urls


def _ident(*names: str) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(name) for name in names)


def _ensure_role(conn: psycopg.Connection, role: Role, password: str) -> None:
    # Two setups racing for one server: the loser's create fails, and the role is there anyway.
    try:
        with conn.transaction():
            conn.execute(sql.SQL("create role {} login").format(sql.Identifier(role.name)))
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass
    conn.execute(
        sql.SQL("alter role {} with login password {}").format(
            sql.Identifier(role.name), sql.Literal(scram_verifier(password))
        )
    )


def shop_grants(database: str) -> list[sql.Composable]:
    """Run in the shop database as the owner of its tables (the migrations' role)."""
    app, extract = SHOP_APP.name, EXTRACT.name
    return [
        sql.SQL("revoke all on database {} from public").format(sql.Identifier(database)),
        sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(database), _ident(app, extract)
        ),
        sql.SQL("revoke create on schema public from public"),
        sql.SQL("grant usage on schema public to {}").format(_ident(app, extract)),
        sql.SQL("grant select, insert, update, delete on all tables in schema public to {}").format(
            sql.Identifier(app)
        ),
        sql.SQL("grant usage, select on all sequences in schema public to {}").format(
            sql.Identifier(app)
        ),
        sql.SQL(
            "alter default privileges in schema public"
            " grant select, insert, update, delete on tables to {}"
        ).format(sql.Identifier(app)),
        sql.SQL(
            "alter default privileges in schema public grant usage, select on sequences to {}"
        ).format(sql.Identifier(app)),
        # Exactly the listed tables: what an earlier list granted and this one drops goes.
        sql.SQL("revoke all on all tables in schema public from {}").format(
            sql.Identifier(extract)
        ),
    ]


def warehouse_grants(database: str) -> list[sql.Composable]:
    """Run in the warehouse database as a superuser (it hands the schemas to the loader)."""
    loader, bi = LOADER.name, BI.name
    statements = [
        sql.SQL("revoke all on database {} from public").format(sql.Identifier(database)),
        # create: the load's `create schema if not exists`; temporary: dbt's incremental models.
        sql.SQL("grant connect, create, temporary on database {} to {}").format(
            sql.Identifier(database), sql.Identifier(loader)
        ),
        sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(database), sql.Identifier(bi)
        ),
        sql.SQL("revoke create on schema public from public"),
    ]
    for schema in WAREHOUSE_SCHEMAS:
        statements += [
            sql.SQL("create schema if not exists {} authorization {}").format(
                sql.Identifier(schema), sql.Identifier(loader)
            ),
            sql.SQL("alter schema {} owner to {}").format(
                sql.Identifier(schema), sql.Identifier(loader)
            ),
        ]
    statements += [
        sql.SQL("grant usage on schema {} to {}").format(_ident(*BI_SCHEMAS), sql.Identifier(bi)),
        sql.SQL("grant select on all tables in schema {} to {}").format(
            _ident(*BI_SCHEMAS), sql.Identifier(bi)
        ),
        sql.SQL(
            "alter default privileges for role {} in schema {} grant select on tables to {}"
        ).format(sql.Identifier(loader), _ident(*BI_SCHEMAS), sql.Identifier(bi)),
    ]
    return statements


def _hand_tables_to_loader(conn: psycopg.Connection) -> None:
    """Tables built before the loader existed (by the owner) become the loader's, which dbt and
    the load must replace and drop."""
    rows = conn.execute(
        "select n.nspname, c.relname, c.relkind from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')"
        " and pg_get_userbyid(c.relowner) <> %s",
        (list(WAREHOUSE_SCHEMAS), LOADER.name),
    ).fetchall()
    for schema, name, kind in rows:
        keyword = "materialized view" if kind == "m" else "table"
        conn.execute(
            sql.SQL("alter {} {}.{} owner to {}").format(
                sql.SQL(keyword),
                sql.Identifier(schema),
                sql.Identifier(name),
                sql.Identifier(LOADER.name),
            )
        )


def apply(
    owner_url: str,
    *,
    warehouse_database: str | None = WAREHOUSE_DATABASE,
    other_databases: Iterable[str] = (AIRFLOW_DATABASE,),
    passwords: Mapping[str, str] | None = None,
) -> None:
    """Create the roles and give their grants on ``owner_url``'s server: the shop database is
    the URL's; ``warehouse_database`` None skips the warehouse (Redshift in AWS); no role may
    connect to ``other_databases``. Databases are created when missing."""
    passwords = passwords or role_passwords()
    shop_database = urlsplit(owner_url).path.lstrip("/")
    databases = [warehouse_database, *other_databases] if warehouse_database else other_databases
    for database in databases:
        ensure_database(with_database(owner_url, database))
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for role in ROLES:
            _ensure_role(conn, role, passwords[role.key])
    with psycopg.connect(owner_url) as conn:
        for statement in shop_grants(shop_database):
            conn.execute(statement)
        existing = [
            name
            for (name,) in conn.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = 'public' and c.relname = any(%s)",
                (list(EXTRACT_TABLES),),
            )
        ]
        if existing:
            conn.execute(
                sql.SQL("grant select on table {} to {}").format(
                    _ident(*existing), sql.Identifier(EXTRACT.name)
                )
            )
    if warehouse_database:
        with psycopg.connect(with_database(owner_url, warehouse_database)) as conn:
            for statement in warehouse_grants(warehouse_database):
                conn.execute(statement)
            _hand_tables_to_loader(conn)
    for database in other_databases:
        with psycopg.connect(owner_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("revoke all on database {} from public").format(sql.Identifier(database))
            )


def redshift_sql(
    database: str, loader_user: str, bi_users: Iterable[str] = ("olist_metabase",)
) -> str:
    """The warehouse's roles in Redshift, for its query editor as the admin user.

    Redshift differs from PostgreSQL in three ways that matter here: the loader is the MWAA
    execution role's IAM database user (``IAMR:<role name>``, no password), granted the
    ``olist_loader`` role; default privileges attach to the user that creates a table, not to a
    role, so ``olist_bi`` reads current and future tables through scoped permissions (``grant
    select for tables in schema``) instead; and there is no CONNECT privilege: a user sees the
    database it signs in to, and only what is granted there. Roles have no ``if not exists``:
    rerunning reports the existing ones and goes on (the query editor runs each statement).
    """
    loader, bi = LOADER.name, BI.name
    lines = [
        f"-- Run in database {database} as the admin user. Passwords are set separately:",
        # pragma: allowlist nextline secret
        "--   alter user olist_metabase password 'md5<md5 of password || user name>';",
        f"create role {loader};",
        f"create role {bi};",
        f'create user "{loader_user}" password disable;',
        f'grant role {loader} to "{loader_user}";',
        f"grant create on database {database} to role {loader};",
        f"grant temp on database {database} to role {loader};",
    ]
    for schema in WAREHOUSE_SCHEMAS:
        lines += [
            f'create schema if not exists {schema} authorization "{loader_user}";',
            f"grant all on schema {schema} to role {loader};",
        ]
    for schema in BI_SCHEMAS:
        lines += [
            f"grant usage on schema {schema} to role {bi};",
            f"grant select for tables in schema {schema} to role {bi};",
        ]
    for user in bi_users:
        lines += [f"create user {user} password disable;", f"grant role {bi} to {user};"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    usage = (
        "usage: python -m config.database_roles apply | url ROLE | urls"
        " | redshift-sql DATABASE LOADER_USER [BI_USER...]"
    )
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "redshift-sql" and len(args) >= 2:
        print(redshift_sql(args[0], args[1], args[2:] or ("olist_metabase",)), end="")
        return 0
    owner_url = resolve_database_url()
    # Another warehouse (WAREHOUSE_URL) is its own administrator's: the roles skip it here.
    warehouse = None if os.environ.get("WAREHOUSE_URL", "").strip() else WAREHOUSE_DATABASE
    if command == "apply" and not args:
        apply(owner_url, warehouse_database=warehouse)
        return 0
    if command == "urls" and not args:
        print(json.dumps(role_urls(owner_url)))
        return 0
    if command == "url" and len(args) == 1 and args[0] in ROLES_BY_KEY:
        print(role_urls(owner_url)[args[0]])
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
