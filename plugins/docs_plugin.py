"""Airflow UI links (menu *Docs*) to the static sites the pipeline publishes for data stewards:
the Great Expectations Data Docs (what the checks found) and dbt's lineage site (what every
model, source and column is, and how they feed each other).

A site in a local folder is served by the api-server itself under its prefix (a browser will not
open a ``file://`` link from an http page); a site on S3 gets a link to its folder in the AWS
console, where data stewards with access can open the pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from olist_pipeline.settings import PipelineSettings


class Site(NamedTuple):
    name: str
    uri: str  # a local folder or s3://bucket/prefix
    url_prefix: str  # where the api-server serves a local folder


def sites(settings: PipelineSettings) -> list[Site]:
    return [
        Site("Data Docs", settings.data_docs_uri, "/data-docs"),
        Site("Lineage (dbt docs)", settings.dbt_docs_uri, "/dbt-docs"),
    ]


def _s3_console_url(uri: str) -> str:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return (
        f"https://s3.console.aws.amazon.com/s3/buckets/{bucket}"
        f"?prefix={quote(prefix.rstrip('/') + '/', safe='')}"
    )


def _plugin_parts(site_list: list[Site]) -> tuple[list[dict], list[dict]]:
    """(fastapi_apps, external_views) for where the sites live."""
    apps, views = [], []
    for site in site_list:
        if site.uri.startswith("s3://"):
            views.append({"name": site.name, "href": _s3_console_url(site.uri), "category": "Docs"})
            continue
        folder = Path(site.uri.removeprefix("file://"))
        folder.mkdir(parents=True, exist_ok=True)
        app = FastAPI(title=site.name)
        app.mount("/", StaticFiles(directory=folder, html=True, check_dir=False), name="site")
        apps.append({"app": app, "url_prefix": site.url_prefix, "name": site.name})
        views.append(
            {"name": site.name, "href": f"{site.url_prefix}/index.html", "category": "Docs"}
        )
    return apps, views


class DocsPlugin(AirflowPlugin):
    name = "olist_docs"
    fastapi_apps, external_views = _plugin_parts(sites(PipelineSettings.from_env()))
