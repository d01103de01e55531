"""The offline dashboard site: rendered from the real definitions, opened in headless Chromium.

One warehouse is built for the module from ``dashboard_site_fixtures.shop()`` (every layer,
through the pipeline's own path) and the site is rendered from ``dashboards/`` once. The
browser tests open every page from disk and over HTTP, check that nothing is fetched from
elsewhere and that every card draws, save a screenshot of each page under
``artifacts/dashboards/``, and compare what the page's JavaScript computes for each card and
filter selection with ``card_sql`` run on the same warehouse: the two renderers must agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
import json
import math
import os
import re
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from support.dashboard_site_fixtures import INGEST_DATE, shop
from support.warehouse_builder import WarehouseBuilder

from olist_pipeline.dashboards.definitions import card_sql, load
from olist_pipeline.dashboards.site import make_server, render
from olist_pipeline.lake.partitions import Lake
from olist_pipeline.warehouse.postgres import PostgresWarehouse

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = REPO_ROOT / "dashboards"
SQL_DIR = REPO_ROOT / "sql"
SCREENSHOTS = REPO_ROOT / "artifacts" / "dashboards"
DASHBOARDS = [dashboard.id for dashboard in load(DEFINITIONS).dashboards]
VIEWPORT = {"width": 1440, "height": 900}
# Selections the filter comparison runs for every card; a card ignores what it does not map.
SELECTIONS = [
    {},
    {"state": "RJ"},
    {"date_from": "2017-06-01", "date_to": "2017-12-01"},
    {"category": "Health Beauty"},
    {"state": "SP", "date_from": "2018-01-01", "category": "Watches Gifts"},
    {"state": "AC"},  # no customer there: empty results, null KPIs
]


@pytest.fixture(scope="module")
def warehouse(module_warehouse_url, tmp_path_factory):
    warehouse = PostgresWarehouse(module_warehouse_url)
    lake = Lake.from_uri(str(tmp_path_factory.mktemp("site-lake")))
    WarehouseBuilder(warehouse, lake, SQL_DIR).run(INGEST_DATE, shop())
    return warehouse


@pytest.fixture(scope="module")
def definitions():
    return load(DEFINITIONS)


@pytest.fixture(scope="module")
def site(definitions, warehouse, tmp_path_factory):
    return render(definitions, warehouse, tmp_path_factory.mktemp("site") / "site")


class Watched:
    """A page with everything that went wrong on it, and every URL it asked for."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

    def open(self, url: str) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.page.goto(url)
        if url.split("#")[0].endswith("index.html"):
            return
        try:
            self.page.wait_for_selector("body[data-ready=true]", timeout=10_000)
        except PlaywrightTimeout:
            raise AssertionError(
                f"{url} did not finish drawing; errors {self.errors}, requests {self.requests}"
            ) from None


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield Watched(context.new_page())
    finally:
        context.close()


# --- the files ------------------------------------------------------------------------------


def _payload(page: Path) -> dict:
    match = re.search(
        r'<script type="application/json" id="dashboard-data">(.*?)</script>',
        page.read_text("utf-8"),
        re.S,
    )
    return json.loads(match[1])


def test_the_site_is_a_folder_that_needs_nothing_else(site, definitions):
    out = site.out_dir
    assert site.index == out / "index.html"
    assert [page.name for page in site.pages] == [f"{d}.html" for d in DASHBOARDS]
    plotly = importlib.resources.files("plotly") / "package_data" / "plotly.min.js"
    assert (out / "assets" / "plotly.min.js").read_bytes() == plotly.read_bytes()
    assert (out / "assets" / "plotly.min.js").read_text("utf-8").startswith("/**\n* plotly.js")
    assert (
        (out / "assets" / "brazil_states.js")
        .read_text("utf-8")
        .startswith("window.BRAZIL_STATES = {")
    )
    geojson = json.loads((out / "assets" / "brazil_states.geojson").read_text("utf-8"))
    assert len(geojson["features"]) == 27
    index = site.index.read_text("utf-8")
    for dashboard in definitions.dashboards:
        assert f'href="{dashboard.id}.html"' in index
        assert dashboard.title.replace("&", "&amp;") in index
    for page in [site.index, *site.pages]:
        html = page.read_text("utf-8")
        references = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert references, page
        for reference in references:
            if reference.startswith("data:"):  # inline, nothing to fetch
                continue
            assert not re.match(r"^(?:[a-z]+:)?//|^/", reference), (page.name, reference)
            assert (out / reference.split("#")[0]).is_file(), (page.name, reference)
    assert site.rows == {
        f"{d.id}/{name}": len(dataset["rows"])
        for d in definitions.dashboards
        for name, dataset in _payload(out / f"{d.id}.html")["datasets"].items()
    }


