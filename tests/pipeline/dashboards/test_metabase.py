"""Provisioning the dashboards into Metabase, against the in-process fake of fake_metabase.py.

No Metabase runs in the tests: the fake answers with Metabase's documented shapes and
validation, so these tests show what is sent, that a second run only reads, and that one change
to a definition changes one object. The SQL every question sends is checked apart: it parses as
Redshift and runs on a PostgreSQL warehouse built from a small shop.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import sqlglot
from support.fake_metabase import FakeMetabase
from support.warehouse_builder import small_shop

from olist_pipeline.dashboards import definitions as defs
from olist_pipeline.dashboards import metabase
from olist_pipeline.settings import MissingSetting

REPO_ROOT = Path(__file__).resolve().parents[3]
REAL_DASHBOARDS = REPO_ROOT / "dashboards"
ADMIN, PASSWORD = "admin@example.com", "correct horse battery staple"
WAREHOUSE_PASSWORD = "warehouse-secret"
GEOJSON_URL = "https://example.org/olist/brazil_states.geojson"
LITERALS = {
    "date_from": "cast('2017-01-01' as date)",
    "date_to": "cast('2018-12-01' as date)",
    "state": "'SP'",
    "category": "'health_beauty'",
}

QUERY = """\
select
    cast(date_trunc('month', purchase_date) as date) as purchase_month,
    customer_state,
    coalesce(product_category, 'uncategorized') as product_category,
    gmv as revenue,
    orders
from marts.mart_revenue_daily
"""

SALES = """\
title: Sales
description: Revenue and orders by month, state and category.
position: 1
filters: [date, state, category]
cards:
  - id: sales_revenue
    title: Revenue
    description: Items' price and freight of the orders sold.
    chart: kpi
    query: sales_daily
    dimensions: []
    measures:
      - {column: revenue, title: Revenue, format: brl}
    filters: {date: purchase_month, state: customer_state, category: product_category}
    layout: {row: 0, col: 0, width: 6, height: 3}
  - id: sales_order_value
    title: Average order value
    description: Revenue per order.
    chart: kpi
    query: sales_daily
    dimensions: []
    measures:
      - {name: order_value, ratio: [revenue, orders], title: Average order value, format: brl}
    filters: {date: purchase_month, state: customer_state}
    layout: {row: 0, col: 6, width: 6, height: 3}
  - id: sales_by_month
    title: Revenue by month and state
    description: Revenue by purchase month, one series per state.
    chart: stacked_bar
    query: sales_daily
    dimensions:
      - {column: purchase_month, title: Purchase month, format: month}
      - {column: customer_state, title: State, format: state}
    measures:
      - {column: revenue, title: Revenue, format: brl}
    filters: {date: purchase_month, state: customer_state, category: product_category}
    layout: {row: 3, col: 0, width: 12, height: 6}
  - id: sales_map
    title: Orders by state
    description: Orders by the customer's state.
    chart: map
    query: sales_daily
    dimensions:
      - {column: customer_state, title: State, format: state}
    measures:
      - {column: orders, title: Orders, format: integer}
      - {column: revenue, title: Revenue, format: brl}
    filters: {date: purchase_month}
    layout: {row: 3, col: 12, width: 12, height: 6}
  - id: sales_grid
    title: Revenue by month and category
    description: A cell per month and category.
    chart: heatmap
    query: sales_daily
    dimensions:
      - {column: purchase_month, title: Purchase month, format: month}
      - {column: product_category, title: Category}
    measures:
      - {column: revenue, title: Revenue, format: brl}
    layout: {row: 9, col: 0, width: 24, height: 6}
"""

CATEGORIES = """\
title: Categories
description: The categories that sell most.
position: 2
filters: [category]
cards:
  - id: categories_top
    title: Top categories
    description: The ten categories with the most revenue.
    chart: row
    query: sales_daily
    dimensions:
      - {column: product_category, title: Category}
    measures:
      - {column: revenue, title: Revenue, format: brl}
      - {name: share, ratio: [orders, revenue], title: Orders per real, format: percent}
    filters: {category: product_category}
    sort: [-revenue]
    limit: 10
    layout: {row: 0, col: 0, width: 24, height: 8}
