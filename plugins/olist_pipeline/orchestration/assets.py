"""The Airflow Assets the ELT DAG updates: the lake's zones, the warehouse's tables and the
dashboard site.

A task lists what it writes as outlets, so the UI's asset graph shows where every table comes
from, and another DAG (the dashboards' refresh, say) can be scheduled on a mart. Names and URIs
are the same in every home (a laptop and AWS). The URI schemes start with ``x-``, Airflow's
mark of a scheme no provider handles: parsing the DAG then skips loading every provider's URI
normalisers (the Amazon provider's S3 module among them), about a second per parse.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import Asset

from olist_pipeline.settings import PipelineSettings
from olist_pipeline.tables import TABLES
from olist_pipeline.warehouse.dbt import model_names
from olist_pipeline.warehouse.protocol import load_table_name


def lake_zone(settings: PipelineSettings, zone: str) -> Asset:
    """A zone of the lake. Its identity (name and URI) is the same wherever the lake lives:
    Airflow deactivates an asset whose name comes back with another URI. The location is in
    the asset's extra."""
    root = settings.lake_uri.rstrip("/")
    location = f"{root}/{zone}" if "://" in root else Path(root, zone).resolve().as_uri()
    return Asset(
        name=f"olist.lake.{zone}",
        uri=f"x-olist-lake://olist/{zone}",
        group="lake",
        extra={"location": location},
    )


def load_tables() -> list[Asset]:
    """The staging tables the load fills from the lake, one per lake table."""
    return [
        _warehouse_table("staging", load_table_name(table.name).split(".")[1]) for table in TABLES
    ]


def warehouse_tables(settings: PipelineSettings, layer: str) -> list[Asset]:
    """One asset per dbt model of ``layer`` (``sql/models/<layer>/``)."""
    return [_warehouse_table(layer, name) for name in model_names(settings.dbt_project_dir, layer)]


def _warehouse_table(schema: str, table: str) -> Asset:
    return Asset(
        name=f"olist.warehouse.{schema}.{table}",
        uri=f"x-olist-warehouse://olist/{schema}/{table}",
        group="warehouse",
    )


def dashboard_site(settings: PipelineSettings) -> Asset:
    """The static dashboard site; its location (a folder or S3) is in the extra, as the lake's."""
    uri = settings.dashboards_site_uri
    location = uri if "://" in uri else Path(uri).resolve().as_uri()
    return Asset(
        name="olist.dashboards.site",
        uri="x-olist-dashboards://olist/site",
        group="dashboards",
        extra={"location": location},
    )
