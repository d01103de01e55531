"""The local Airflow environment: URLs for the metadata database and the connections."""

from __future__ import annotations

import json

from olist_pipeline.orchestration.local_airflow import (
    airflow_environment,
    ensure_admin_password,
    main,
)


def test_connections_point_at_the_shop_and_warehouse_databases(monkeypatch):
    for name in ("SHOP_CONN_ID", "WAREHOUSE_CONN_ID", "AWS_CONN_ID", "WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    env = airflow_environment("postgresql://postgres@127.0.0.1:5432/olist")
    assert env == {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
            "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow"
        ),
        "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES": (
            "airflow.* olist_pipeline.orchestration.run_facts.*"
        ),
        "AIRFLOW_CONN_OLIST_SHOP": "postgresql://postgres@127.0.0.1:5432/olist",
        "AIRFLOW_CONN_OLIST_WAREHOUSE": "postgresql://postgres@127.0.0.1:5432/warehouse",
        "AIRFLOW_CONN_AWS_DEFAULT": "aws://",
    }


def test_warehouse_url_names_another_warehouse(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_CONN_ID", raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://analyst@dw.internal:5432/dw")
    env = airflow_environment("postgresql://postgres@127.0.0.1:5432/olist")
    assert env["AIRFLOW_CONN_OLIST_WAREHOUSE"] == "postgresql://analyst@dw.internal:5432/dw"


def test_variables_already_set_are_left_alone(monkeypatch, capsys):
    monkeypatch.setenv("AIRFLOW_CONN_OLIST_SHOP", "postgresql://reader@replica/olist")
    monkeypatch.delenv("AIRFLOW_CONN_OLIST_WAREHOUSE", raising=False)
    main(["postgresql://postgres@127.0.0.1:5432/olist"])
    printed = capsys.readouterr().out
    assert "AIRFLOW_CONN_OLIST_SHOP" not in printed
    assert "export AIRFLOW_CONN_OLIST_WAREHOUSE=" in printed


def test_admin_password_is_created_once(tmp_path):
    first = ensure_admin_password(tmp_path)
    assert len(first) >= 16
    assert ensure_admin_password(tmp_path) == first
    stored = json.loads((tmp_path / "simple_auth_manager_passwords.json.generated").read_text())
    assert stored == {"admin": first}
