"""The Airflow UI link to the Data Docs: a local folder is served, S3 gets a console link."""

from __future__ import annotations

from data_docs_plugin import URL_PREFIX, _plugin_parts
from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_local_data_docs_are_served_under_the_prefix(tmp_path):
    (tmp_path / "index.html").write_text("<h1>Validation results</h1>")
    apps, views = _plugin_parts(str(tmp_path))
    host = FastAPI()
    host.mount(apps[0]["url_prefix"], apps[0]["app"])
    response = TestClient(host).get(f"{URL_PREFIX}/index.html")
    assert response.status_code == 200
    assert "Validation results" in response.text
    assert views[0]["href"] == f"{URL_PREFIX}/index.html"


def test_data_docs_built_after_start_up_are_served(tmp_path):
    apps, _ = _plugin_parts(str(tmp_path / "not-yet"))
    host = FastAPI()
    host.mount(URL_PREFIX, apps[0]["app"])
    (tmp_path / "not-yet" / "index.html").write_text("built later")
    assert TestClient(host).get(f"{URL_PREFIX}/index.html").text == "built later"


def test_s3_data_docs_link_to_the_bucket():
    apps, views = _plugin_parts("s3://olist-lake/prod/data_docs")
    assert apps == []
    assert views[0]["href"] == (
        "https://s3.console.aws.amazon.com/s3/buckets/olist-lake?prefix=prod%2Fdata_docs%2F"
    )
