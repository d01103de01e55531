"""Which warehouse a warehouse connection gives: the one setting that picks the home."""

from __future__ import annotations

import json

from olist_pipeline.orchestration import connections
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.warehouse.postgres import PostgresWarehouse
from olist_pipeline.warehouse.redshift import RedshiftWarehouse


def settings(monkeypatch) -> PipelineSettings:
    monkeypatch.setenv("WAREHOUSE_CONN_ID", "olist_warehouse_test")
    monkeypatch.setenv("AWS_CONN_ID", "olist_aws_test")
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_AWS_TEST",
        json.dumps({"conn_type": "aws", "extra": {"region_name": "sa-east-1"}}),
    )
    return PipelineSettings.from_env()


def test_a_postgres_connection_gives_the_local_warehouse(monkeypatch):
    chosen = settings(monkeypatch)
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_WAREHOUSE_TEST", "postgresql://analyst:s%40cret@dw.internal:6543/dw"
    )

    warehouse = connections.warehouse(chosen)

    assert isinstance(warehouse, PostgresWarehouse)
    assert warehouse.url == "postgresql://analyst:s%40cret@dw.internal:6543/dw"


def test_a_redshift_connection_gives_redshift_through_the_data_api(monkeypatch):
    chosen = settings(monkeypatch)
    role = "arn:aws:iam::123456789012:role/olist-redshift-copy"
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_WAREHOUSE_TEST",
        json.dumps(
            {
                "conn_type": "redshift",
                "schema": "olist",
                "login": "pipeline",
                "extra": {"cluster_identifier": "olist-dw", "iam_role": role},
            }
        ),
    )

    warehouse = connections.warehouse(chosen)

    assert isinstance(warehouse, RedshiftWarehouse)
    assert warehouse.target == {
        "Database": "olist",
        "ClusterIdentifier": "olist-dw",
        "DbUser": "pipeline",
    }
    assert warehouse.iam_role == role
    assert warehouse.client.meta.region_name == "sa-east-1"


def test_the_dashboards_read_through_the_bi_connection_when_it_is_defined(monkeypatch):
    from olist_pipeline.dashboards.reader import bi_warehouse

    monkeypatch.setenv("BI_CONN_ID", "olist_bi_test")
    chosen = settings(monkeypatch)
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_WAREHOUSE_TEST", "postgresql://loader@dw.internal:5439/dw"
    )
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_BI_TEST", "postgresql://reader@dw.internal:5439/dw")

    assert bi_warehouse(chosen).url == "postgresql://reader@dw.internal:5439/dw"


def test_without_a_bi_connection_the_dashboards_read_through_the_warehouse_one(monkeypatch):
    from olist_pipeline.dashboards.reader import bi_warehouse

    monkeypatch.setenv("BI_CONN_ID", "olist_bi_undefined_test")
    monkeypatch.delenv("AIRFLOW_CONN_OLIST_BI_UNDEFINED_TEST", raising=False)
    chosen = settings(monkeypatch)
    monkeypatch.setenv(
        "AIRFLOW_CONN_OLIST_WAREHOUSE_TEST", "postgresql://loader@dw.internal:5439/dw"
    )

    assert bi_warehouse(chosen).url == "postgresql://loader@dw.internal:5439/dw"
