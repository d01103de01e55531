"""The Airflow UI links to the Data Docs and the lineage site: a local folder is served, S3 gets
a console link."""

from __future__ import annotations

from docs_plugin import Site, _plugin_parts, sites
from fastapi import FastAPI
from fastapi.testclient import TestClient

from olist_pipeline.settings import PipelineSettings


def _host(apps: list[dict]) -> TestClient:
    host = FastAPI()
    for app in apps:
        host.mount(app["url_prefix"], app["app"])
    return TestClient(host)


def test_local_sites_are_served_under_their_prefixes(tmp_path):
    (tmp_path / "gx").mkdir()
    (tmp_path / "gx" / "index.html").write_text("<h1>Validation results</h1>")
    (tmp_path / "dbt").mkdir()
    (tmp_path / "dbt" / "index.html").write_text("<h1>Lineage</h1>")
    apps, views = _plugin_parts(
        [
            Site("Data Docs", str(tmp_path / "gx"), "/data-docs"),
            Site("Lineage (dbt docs)", str(tmp_path / "dbt"), "/dbt-docs"),
        ]
    )
    client = _host(apps)
    assert "Validation results" in client.get("/data-docs/index.html").text
    assert "Lineage" in client.get("/dbt-docs/index.html").text
    assert [view["href"] for view in views] == ["/data-docs/index.html", "/dbt-docs/index.html"]
    assert {view["category"] for view in views} == {"Docs"}


def test_a_site_built_after_start_up_is_served(tmp_path):
    apps, _ = _plugin_parts([Site("Data Docs", str(tmp_path / "not-yet"), "/data-docs")])
    (tmp_path / "not-yet" / "index.html").write_text("built later")
    assert _host(apps).get("/data-docs/index.html").text == "built later"


def test_s3_sites_link_to_their_folders():
    apps, views = _plugin_parts(
        [Site("Lineage (dbt docs)", "s3://olist-lake/prod/dbt_docs", "/dbt-docs")]
    )
    assert apps == []
    assert views[0]["href"] == (
        "https://s3.console.aws.amazon.com/s3/buckets/olist-lake?prefix=prod%2Fdbt_docs%2F"
    )


def test_both_sites_follow_the_lake_to_s3(monkeypatch):
    monkeypatch.setenv("LAKE_URI", "s3://olist-lake/prod")
    for name in ("DATA_DOCS_URI", "DBT_DOCS_URI"):
        monkeypatch.delenv(name, raising=False)
    uris = [site.uri for site in sites(PipelineSettings.from_env())]
    assert uris == ["s3://olist-lake/prod/data_docs", "s3://olist-lake/prod/dbt_docs"]
