"""The external systems the DAG tasks talk to, resolved from Airflow connections.

Connections come from ``AIRFLOW_CONN_*`` variables or a secrets backend (see ``local_airflow``),
never from code. Imported by task bodies at run time only, so parsing a DAG touches nothing.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from olist_pipeline.database_urls import sqlalchemy_url
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.warehouse.protocol import Warehouse


def postgres_url(conn_id: str) -> str:
    """A libpq URL for a PostgreSQL connection (a socket folder as host is %-encoded)."""
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    auth = quote(conn.login or "postgres", safe="")
    if conn.password:
        auth += ":" + quote(conn.password, safe="")
    host = conn.host or "127.0.0.1"
    address = quote(host, safe="") if host.startswith("/") else f"{host}:{conn.port or 5432}"
    return f"postgresql://{auth}@{address}/{conn.schema or 'postgres'}"


def lake(settings: PipelineSettings) -> Lake:
    """The lake at ``LAKE_URI``; an S3 lake uses the client of the AWS connection."""
    if not settings.lake_uri.startswith("s3://"):
        return Lake.from_uri(settings.lake_uri)
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return Lake.from_uri(settings.lake_uri, s3_client=S3Hook(settings.aws_conn_id).get_conn())


def warehouse(settings: PipelineSettings) -> Warehouse:
    """The warehouse of the warehouse connection: PostgreSQL locally, or Redshift through the
    Redshift Data API for a ``redshift`` connection, which names the database (schema), the
    database user (login, for a provisioned cluster) and, in its extra, ``iam_role`` (the role
    COPY reads the lake with) and ``cluster_identifier`` or ``workgroup_name`` (Serverless),
    optionally ``secret_arn``. The Data API's credentials are the AWS connection's."""
    from airflow.sdk import Connection

    conn = Connection.get(settings.warehouse_conn_id)
    if conn.conn_type == "redshift":
        from olist_pipeline.warehouse.redshift import redshift_warehouse_from

        extra = conn.extra_dejson
        return redshift_warehouse_from(
            settings.aws_conn_id,
            database=conn.schema or "dev",
            iam_role=extra["iam_role"],
            cluster_identifier=extra.get("cluster_identifier"),
            workgroup_name=extra.get("workgroup_name"),
            db_user=conn.login or None,
            secret_arn=extra.get("secret_arn"),
        )
    from olist_pipeline.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse(postgres_url(settings.warehouse_conn_id))


def warehouse_sqlalchemy_url(settings: PipelineSettings) -> str:
    """A SQLAlchemy URL of the warehouse, for the Great Expectations checks: derived from a
    PostgreSQL connection, or a Redshift connection's ``sqlalchemy_url`` extra (which needs a
    Redshift SQLAlchemy dialect installed where the checks run)."""
    from airflow.sdk import Connection

    conn = Connection.get(settings.warehouse_conn_id)
    if conn.conn_type == "redshift":
        return conn.extra_dejson["sqlalchemy_url"]
    return sqlalchemy_url(postgres_url(settings.warehouse_conn_id))


def local_warehouse_url(settings: PipelineSettings) -> str | None:
    """The local warehouse's libpq URL, for commands run outside Airflow (``make pipeline``'s
    summary, ``make dashboards``): ``WAREHOUSE_URL``, else the warehouse connection's variable
    when it holds a PostgreSQL URL; None otherwise (a Redshift warehouse)."""
    variable = f"AIRFLOW_CONN_{settings.warehouse_conn_id.upper()}"
    url = os.environ.get("WAREHOUSE_URL") or os.environ.get(variable, "")
    return url if url.startswith("postgres") else None
