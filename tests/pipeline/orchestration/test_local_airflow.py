"""The local Airflow environment: URLs for the metadata database and the connections."""

from __future__ import annotations

import json

from olist_pipeline.orchestration.local_airflow import (
    airflow_environment,
    ensure_admin_password,
    main,
)


def test_connections_sign_in_as_the_roles_and_the_metadata_as_the_owner(monkeypatch):
    for name in ("SHOP_CONN_ID", "WAREHOUSE_CONN_ID", "BI_CONN_ID", "AWS_CONN_ID", "WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    server = "127.0.0.1:5432"
    urls = {
        "owner": f"postgresql://postgres@{server}/olist",
        "shop_app": f"postgresql://olist_shop_app:a@{server}/olist",
        "extract": f"postgresql://olist_extract:e@{server}/olist",
        "loader": f"postgresql://olist_loader:l@{server}/warehouse",
        "bi": f"postgresql://olist_bi:b@{server}/warehouse",
    }
    env = airflow_environment(json.dumps(urls))
    assert env == {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://postgres@{server}/airflow",
        "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES": (
            "airflow.* olist_pipeline.orchestration.run_facts.*"
        ),
        "AIRFLOW_CONN_OLIST_SHOP": urls["extract"],
        "AIRFLOW_CONN_OLIST_WAREHOUSE": urls["loader"],
        "AIRFLOW_CONN_OLIST_BI": urls["bi"],
        "AIRFLOW_CONN_AWS_DEFAULT": "aws://",
    }


def test_one_url_serves_every_connection(monkeypatch):
    for name in ("SHOP_CONN_ID", "WAREHOUSE_CONN_ID", "BI_CONN_ID", "WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    env = airflow_environment("postgresql://postgres@127.0.0.1:5432/olist")
    assert env["AIRFLOW_CONN_OLIST_SHOP"] == "postgresql://postgres@127.0.0.1:5432/olist"
    assert env["AIRFLOW_CONN_OLIST_WAREHOUSE"] == "postgresql://postgres@127.0.0.1:5432/warehouse"
    assert env["AIRFLOW_CONN_OLIST_BI"] == "postgresql://postgres@127.0.0.1:5432/warehouse"


def test_warehouse_url_names_another_warehouse(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_CONN_ID", raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://analyst@dw.internal:5432/dw")
    env = airflow_environment("postgresql://postgres@127.0.0.1:5432/olist")
    assert env["AIRFLOW_CONN_OLIST_WAREHOUSE"] == "postgresql://analyst@dw.internal:5432/dw"
    assert env["AIRFLOW_CONN_OLIST_BI"] == "postgresql://analyst@dw.internal:5432/dw"


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