"""


@pytest.fixture
def definitions_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "dashboards"
    (folder / "queries").mkdir(parents=True)
    (folder / "queries" / "sales_daily.sql").write_text(QUERY, encoding="utf-8")
    (folder / "sales.yml").write_text(SALES, encoding="utf-8")
    (folder / "categories.yml").write_text(CATEGORIES, encoding="utf-8")
    return folder


@pytest.fixture
def environment(monkeypatch) -> None:
    monkeypatch.setenv("METABASE_USER", ADMIN)
    monkeypatch.setenv("METABASE_PASSWORD", PASSWORD)
    monkeypatch.setenv(
        "METABASE_WAREHOUSE_URL",
        f"postgresql://metabase_reader:{WAREHOUSE_PASSWORD}@warehouse.internal:5432/warehouse",
    )
    monkeypatch.setenv("METABASE_GEOJSON_URL", GEOJSON_URL)
    for name in ("METABASE_COLLECTION", "METABASE_DATABASE_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(environment, monkeypatch):
    with FakeMetabase({ADMIN: PASSWORD}) as server:
        monkeypatch.setenv("METABASE_URL", server.url)
        yield server


def provision(folder: Path) -> metabase.ProvisionReport:
    settings = metabase.MetabaseSettings.from_env()
    return metabase.provision(defs.load(folder), settings)


def posted(fake: FakeMetabase, path: str, name: str) -> dict:
    (call,) = [c for c in fake.requests("POST", path) if c.body.get("name") == name]
    return call.body


def column(settings: dict, name: str) -> dict:
    return settings["column_settings"][json.dumps(["name", name], separators=(",", ":"))]


# --- a first run --------------------------------------------------------------------------------


def test_a_first_run_creates_every_object(fake, definitions_dir):
    report = provision(definitions_dir)

    assert report.updated == report.unchanged == report.archived == []
    assert report.created == [
        "database Olist warehouse",
        "collection Olist marketplace",
        "region map Brazil states",
        "card Revenue [sales_revenue]",
        "card Average order value [sales_order_value]",
        "card Revenue by month and state [sales_by_month]",
        "card Orders by state [sales_map]",
        "card Revenue by month and category [sales_grid]",
        "card Top categories [categories_top]",
        "dashboard Sales",
        "dashboard Categories",
    ]
    database = posted(fake, "/api/database", "Olist warehouse")
    assert database["engine"] == "postgres"
    assert database["details"] == {
        "host": "warehouse.internal",
        "port": 5432,
        "dbname": "warehouse",
        "user": "metabase_reader",
        "password": WAREHOUSE_PASSWORD,
        "ssl": False,
    }
    assert len(fake.synced) == 1
    (geojson,) = fake.requests("PUT", "/api/setting/custom-geojson")
    assert geojson.body == {
        "value": {
            "brazil_states": {
                "name": "Brazil states",
                "url": GEOJSON_URL,
                "region_key": "uf",
                "region_name": "name",
            }
        }
    }
    (collection,) = fake.collections.values()
    assert (collection["name"], collection["location"]) == ("Olist marketplace", "/")
    assert posted(fake, "/api/collection", "Olist marketplace")["description"]


def test_a_question_gets_the_cards_sql_and_its_variables(fake, definitions_dir):
    provision(definitions_dir)

    card = posted(fake, "/api/card", "Revenue")
    definitions = defs.load(definitions_dir)
    (definition,) = [c for d in definitions.dashboards for c in d.cards if c.id == "sales_revenue"]
    expected_sql, _ = defs.card_sql(definition, definitions.query_sql("sales_daily"), metabase=True)
    query = card["dataset_query"]
    assert query["type"] == "native"
    assert query["database"] == fake.synced[0]
    assert query["native"]["query"] == expected_sql
    assert "[[and purchase_month >= {{date_from}}]]" in expected_sql
    tags = query["native"]["template-tags"]
    assert {name: (tag["type"], tag["display-name"]) for name, tag in tags.items()} == {
        "date_from": ("date", "From"),
        "date_to": ("date", "To"),
        "state": ("text", "State"),
        "category": ("text", "Product category"),
    }
    assert [(p["slug"], p["type"], p["target"]) for p in card["parameters"]] == [
        ("date_from", "date/single", ["variable", ["template-tag", "date_from"]]),
        ("date_to", "date/single", ["variable", ["template-tag", "date_to"]]),
        ("state", "category", ["variable", ["template-tag", "state"]]),
        ("category", "category", ["variable", ["template-tag", "category"]]),
    ]
    assert card["display"] == "scalar"
    assert card["collection_id"] == 4
    assert card["description"] == (
        "Items' price and freight of the orders sold.\n\n"
        "Defined as code in dashboards/sales.yml, card sales_revenue."
    )
    assert column(card["visualization_settings"], "revenue") == {
        "column_title": "Revenue",
        "number_style": "currency",
        "currency": "BRL",
        "currency_style": "symbol",
        "decimals": 2,
        "number_separators": ",.",
    }
    # A card that does not map a filter gets no variable for it.
    order_value = posted(fake, "/api/card", "Average order value")
    assert set(order_value["dataset_query"]["native"]["template-tags"]) == {
        "date_from",
        "date_to",
        "state",
    }


def test_charts_get_metabase_visualizations(fake, definitions_dir):
    provision(definitions_dir)

    region = posted(fake, "/api/card", "Orders by state")
    assert region["display"] == "map"
    assert region["visualization_settings"] | {"column_settings": None} == {
        "column_settings": None,
        "map.type": "region",
        "map.region": "brazil_states",
        "map.dimension": "customer_state",
        "map.metric": "orders",
    }
    stacked = posted(fake, "/api/card", "Revenue by month and state")
    settings = stacked["visualization_settings"]
    assert stacked["display"] == "bar"
    assert settings["stackable.stack_type"] == "stacked"
    assert settings["graph.dimensions"] == ["purchase_month", "customer_state"]
    assert settings["graph.metrics"] == ["revenue"]
    assert settings["graph.x_axis.title_text"] == "Purchase month"
    assert column(settings, "purchase_month")["date_style"] == "MMM YYYY"
    grid = posted(fake, "/api/card", "Revenue by month and category")
    assert grid["display"] == "table"
    assert grid["visualization_settings"]["table.pivot_column"] == "product_category"
    assert grid["visualization_settings"]["table.cell_column"] == "revenue"
    top = posted(fake, "/api/card", "Top categories")
    assert top["display"] == "row"
    assert column(top["visualization_settings"], "share")["number_style"] == "percent"


def test_a_dashboard_gets_its_filters_and_layout(fake, definitions_dir):
    provision(definitions_dir)

    (dashboard,) = [d for d in fake.dashboards.values() if d["name"] == "Sales"]
    assert [(p["id"], p["name"], p["slug"], p["type"]) for p in dashboard["parameters"]] == [
        ("date_from", "From", "date_from", "date/single"),
        ("date_to", "To", "date_to", "date/single"),
        ("state", "State", "state", "string/="),
        ("category", "Product category", "category", "string/="),
    ]
    assert dashboard["collection_id"] == 4
    cards = {card["name"]: card_id for card_id, card in fake.cards.items()}
    by_card = {d["card_id"]: d for d in dashboard["dashcards"]}
    assert set(by_card) == {
        cards[name]
        for name in (
            "Revenue",
            "Average order value",
            "Revenue by month and state",
            "Orders by state",
            "Revenue by month and category",
        )
    }
    order_value = by_card[cards["Average order value"]]
    assert (order_value["row"], order_value["col"], order_value["size_x"]) == (0, 6, 6)
    assert order_value["size_y"] == 3
    assert order_value["parameter_mappings"] == [
        {
            "parameter_id": variable,
            "card_id": cards["Average order value"],
            "target": ["variable", ["template-tag", variable]],
        }
        for variable in ("date_from", "date_to", "state")
    ]
    assert by_card[cards["Revenue by month and category"]]["parameter_mappings"] == []
    # Created empty, then given its layout: new dashcards carry negative ids.
    (layout,) = [
        c
        for c in fake.requests("PUT", r"/api/dashboard/\d+")
        if c.path.endswith(str(dashboard["id"]))
    ]
    assert sorted(d["id"] for d in layout.body["dashcards"]) == [-5, -4, -3, -2, -1]
    assert layout.body["tabs"] == []


# --- later runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mbql5", [False, True], ids=["legacy-query", "mbql5-query"])
def test_a_second_run_only_reads(environment, monkeypatch, definitions_dir, mbql5):
    with FakeMetabase({ADMIN: PASSWORD}, mbql5=mbql5) as fake:
        monkeypatch.setenv("METABASE_URL", fake.url)
        first = provision(definitions_dir)
        fake.calls.clear()

        second = provision(definitions_dir)

    assert fake.writes() == []
    assert [c.method for c in fake.calls].count("POST") == 1  # the login
    assert second.created == second.updated == second.archived == []
    assert second.unchanged == first.created


def test_a_changed_title_updates_that_card_only(fake, definitions_dir):
    provision(definitions_dir)
    (card_id,) = [i for i, c in fake.cards.items() if c["name"] == "Orders by state"]
    path = definitions_dir / "sales.yml"
    path.write_text(path.read_text().replace("title: Orders by state", "title: Orders per state"))
    fake.calls.clear()

    report = provision(definitions_dir)

    assert [(c.method, c.path) for c in fake.writes()] == [("PUT", f"/api/card/{card_id}")]
    assert report.updated == ["card Orders per state [sales_map]"]
    assert fake.cards[card_id]["name"] == "Orders per state"
    assert report.created == report.archived == []


def test_changed_sql_updates_that_card_only(fake, definitions_dir):
    provision(definitions_dir)
    path = definitions_dir / "categories.yml"
    path.write_text(path.read_text().replace("limit: 10", "limit: 5"))
    fake.calls.clear()

    report = provision(definitions_dir)

    (card_id,) = [i for i, c in fake.cards.items() if c["name"] == "Top categories"]
    assert [(c.method, c.path) for c in fake.writes()] == [("PUT", f"/api/card/{card_id}")]
    assert fake.cards[card_id]["dataset_query"]["native"]["query"].endswith("limit 5")
    assert report.updated == ["card Top categories [categories_top]"]


def test_a_removed_card_leaves_its_dashboard_and_is_archived(fake, definitions_dir):
    provision(definitions_dir)
    (card_id,) = [i for i, c in fake.cards.items() if c["name"] == "Orders by state"]
    path = definitions_dir / "sales.yml"
    text = path.read_text()
    start, end = text.index("  - id: sales_map"), text.index("  - id: sales_grid")
    path.write_text(text[:start] + text[end:])
    fake.calls.clear()

    report = provision(definitions_dir)

    (sales,) = [i for i, d in fake.dashboards.items() if d["name"] == "Sales"]
    assert [(c.method, c.path, c.body.get("archived")) for c in fake.writes()] == [
        ("PUT", f"/api/dashboard/{sales}", False),
        ("PUT", f"/api/card/{card_id}", True),
    ]
    assert report.updated == ["dashboard Sales"]
    assert report.archived == ["card Orders by state [sales_map]"]
    assert fake.cards[card_id]["archived"]
    assert card_id not in {d["card_id"] for d in fake.dashboards[sales]["dashcards"]}
    # The dashboard's other dashcards were kept, not recreated.
    assert all(d["id"] > 0 for d in fake.writes()[0].body["dashcards"])

    path.write_text(text)
    again = provision(definitions_dir)
    assert "card Orders by state [sales_map]" in again.updated
    assert not fake.cards[card_id]["archived"]


def test_a_removed_dashboard_is_archived_with_its_cards(fake, definitions_dir):
    provision(definitions_dir)
    (definitions_dir / "categories.yml").unlink()

    report = provision(definitions_dir)

    assert report.archived == ["dashboard Categories", "card Top categories [categories_top]"]
    assert [d["archived"] for d in fake.dashboards.values() if d["name"] == "Categories"] == [True]


def test_objects_made_by_hand_are_adopted_by_name_or_left_alone(fake, definitions_dir):
    provision(definitions_dir)
    card_id, card = next((i, c) for i, c in fake.cards.items() if c["name"] == "Revenue")
    card["description"] = "Made by hand."
    handmade = {**card, "id": 99, "name": "A question of my own"}
    fake.cards[99] = handmade
    fake.calls.clear()

    report = provision(definitions_dir)

    assert report.updated == ["card Revenue [sales_revenue]"]
    assert report.archived == []
    assert fake.cards[card_id]["description"].endswith("card sales_revenue.")
    assert not fake.cards[99]["archived"]


def test_a_changed_connection_is_updated_and_synced(fake, definitions_dir, monkeypatch):
    provision(definitions_dir)
    monkeypatch.setenv(
        "METABASE_WAREHOUSE_URL",
        f"postgresql://metabase_reader:{WAREHOUSE_PASSWORD}@warehouse.example.net/warehouse"
        "?sslmode=require",
    )
    fake.calls.clear()

    report = provision(definitions_dir)

    assert report.updated == ["database Olist warehouse"]
    (database,) = [d for d in fake.databases.values() if d["name"] == "Olist warehouse"]
    assert database["details"]["host"] == "warehouse.example.net"
    assert database["details"]["ssl"] is True
    assert database["details"]["password"] == WAREHOUSE_PASSWORD
    assert len(fake.synced) == 2


# --- the region map -----------------------------------------------------------------------------


def test_other_custom_regions_are_kept(fake, definitions_dir):
    colombia = {
        "name": "Colombia",
        "url": "https://example.org/colombia.geojson",
        "region_key": "code",
        "region_name": "name",
    }
    fake.custom_geojson = {"colombia": colombia}

    provision(definitions_dir)

    (call,) = fake.requests("PUT", "/api/setting/custom-geojson")
    assert set(call.body["value"]) == {"colombia", "brazil_states"}
    assert fake.custom_geojson["colombia"] == colombia


def test_a_private_geojson_url_is_refused_by_metabase(fake, definitions_dir, monkeypatch):
    monkeypatch.setenv("METABASE_GEOJSON_URL", "http://192.168.1.20:8000/brazil_states.geojson")

    with pytest.raises(metabase.MetabaseError) as error:
        provision(definitions_dir)

    assert str(error.value).startswith(
        "PUT /api/setting/custom-geojson -> 400: Invalid GeoJSON file location"
    )


# --- settings and errors ------------------------------------------------------------------------


def test_bad_credentials_fail_clearly_without_the_password(fake, definitions_dir, monkeypatch):
    monkeypatch.setenv("METABASE_PASSWORD", "not the password")

    with pytest.raises(metabase.MetabaseError) as error:
        provision(definitions_dir)

    message = str(error.value)
    assert message == (
        "POST /api/session -> 401: password: did not match stored password "
        "(check METABASE_USER and METABASE_PASSWORD)"
    )
    assert fake.writes() == []


def test_an_unreachable_metabase_fails_clearly(environment, monkeypatch, definitions_dir):
    monkeypatch.setenv("METABASE_URL", "http://127.0.0.1:9")

    with pytest.raises(metabase.MetabaseError, match=r"POST /api/session: no answer from"):
        provision(definitions_dir)


def test_missing_settings_are_named(monkeypatch):
    for name in ("METABASE_URL", "METABASE_PASSWORD", "METABASE_GEOJSON_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("METABASE_USER", ADMIN)
    monkeypatch.setenv("METABASE_WAREHOUSE_URL", "postgresql://u:p@host/warehouse")

    with pytest.raises(MissingSetting) as error:
        metabase.MetabaseSettings.from_env()

    assert str(error.value) == (
        "METABASE_URL, METABASE_PASSWORD, METABASE_GEOJSON_URL must be set to provision "
        "Metabase (see .env.example)"
    )


def test_main_reports_a_missing_setting_and_exits(monkeypatch, capsys):
    monkeypatch.delenv("METABASE_URL", raising=False)

    assert metabase.main([]) == 1
    assert "METABASE_URL" in capsys.readouterr().err


def test_main_prints_the_report(fake, definitions_dir, capsys):
    assert metabase.main(["--dashboards", str(definitions_dir)]) == 0

    out = capsys.readouterr().out
    assert out.startswith("Metabase: 11 created, 0 updated, 0 unchanged, 0 archived\n")
    assert "  created   dashboard Sales\n" in out


def test_the_warehouse_url_gives_the_engine_and_the_drivers_details():
    redshift = metabase.Warehouse.from_url("redshift://reader:p%40ss@cluster.example.com/olist")
    assert redshift.dialect == "redshift"
    assert redshift.details() == {
        "host": "cluster.example.com",
        "port": 5439,
        "db": "olist",
        "user": "reader",
        "password": "p@ss",
        "ssl": True,
    }
    assert "p@ss" not in repr(redshift)
    with pytest.raises(ValueError, match="scheme 'mysql'"):
        metabase.Warehouse.from_url("mysql://u:p@host/db")
    with pytest.raises(ValueError, match="must name a user, a host and a database"):
        metabase.Warehouse.from_url("postgresql://host")


def test_a_redshift_warehouse_gets_redshift_sql(fake, definitions_dir, monkeypatch):
    monkeypatch.setenv(
        "METABASE_WAREHOUSE_URL", "redshift://reader:secret@cluster.example.com/olist"
    )

    provision(definitions_dir)

    database = posted(fake, "/api/database", "Olist warehouse")
    assert (database["engine"], database["details"]["db"]) == ("redshift", "olist")
    sql = posted(fake, "/api/card", "Revenue")["dataset_query"]["native"]["query"]
    sqlglot.parse_one(resolve(sql, LITERALS), read="redshift")


# --- the SQL Metabase gets ----------------------------------------------------------------------


def resolve(sql: str, values: dict[str, str] | None) -> str:
    """The SQL Metabase runs: each optional clause dropped (no value) or with its literal."""

    def clause(match: re.Match) -> str:
        if values is None:
            return ""
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], match[1])

    resolved = re.sub(r"\[\[(.*?)\]\]", clause, sql)
    assert "{{" not in resolved and "[[" not in resolved
    return resolved


FOLDERS = [pytest.param("small", id="small-definitions"), pytest.param("real", id="dashboards")]


@pytest.fixture
def any_definitions(request, definitions_dir) -> Path:
    return definitions_dir if request.param == "small" else REAL_DASHBOARDS


def card_sqls(folder: Path) -> list[tuple[str, str]]:
    definitions = defs.load(folder)
    return [
        (card.id, defs.card_sql(card, definitions.query_sql(card.query), metabase=True)[0])
        for dashboard in definitions.dashboards
        for card in dashboard.cards
    ]


@pytest.mark.parametrize("any_definitions", FOLDERS, indirect=True)
def test_every_question_parses_as_redshift(any_definitions):
    for card_id, sql in card_sqls(any_definitions):
        for values in (None, LITERALS):
            try:
                parsed = sqlglot.parse_one(resolve(sql, values), read="redshift")
            except sqlglot.errors.ParseError as error:
                pytest.fail(f"card {card_id} does not parse as Redshift: {error}\n{sql}")
            assert isinstance(parsed, sqlglot.exp.Query), card_id


@pytest.mark.integration
@pytest.mark.parametrize("any_definitions", FOLDERS, indirect=True)
def test_every_question_runs_on_the_postgres_warehouse(any_definitions, warehouse_builder):
    warehouse_builder.run("2018-10-18", small_shop())
    failures = []
    for card_id, sql in card_sqls(any_definitions):
        for values in (None, LITERALS):
            try:
                warehouse_builder.rows(resolve(sql, values))
            except Exception as error:  # every card's failure, not only the first
                failures.append(f"{card_id} ({'filtered' if values else 'no filter'}): {error}")
    assert failures == []


def test_the_real_definitions_provision_and_stay_unchanged(fake, tmp_path):
    folder = tmp_path / "dashboards"
    shutil.copytree(REAL_DASHBOARDS, folder)
    definitions = defs.load(folder)
    cards = [card for dashboard in definitions.dashboards for card in dashboard.cards]

    first = provision(folder)
    fake.calls.clear()
    second = provision(folder)

    assert len(first.created) == 3 + len(cards) + len(definitions.dashboards)
    assert fake.writes() == []
    assert second.unchanged == first.created
    maps = [c for c in fake.cards.values() if c["display"] == "map"]
    assert maps and all(c["visualization_settings"]["map.region"] == "brazil_states" for c in maps)
