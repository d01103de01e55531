"""An Airflow UI link to the Great Expectations Data Docs the quality gate builds.

A local Data Docs folder is served by the api-server itself under ``/data-docs`` (a browser
will not open a ``file://`` link from an http page); Data Docs on S3 get a link to the bucket
in the AWS console, where data stewards with access can open the pages.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from olist_pipeline.settings import PipelineSettings

URL_PREFIX = "/data-docs"


def _s3_console_url(uri: str) -> str:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return (
        f"https://s3.console.aws.amazon.com/s3/buckets/{bucket}"
        f"?prefix={quote(prefix.rstrip('/') + '/', safe='')}"
    )


def _plugin_parts(data_docs_uri: str) -> tuple[list[dict], list[dict]]:
    """(fastapi_apps, external_views) for where the Data Docs live."""
    if data_docs_uri.startswith("s3://"):
        return [], [
            {"name": "Data Docs", "href": _s3_console_url(data_docs_uri), "category": "Docs"}
        ]
    folder = Path(data_docs_uri)
    folder.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="Data Docs")
    app.mount("/", StaticFiles(directory=folder, html=True, check_dir=False), name="data-docs")
    return (
        [{"app": app, "url_prefix": URL_PREFIX, "name": "Data Docs"}],
        [{"name": "Data Docs", "href": f"{URL_PREFIX}/index.html", "category": "Docs"}],
    )


class DataDocsPlugin(AirflowPlugin):
    name = "olist_data_docs"
    fastapi_apps, external_views = _plugin_parts(PipelineSettings.from_env().data_docs_uri)
