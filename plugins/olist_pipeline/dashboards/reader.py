"""The warehouse as the dashboards read it: signed in as the read-only BI role.

The dashboards need only ``core`` and ``marts``, so they read through the BI connection
(``BI_CONN_ID``, default ``olist_bi``; ``make pipeline`` and ``make dashboards`` set it to the
``olist_bi`` role, see ``django_project/config/database_roles.py``). Where it is not defined (AWS,
whose BI reader is Metabase) they read through the warehouse connection.
"""

from __future__ import annotations

import dataclasses
import os

from olist_pipeline.settings import PipelineSettings
from olist_pipeline.warehouse.protocol import Warehouse


def bi_warehouse(settings: PipelineSettings) -> Warehouse:
    """The warehouse of the BI connection, else of the warehouse connection (in a task)."""
    from airflow.exceptions import AirflowNotFoundException

    from olist_pipeline.orchestration import connections

    try:
        return connections.warehouse(
            dataclasses.replace(settings, warehouse_conn_id=settings.bi_conn_id)
        )
    except AirflowNotFoundException:
        return connections.warehouse(settings)


def local_bi_url(settings: PipelineSettings) -> str | None:
    """The BI connection's libpq URL for a command run outside Airflow (``make dashboards``):
    its ``AIRFLOW_CONN_*`` variable when it holds a PostgreSQL URL, else the local warehouse's."""
    from olist_pipeline.orchestration.connections import local_warehouse_url

    url = os.environ.get(f"AIRFLOW_CONN_{settings.bi_conn_id.upper()}", "")
    return url if url.startswith("postgres") else local_warehouse_url(settings)
