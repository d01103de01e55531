"""dbt's lineage site, as the DAG's lineage_docs task builds it: one self-contained page, opened
in headless Chromium from disk and through the Airflow UI's link (the docs plugin's app, served
by a real HTTP server), with no console error, no request outside the site, and the lineage
graph of fact_sales drawn.

One warehouse is built for the module from ``small_shop()`` through the pipeline's own path (every
layer), then the site is generated once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.docs_server import serve_docs_site
from support.warehouse_builder import WarehouseBuilder, small_shop

from olist_pipeline.lake.partitions import Lake
from olist_pipeline.warehouse.postgres import PostgresWarehouse

pytestmark = pytest.mark.integration

FACT_SALES = "model.olist_warehouse.fact_sales"


@pytest.fixture(scope="module")
def builder(module_warehouse_url, tmp_path_factory) -> WarehouseBuilder:
    lake = Lake.from_uri(str(tmp_path_factory.mktemp("lineage-lake")))
    builder = WarehouseBuilder(PostgresWarehouse(module_warehouse_url), lake)
    builder.run("2018-10-01", small_shop())
    return builder


@pytest.fixture(scope="module")
def site(builder, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dbt_docs")
    builder.project.generate_docs(folder, ingest_date="2018-10-01")
    return folder


def _open_lineage(browser, index_url: str) -> tuple[list[str], list[str], list[str]]:
    """Open fact_sales' page, then its lineage graph: (console errors, every URL requested,
    the ids of the nodes the graph drew)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{index_url}#!/model/{FACT_SALES}")
        page.wait_for_selector("text=fact_sales")
        page.click('[title="View Lineage Graph"]')
        page.wait_for_function(
            "() => [...document.querySelectorAll('div')].some(d => d._cyreg"
            " && d._cyreg.cy.nodes().length > 0)"
        )
        nodes = page.evaluate(
            "() => [...document.querySelectorAll('div')].find(d => d._cyreg)"
            "._cyreg.cy.nodes().map(n => n.id())"
        )
        # the nodes are painted, not only laid out: the node layer has coloured pixels
        painted = page.evaluate(
            """() => {
                const canvas = document.querySelector('canvas[data-id="layer2-node"]');
                const pixels = canvas.getContext('2d')
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let count = 0;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
                return count;
            }"""
        )
        assert painted > 100, "the lineage graph's nodes were not drawn"
    finally:
        page.close()
    return errors, requests, nodes


def test_the_site_is_one_page_that_opens_from_disk_offline(site, browser):
    assert [p.name for p in site.iterdir()] == ["index.html"]
    errors, requests, nodes = _open_lineage(browser, (site / "index.html").as_uri())
    assert errors == []
    assert [url for url in requests if not url.startswith(site.as_uri() + "/")] == []
    # fact_sales with what it is built from, through staging to the lake's load tables
    assert FACT_SALES in nodes
    assert {
        "model.olist_warehouse.dim_customer",
        "model.olist_warehouse.stg_order_items",
        "source.olist_warehouse.lake.order_items",
    } <= set(nodes)


@pytest.fixture
def served_plugin(site):
    """The Airflow UI's docs plugin serving the site, as the api-server mounts it."""
    with serve_docs_site("Lineage (dbt docs)", site, "/dbt-docs") as served:
        yield served


def test_the_airflow_link_serves_the_same_page_offline(served_plugin, browser):
    origin, href = served_plugin
    errors, requests, nodes = _open_lineage(browser, origin + href)
    assert errors == []
    assert [url for url in requests if not url.startswith(origin + "/")] == []
    assert FACT_SALES in nodes


def test_the_documented_columns_are_the_built_tables_columns(builder, site):
    """The catalog (what the warehouse holds) and the manifest (what the YAML documents) agree,
    so the site describes every column a steward sees, and no column that is not there."""
    target = builder.project.target_dir
    catalog = json.loads((target / "catalog.json").read_text())["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    for unique_id, node in manifest.items():
        if node["resource_type"] != "model":
            continue
        built = set(catalog[unique_id]["columns"])
        assert set(node["columns"]) == built, unique_id