def test_each_page_embeds_its_cards_rows_and_filter_options(site, definitions, warehouse):
    dashboard = next(d for d in definitions.dashboards if d.id == "revenue_trends")
    payload = _payload(site.out_dir / "revenue_trends.html")
    assert [card["id"] for card in payload["cards"]] == [card.id for card in dashboard.cards]
    # the six cards on revenue_by_category share one set of rows
    embedded = payload["datasets"][payload["cards"][0]["dataset"]]
    assert embedded["cards"] == [c.id for c in dashboard.cards if c.query == "revenue_by_category"]
    assert embedded["columns"] == [
        "purchase_month",
        "customer_state",
        "product_category",
        "customer_region",
        "revenue",
        "items",
        "category_orders",
    ]
    months = {row[0] for row in embedded["rows"]}
    assert min(months) == "2017-01-01"
    assert all(isinstance(row[4], float) for row in embedded["rows"])
    filters = {f["kind"]: f for f in payload["dashboard"]["filters"]}
    assert filters["date"]["variables"] == ["date_from", "date_to"]
    assert filters["date"]["options"][0] == {"value": "2017-01-01", "label": "Jan 2017"}
    assert filters["date"]["options"][-1]["value"] == "2018-08-01"
    assert len(filters["date"]["options"]) == 20  # every month between, gaps included
    states = [option["value"] for option in filters["state"]["options"]]
    assert sorted(states) == sorted(
        row[0]
        for row in warehouse.query(
            "select distinct customer_state from marts.mart_revenue_daily"
            " where customer_state is not null"
        )
    )
    assert {"value": "SP", "label": "São Paulo"} in filters["state"]["options"]
    assert [o["value"] for o in filters["category"]["options"]][:2] == [
        "Bed Bath Table",
        "Computers Accessories",
    ]
    assert payload["as_of"] == "2018-08-28"
    # the latest purchase's São Paulo day, of any order status: dim_time's day of fact_sales'
    # largest purchase_date_key is that day, computed from the timestamps
    ((latest_day,),) = warehouse.query(
        "select max(cast(purchased_at at time zone 'America/Sao_Paulo' as date))"
        " from core.fact_sales"
    )
    assert payload["as_of"] == latest_day.isoformat()


# --- the pages in a browser -----------------------------------------------------------------

CARD_STATES = """() => Array.from(document.querySelectorAll(".card"), (card) => {
  const plot = card.querySelector(".js-plotly-plot");
  const kpi = card.querySelector(".kpi-value");
  return {
    id: card.dataset.card,
    traces: plot ? plot._fullData.length : 0,
    points: plot
      ? plot._fullData.reduce((n, t) => n + (t.x || t.z || t.locations || []).length, 0)
      : 0,
    paths: plot ? plot.querySelectorAll("path").length : 0,
    states: plot ? plot.querySelectorAll("path.choroplethlocation").length : 0,
    kpi: kpi ? kpi.textContent : null,
    table_rows: card.querySelectorAll("tbody tr").length,
    empty: Boolean(card.querySelector(".empty")),
  };
})"""


def _assert_offline(watched: Watched, site_dir: Path) -> None:
    assert watched.errors == []
    prefix = site_dir.as_uri() + "/"
    elsewhere = [url for url in watched.requests if not url.startswith(prefix)]
    assert elsewhere == []


