"""The SQL models' project: dependency order from ref(), rendering per dialect, failures named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from olist_pipeline.warehouse.postgres import PostgresWarehouse
from olist_pipeline.warehouse.sql_models import ModelError, Project
from olist_pipeline.warehouse.transform import ModelFailed, run_models

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"


def test_every_model_runs_after_the_models_it_reads():
    project = Project(SQL_DIR, "postgres")
    order = [model.name for model in project.run_order()]
    position = {name: index for index, name in enumerate(order)}
    for name in order:
        for dependency in project.dependencies(name):
            assert position[dependency] < position[name], f"{name} before {dependency}"
    assert project.dependencies("fact_sales") >= {
        "dim_customer",
        "dim_product",
        "dim_seller",
        "dim_location",
        "dim_time",
        "stg_order_items",
    }
    # layers keep their order when asked for one layer at a time
    assert [m.layer for m in project.run_order(("marts",))] == ["marts"] * len(
        [m for m in project.models.values() if m.layer == "marts"]
    )


def test_a_model_renders_its_dialects_differences_only():
    postgres = Project(SQL_DIR, "postgres").render("stg_orders", ingest_date="2018-10-01")
    redshift = Project(SQL_DIR, "redshift").render("stg_orders", ingest_date="2018-10-01")
    assert "merge into staging.stg_orders" in redshift
    assert "distkey (order_id)" in redshift
    assert "merge into" not in postgres and "distkey" not in postgres
    assert "partition_rows._ingest_date = '2018-10-01'" in postgres


def test_unknown_dialects_models_and_refs_are_refused(tmp_path):
    with pytest.raises(ModelError, match="unknown SQL dialect"):
        Project(SQL_DIR, "mysql")
    with pytest.raises(ModelError, match="no model 'dim_nothing'"):
        Project(SQL_DIR, "postgres").render("dim_nothing", ingest_date="2018-10-01")
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "marts" / "mart_typo.sql").write_text("select * from {{ ref('fact_sale') }}")
    with pytest.raises(ModelError, match=r"mart_typo\.sql: ref\(.fact_sale.\) names no model"):
        Project(sql_dir, "postgres").render("mart_typo", ingest_date="2018-10-01")


@pytest.mark.integration
def test_a_failing_model_is_named_and_leaves_its_table_as_it_was(tmp_path, warehouse_url):
    sql_dir = tmp_path / "sql"
    (sql_dir / "marts").mkdir(parents=True)
    shutil.copy(SQL_DIR / "macros.jinja", sql_dir)
    (sql_dir / "marts" / "mart_broken.sql").write_text(
        "create table if not exists {{ this }} (n integer);\n"
        "insert into {{ this }} values (1);\n"
        "select 1 / 0;\n"
    )
    warehouse = PostgresWarehouse(warehouse_url)
    warehouse.create_schemas()
    with pytest.raises(ModelFailed, match=r"model mart_broken .* division by zero"):
        run_models(
            warehouse, Project(sql_dir, "postgres"), ingest_date="2018-10-01", layers=("marts",)
        )
    # one transaction: not even the table was created
    assert warehouse.query("select to_regclass('marts.mart_broken')") == [(None,)]
