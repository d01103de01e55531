"""Each database role can do its job and is refused everything else (config/database_roles.py).

A shop, a warehouse and an Airflow database of the module's own (unique names, dropped
afterwards), migrated by ``manage.py migrate`` and given the roles by ``apply``, the function
``make db`` runs. Roles are the server's, so the module uses the real ones with their real
passwords: applying them again here changes nothing for ``make db``'s databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from support.workers import machine_lock

from config import database_roles as roles
from config.postgres import ensure_database, resolve_database_url, with_database

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def _roles_lock() -> Iterator[None]:
    """The roles are the server's: on pytest-xdist, the modules that change them take turns."""
    with machine_lock("database-roles"):
        yield


DJANGO_PROJECT = Path(__file__).resolve().parents[2] / "django_project"


def _drop(server_url: str, *names: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    """URLs by role (``owner`` too), and the warehouse's and Airflow's database names."""
    server = resolve_database_url()
    prefix = f"roles_test_{uuid.uuid4().hex[:8]}"
    shop, warehouse, airflow = prefix, f"{prefix}_warehouse", f"{prefix}_airflow"
    owner_url = with_database(server, shop)
    ensure_database(owner_url)
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=DJANGO_PROJECT,
            env={**os.environ, "DATABASE_URL": owner_url},
            capture_output=True,
            text=True,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        roles.apply(owner_url, warehouse_database=warehouse, other_databases=[airflow])
        urls = roles.role_urls(owner_url, warehouse_database=warehouse)
        yield urls | {"warehouse_database": warehouse, "airflow_database": airflow}
    finally:
        _drop(server, shop, warehouse, airflow)


def refused(url: str, statement: str) -> bool:
    """Whether ``statement`` fails for lack of a privilege (and nothing else)."""
    with psycopg.connect(url) as conn:
        try:
            conn.execute(statement)
        except errors.InsufficientPrivilege:
            return True
    return False


def cannot_connect(url: str) -> bool:
    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError as error:
        assert "permission denied for database" in str(error)
        return True
    return False


def test_the_app_reads_and_writes_the_shop_but_cannot_change_its_schema(databases):
    app = databases["shop_app"]
    with psycopg.connect(app) as conn:
        conn.execute(
            "insert into product_categories (product_category_name,"
            " product_category_name_english) values ('roles_test', 'roles test')"
        )
        conn.execute("delete from product_categories where product_category_name = 'roles_test'")
        # The delete trigger wrote the delete log as the app.
        (logged,) = conn.execute(
            "select count(*) from deleted_rows where table_name = 'product_categories'"
        ).fetchone()
        assert logged == 1
    assert refused(app, "create table app_scratch (id int)")
    assert refused(app, "drop table orders")
    assert refused(app, "alter table orders add column extra int")


def test_the_app_cannot_reach_the_warehouse_or_airflow(databases):
    assert cannot_connect(with_database(databases["shop_app"], databases["warehouse_database"]))
    assert cannot_connect(with_database(databases["shop_app"], databases["airflow_database"]))


def test_the_extract_reads_the_shop_and_its_delete_log_and_writes_nothing(databases):
    extract = databases["extract"]
    with psycopg.connect(extract) as conn:
        for table in roles.EXTRACT_TABLES:
            conn.execute(f"select count(*) from {table}").fetchone()
    assert refused(extract, "insert into deleted_rows (table_name) values ('x')")
    assert refused(extract, "update orders set order_status = 'canceled'")
    assert refused(extract, "delete from customers")
    assert refused(extract, "create table extract_scratch (id int)")
    # The shop's users and API tokens are not the lake's.
    assert refused(extract, "select * from authtoken_token")
    assert refused(extract, "select * from auth_user")


def test_the_extract_cannot_connect_to_any_other_database(databases):
    assert cannot_connect(with_database(databases["extract"], databases["warehouse_database"]))
    assert cannot_connect(with_database(databases["extract"], databases["airflow_database"]))


def test_a_later_migrations_table_is_the_apps_and_not_the_extracts(databases):
    with psycopg.connect(databases["owner"]) as conn:
        conn.execute("create table later_migration (id bigint generated by default as identity)")
    with psycopg.connect(databases["shop_app"]) as conn:
        conn.execute("insert into later_migration default values")
    assert refused(databases["extract"], "select * from later_migration")


def test_the_loader_builds_the_warehouse_and_cannot_reach_the_shop(databases):
    loader = databases["loader"]
    with psycopg.connect(loader) as conn:
        for schema in roles.WAREHOUSE_SCHEMAS:  # the load's own statement, schemas present
            conn.execute(f"create schema if not exists {schema}")
        conn.execute("create table staging.lake_orders (order_id text)")
        conn.execute("insert into staging.lake_orders values ('o1')")
        conn.execute("create table core.fact_sales as select order_id from staging.lake_orders")
        conn.execute("create table audit.pipeline_runs (task_id text)")
        # dbt's incremental models stage their rows in a temporary table.
        conn.execute("create temporary table increment as select 1 as one")
    assert cannot_connect(with_database(loader, urlsplit_path(databases["owner"])))


def urlsplit_path(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_bi_reads_core_and_marts_across_dbt_s_table_swap_and_nothing_else(databases):
    loader, bi = databases["loader"], databases["bi"]
    with psycopg.connect(loader) as conn:
        conn.execute("create table if not exists staging.stg_orders (order_id text)")
        conn.execute("create table if not exists audit.runs (task_id text)")
        conn.execute("create table if not exists core.dim_time (date_key int)")
        conn.execute("create table marts.mart_rfm as select 1 as customers")
    with psycopg.connect(bi) as conn:
        assert conn.execute("select customers from marts.mart_rfm").fetchone() == (1,)
    # How dbt replaces a table model: a new table renamed over the old, which is dropped.
    with psycopg.connect(loader) as conn:
        conn.execute("create table marts.mart_rfm__dbt_tmp as select 2 as customers")
        conn.execute("alter table marts.mart_rfm rename to mart_rfm__dbt_backup")
        conn.execute("alter table marts.mart_rfm__dbt_tmp rename to mart_rfm")
        conn.execute("drop table marts.mart_rfm__dbt_backup")
    with psycopg.connect(bi) as conn:
        assert conn.execute("select customers from marts.mart_rfm").fetchone() == (2,)
        conn.execute("select count(*) from core.dim_time")
    assert refused(bi, "select * from staging.stg_orders")
    assert refused(bi, "select * from audit.runs")
    assert refused(bi, "delete from marts.mart_rfm")
    assert refused(bi, "create table marts.bi_scratch (id int)")
    assert refused(bi, "create schema bi_scratch")
    assert cannot_connect(with_database(bi, urlsplit_path(databases["owner"])))
    assert cannot_connect(with_database(bi, databases["airflow_database"]))


def test_applying_again_changes_no_grant_and_hands_old_tables_to_the_loader(databases):
    """A warehouse built by the owner before the roles existed is the loader's afterwards."""
    owner_warehouse = with_database(databases["owner"], databases["warehouse_database"])
    with psycopg.connect(owner_warehouse) as conn:
        conn.execute("create table marts.built_by_the_owner as select 1 as one")
    roles.apply(
        databases["owner"],
        warehouse_database=databases["warehouse_database"],
        other_databases=[databases["airflow_database"]],
    )
    roles.apply(
        databases["owner"],
        warehouse_database=databases["warehouse_database"],
        other_databases=[databases["airflow_database"]],
    )
    with psycopg.connect(databases["loader"]) as conn:
        conn.execute("drop table marts.built_by_the_owner")
    with psycopg.connect(databases["extract"]) as conn:
        conn.execute("select count(*) from deleted_rows")
    assert refused(databases["extract"], "delete from deleted_rows")
    assert cannot_connect(with_database(databases["extract"], databases["warehouse_database"]))


def test_the_server_keeps_a_verifier_not_the_password(databases):
    passwords = roles.role_passwords()
    with psycopg.connect(databases["owner"]) as conn:
        stored = dict(
            conn.execute(
                "select rolname, rolpassword from pg_authid where rolname = any(%s)",
                ([role.name for role in roles.ROLES],),
            ).fetchall()
        )
    assert set(stored) == {role.name for role in roles.ROLES}
    for role in roles.ROLES:
        assert stored[role.name].startswith("SCRAM-SHA-256$4096:")
        assert passwords[role.key] not in stored[role.name]


def test_the_roles_cover_the_tables_and_schemas_the_pipeline_knows():
    from olist_pipeline.tables import TABLES
    from olist_pipeline.warehouse.protocol import SCHEMAS

    assert sorted(roles.EXTRACT_TABLES) == sorted(table.name for table in TABLES)
    assert "deleted_rows" in roles.EXTRACT_TABLES
    assert roles.WAREHOUSE_SCHEMAS == SCHEMAS


def test_production_refuses_to_invent_a_password(monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ENV", "production")
    for role in roles.ROLES:
        monkeypatch.setenv(role.password_setting, f"set-{role.key}")
    monkeypatch.delenv(roles.BI.password_setting)
    with pytest.raises(roles.MissingPassword, match=roles.BI.password_setting):
        roles.role_passwords(tmp_path / "kept.json")
    assert not (tmp_path / "kept.json").exists()


def test_local_passwords_are_made_once_and_settings_win(monkeypatch, tmp_path):
    monkeypatch.delenv("DJANGO_ENV", raising=False)
    for role in roles.ROLES:
        monkeypatch.delenv(role.password_setting, raising=False)
    kept = tmp_path / "kept.json"
    first = roles.role_passwords(kept)
    assert roles.role_passwords(kept) == first
    assert len(set(first.values())) == len(roles.ROLES)
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(roles.EXTRACT.password_setting, "p@ss/word")
    url = roles.role_urls(
        "postgresql://postgres@%2Ftmp%2Fpg/olist", passwords=roles.role_passwords(kept)
    )["extract"]
    # pragma: allowlist nextline secret
    assert url == "postgresql://olist_extract:p%40ss%2Fword@%2Ftmp%2Fpg/olist"