@pytest.mark.parametrize("dashboard_id", DASHBOARDS)
def test_every_card_draws_offline(site, definitions, watched, dashboard_id):
    watched.open((site.out_dir / f"{dashboard_id}.html").as_uri())
    dashboard = next(d for d in definitions.dashboards if d.id == dashboard_id)
    states = {state["id"]: state for state in watched.page.evaluate(CARD_STATES)}
    assert list(states) == [card.id for card in dashboard.cards]
    for card in dashboard.cards:
        state = states[card.id]
        assert not state["empty"], card.id
        if card.chart == "kpi":
            assert state["kpi"] and state["kpi"] != "—", card.id
        elif card.chart == "table":
            assert state["table_rows"] > 0, card.id
        else:
            assert state["traces"] > 0 and state["points"] > 0 and state["paths"] > 0, card.id
        if card.chart == "map":
            # every state is drawn from the embedded GeoJSON, none from a map server
            assert state["states"] >= 27, card.id
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(SCREENSHOTS / f"{dashboard_id}.png"), full_page=True)
    _assert_offline(watched, site.out_dir)


def test_the_index_links_every_dashboard(site, definitions, watched):
    watched.open(site.index.as_uri())
    links = watched.page.eval_on_selector_all(
        ".dashboard-link a", "(links) => links.map((a) => a.getAttribute('href'))"
    )
    assert links == [f"{d.id}.html" for d in definitions.dashboards]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    watched.page.click(f"text={definitions.dashboards[0].title} >> nth=-1")
    watched.page.wait_for_selector("body[data-ready=true]")
    assert watched.page.url.endswith(f"{definitions.dashboards[0].id}.html")
    _assert_offline(watched, site.out_dir)


