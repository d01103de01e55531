"""The external systems the DAG tasks talk to, resolved from Airflow connections.

Connections come from ``AIRFLOW_CONN_*`` variables or a secrets backend (see local_airflow.py),
never from code. Imported by task bodies at run time only, so parsing a DAG touches nothing.
"""

from __future__ import annotations

from urllib.parse import quote

from olist_pipeline.lake import Lake
from olist_pipeline.settings import PipelineSettings


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