def test_the_served_site_stays_on_its_origin(site, watched):
    server = make_server(site.out_dir, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        origin = f"http://127.0.0.1:{server.server_port}/"
        for page in ["index.html", *(f"{d}.html" for d in DASHBOARDS)]:
            watched.open(origin + page)
        response = watched.page.request.get(origin + "assets/brazil_states.geojson")
        assert response.ok
        assert response.headers["content-type"] == "application/geo+json"
        assert len(response.json()["features"]) == 27
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert watched.errors == []
    assert [url for url in watched.requests if not url.startswith(origin)] == []


# --- the two renderers agree ----------------------------------------------------------------


def _value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(left, right) -> bool:
    if isinstance(left, float | int) and isinstance(right, float | int):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def _canonical(row: list) -> tuple:
    # numbers rounded, so that two float sums of the same values sort the same way
    return tuple(
        (0, "") if v is None else (1, round(v, 6)) if isinstance(v, float | int) else (2, v)
        for v in row
    )


def _assert_same_rows(card, expected: list[list], actual: list[list], selection) -> None:
    where = f"{card.id} with {selection}"
    assert len(actual) == len(expected), where
    if card.sort or (card.aggregate and card.dimensions):
        output = list(card.output_columns)
        keys = [output.index(k.column) for k in card.sort] or list(range(len(card.dimensions)))
        for expected_row, actual_row in zip(expected, actual, strict=True):
            assert all(_same(expected_row[k], actual_row[k]) for k in keys), where
    for expected_row, actual_row in zip(
        sorted(expected, key=_canonical), sorted(actual, key=_canonical), strict=True
    ):
        assert len(expected_row) == len(actual_row), where
        assert all(map(_same, expected_row, actual_row)), (where, expected_row, actual_row)


@pytest.mark.parametrize("dashboard_id", DASHBOARDS)
def test_the_browser_and_the_sql_give_the_same_cards(
    site, definitions, warehouse, watched, dashboard_id
):
    watched.open((site.out_dir / f"{dashboard_id}.html").as_uri())
    dashboard = next(d for d in definitions.dashboards if d.id == dashboard_id)
    browser_results = watched.page.evaluate(
        """([cards, selections]) => cards.map((id) =>
            selections.map((selection) => window.olistDashboard.cardResult(id, selection)))""",
        [[card.id for card in dashboard.cards], SELECTIONS],
    )
    for card, results in zip(dashboard.cards, browser_results, strict=True):
        query_sql = definitions.query_sql(card.query)
        for selection, result in zip(SELECTIONS, results, strict=True):
            sql, parameters = card_sql(card, query_sql, filter_values=selection)
            expected = [[_value(v) for v in row] for row in warehouse.query(sql, parameters)]
            assert result["columns"] == list(card.output_columns)
            _assert_same_rows(card, expected, result["rows"], selection)


def _brl(value: Decimal) -> str:
    return "R$ " + f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def test_choosing_a_filter_updates_the_cards_and_the_address(site, warehouse, watched):
    page = watched.page
    watched.open((site.out_dir / "kpi_overview.html").as_uri())
    revenue = page.locator("#card-kpi_revenue .kpi-value")
    ((everything,),) = warehouse.query(
        "select sum(item_revenue) from core.fact_sales"
        " where order_status not in ('canceled', 'unavailable')"
    )
    assert revenue.text_content() == _brl(everything)
    ((in_rio,),) = warehouse.query(
        "select sum(f.item_revenue) from core.fact_sales as f"
        " join core.dim_location as l on f.customer_location_key = l.location_key"
        " where f.order_status not in ('canceled', 'unavailable') and l.state = 'RJ'"
    )
    page.select_option("select[name=state]", "RJ")
    page.wait_for_function(
        f"document.querySelector('#card-kpi_revenue .kpi-value')"
        f".textContent === {json.dumps(_brl(in_rio))}"
    )
    assert page.url.endswith("#state=RJ")
    # the address keeps the selection: a reload (or a shared link) shows the same cards
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.input_value("select[name=state]") == "RJ"
    assert revenue.text_content() == _brl(in_rio)
    page.click("text=Reset filters")
    page.wait_for_function(
        f"document.querySelector('#card-kpi_revenue .kpi-value')"
        f".textContent === {json.dumps(_brl(everything))}"
    )
    assert "#" not in page.url
    _assert_offline(watched, site.out_dir)


def test_a_card_says_which_filters_do_not_apply_to_it(site, watched):
    page = watched.page
    watched.open((site.out_dir / "revenue_trends.html").as_uri())
    note = page.locator("#card-trends_new_customers .card-note")
    assert note.text_content() == "Not filtered by product category"
    assert "is-active" not in note.get_attribute("class")
    assert page.locator("#card-trends_revenue .card-note").is_hidden()
    page.select_option("select[name=category]", "Telephony")
    page.wait_for_selector("#card-trends_new_customers .card-note.is-active")
    # a range that ends before it starts selects nothing
    page.select_option("select[name=date_from]", "2018-08-01")
    page.select_option("select[name=date_to]", "2017-01-01")
    page.wait_for_selector("#card-trends_revenue .empty")
    assert page.locator("#card-trends_revenue .empty").text_content() == (
        "No data for these filters"
    )


def test_the_formats_are_brazilian(site, watched):
    watched.open((site.out_dir / "kpi_overview.html").as_uri())
    cases = [
        (1234.56, "brl", False, "R$ 1.234,56"),
        (-5, "brl", False, "-R$ 5,00"),
        (15_843_210.55, "brl", False, "R$ 15.843.210,55"),
        (15_843_210.55, "brl", True, "R$ 15,8 mi"),
        (93_724.59, "brl", True, "R$ 93.724,59"),
        (1234, "integer", False, "1.234"),
        (1_234_567.891, "decimal", False, "1.234.567,89"),
        (0.123, "percent", False, "12,3%"),
        (1, "percent", False, "100,0%"),
        (12.34, "days", False, "12,3 days"),
        ("2017-11-24", "date", False, "24/11/2017"),
        ("2017-11-24T10:00:00+00:00", "date", False, "24/11/2017"),
        ("2017-11-01", "month", False, "Nov 2017"),
        ("SP", "state", False, "São Paulo"),
        ("DF", "state", False, "Distrito Federal"),
        ("health_beauty", "text", False, "health_beauty"),
        (None, "brl", False, "—"),
    ]
    formatted = watched.page.evaluate(
        """(cases) => cases.map(([value, format, short]) =>
            window.olistDashboard.format(value, format, {short: short}))""",
        [case[:3] for case in cases],
    )
    assert formatted == [case[3] for case in cases]


# --- rendering ------------------------------------------------------------------------------


def _definitions_folder(folder: Path, query: str) -> Path:
    (folder / "queries").mkdir(parents=True)
    (folder / "queries" / "notes.sql").write_text(query, "utf-8")
    (folder / "notes.yml").write_text(
        """\
title: Notes
description: A table of notes.
position: 1
filters: []
cards:
  - id: notes_table
    title: Notes
    description: Every note.
    chart: table
    query: notes
    dimensions:
      - {column: note, title: Note}
    measures:
      - {column: amount, title: Amount, format: brl}
    layout: {row: 0, col: 0, width: 24, height: 4}
""",
        "utf-8",
    )
    return folder


def _contents(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_text_from_the_warehouse_stays_text(tmp_path, warehouse, watched):
    note = '</script><script>document.title = "injected"</script> & <b>bold</b>'
    folder = _definitions_folder(
        tmp_path / "definitions",
        f"select cast('{note}' as text) as note, cast(12.5 as numeric(5, 2)) as amount",
    )
    summary = render(load(folder), warehouse, tmp_path / "site")
    watched.open(summary.pages[0].as_uri())
    assert watched.page.locator("#card-notes_table tbody td").all_text_contents() == [
        note,
        "R$ 12,50",
    ]
    assert watched.page.title() == "Notes · Olist dashboards"
    _assert_offline(watched, summary.out_dir)


def test_a_failing_card_leaves_the_previous_site_as_it_was(tmp_path, warehouse):
    out = tmp_path / "site"
    good = _definitions_folder(tmp_path / "good", "select 'a' as note, 1 as amount")
    render(load(good), warehouse, out)
    before = _contents(out)
    bad = _definitions_folder(tmp_path / "bad", "select note, amount from marts.no_such_mart")
    with pytest.raises(psycopg.errors.UndefinedTable):
        render(load(bad), warehouse, out)
    assert _contents(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad", "good", "site"]
    # nor does it replace a folder that holds something else than a site
    with pytest.raises(FileExistsError):
        render(load(good), warehouse, good)
    assert (good / "notes.yml").is_file()
    # a later good render replaces the site whole
    (good / "queries" / "notes.sql").write_text("select 'b' as note, 2 as amount", "utf-8")
    render(load(good), warehouse, out)
    (dataset,) = _payload(out / "notes.html")["datasets"].values()
    assert dataset["rows"] == [["b", 2]]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad", "good", "site"]


def test_a_render_removes_the_build_folders_of_killed_renders(tmp_path, warehouse):
    good = _definitions_folder(tmp_path / "good", "select 'a' as note, 1 as amount")
    # what a render killed while writing its pages, or between its two renames, leaves behind
    (tmp_path / ".site-k1ll3d" / "assets").mkdir(parents=True)
    (tmp_path / ".site-k1ll3d" / "index.html").write_text("half a site", "utf-8")
    (tmp_path / ".site-x7-old").mkdir()
    (tmp_path / ".other-site-kept").mkdir()

    render(load(good), warehouse, tmp_path / "site")

    assert sorted(path.name for path in tmp_path.iterdir()) == [".other-site-kept", "good", "site"]


def test_the_command_renders_the_site_from_a_warehouse(tmp_path, warehouse):
    command = [sys.executable, "-m", "olist_pipeline.dashboards"]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "plugins")}
    environment.pop("WAREHOUSE_URL", None)
    out = tmp_path / "site"
    rendered = subprocess.run(
        [*command, "render", "--warehouse-url", warehouse.url, "--out", str(out)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.strip() == f"Dashboards: {len(DASHBOARDS)} pages, {out / 'index.html'}"
    assert sorted(p.name for p in out.glob("*.html")) == sorted(
        ["index.html", *(f"{d}.html" for d in DASHBOARDS)]
    )
    # serving a folder that holds no site says what to do instead of serving nothing
    served = subprocess.run(
        [*command, "serve", "--out", str(tmp_path / "nothing")],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert served.returncode == 1
    assert "run make dashboards first" in served.stderr
