"""The dashboard definitions: they load, and every card's SQL gives the hand-computed answer.

The warehouse is built from ``small_shop()`` plus one canceled order, through the pipeline's
own models. Its sales, worked out by hand (São Paulo purchase days):

- o1: u1 in SP (Sudeste), 2017-03-01, one item 100 + 10 freight, paid 110; delivered on time in
  8 days by s1, reviewed 5;
- o2: u1 again, now in RJ (Sudeste), 2018-01-10, items 50 + 5 (s1) and 30 + 5 (s2), paid 100;
  delivered 3 days late in 20 days, two shipments (one per seller), reviewed 1 and then
  4 (the latest review counts);
- o3: u2 in RS (Sul), 2017-11-24, one item 20 + 2 (s1, a product the catalogue lost), paid 22;
  shipped, not delivered;
- o4: u2, 2017-12-05, canceled: it counts nowhere.
"""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import sqlglot
from support.warehouse_builder import item_row, order_row, small_shop

from olist_pipeline.dashboards import definitions, geometry

REPO_ROOT = Path(__file__).resolve().parents[3]
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
INGEST_DATE = "2018-02-01"
UF_CODES = {
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
}  # fmt: skip


@pytest.fixture(scope="module")
def dashboards() -> definitions.Definitions:
    return definitions.load(DASHBOARDS_DIR)


def dashboard_shop() -> dict[str, list[dict]]:
    shop = small_shop()
    shop["orders"].append(order_row("o4", "c2", "canceled", "2017-12-05 12:00", "45.00", "45.00"))
    shop["order_items"].append(item_row("o4", 1, "p1", "s2", "40.00", "5.00"))
    shop["payments"].append(
        {
            "order_id": "o4",
            "payment_sequential": 1,
            "payment_type": "credit_card",
            "payment_value": Decimal("45.00"),
        }
    )
    return shop


@pytest.fixture
def warehouse(warehouse_builder):
    warehouse_builder.run(INGEST_DATE, dashboard_shop())
    return warehouse_builder.warehouse


def card_result(warehouse, dashboards, card_id: str, **filter_values) -> list[dict]:
    card = find_card(dashboards, card_id)
    query = dashboards.query_sql(card.query)
    sql, parameters = definitions.card_sql(card, query, filter_values=filter_values)
    with psycopg.connect(warehouse.url) as conn:
        cursor = conn.execute(sql, parameters)
        columns = [column.name for column in cursor.description]
        assert tuple(columns) == card.output_columns
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def find_card(dashboards, card_id: str) -> definitions.Card:
    (card,) = [c for d in dashboards.dashboards for c in d.cards if c.id == card_id]
    return card


def kpi(warehouse, dashboards, card_id: str, **filter_values):
    (row,) = card_result(warehouse, dashboards, card_id, **filter_values)
    (value,) = row.values()
    return value


def test_the_seven_dashboards_load_in_order(dashboards):
    assert [d.id for d in dashboards.dashboards] == [
        "kpi_overview",
        "revenue_trends",
        "orders_by_region",
        "delivery_performance",
        "seller_ranking",
        "customer_segments",
        "sales_forecast",
    ]
    assert all(card.description for d in dashboards.dashboards for card in d.cards)
    map_cards = [c for d in dashboards.dashboards for c in d.cards if c.chart == "map"]
    assert {c.id for c in map_cards} >= {"region_orders_map"}


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_every_card_parses_for_both_warehouses(dashboards, dialect):
    for dashboard in dashboards.dashboards:
        for card in dashboard.cards:
            query = dashboards.query_sql(card.query)
            assert "{{" not in query and "{%" not in query, card.id
            sqlglot.parse_one(definitions.card_sql(card, query)[0], read=dialect)
        for dataset in definitions.site_datasets(dashboard.cards):
            query = dashboards.query_sql(dataset.query)
            sqlglot.parse_one(definitions.dataset_sql(dataset, query), read=dialect)


def test_business_cards_read_the_marts_only(dashboards):
    """Business users see the marts: no card's query reads the star schema directly, and every
    relation is named with its schema (the warehouse's published names, on both engines)."""
    for name in dashboards.queries:
        parsed = sqlglot.parse_one(dashboards.query_sql(name), read="redshift")
        ctes = {cte.alias for cte in parsed.find_all(sqlglot.exp.CTE)}
        tables = [t for t in parsed.find_all(sqlglot.exp.Table) if t.name not in ctes]
        assert tables, name
        read = {(table.db, table.name) for table in tables}
        assert all(s == "marts" and t.startswith("mart_") for s, t in read), (name, read)


def test_a_query_is_sent_without_its_header_comment(tmp_path):
    folder = write_definitions(tmp_path / "dashboards", VALID)
    (folder / "queries" / "orders_monthly.sql").write_text(
        "-- Orders per month: 100% of them.\n--\n\nselect orders\n-- kept\nfrom marts.x;\n"
    )
    assert definitions.load(folder).query_sql("orders_monthly") == (
        "select orders\n-- kept\nfrom marts.x"
    )


@pytest.mark.parametrize(
    "text",
    [
        'select orders from {{ ref("mart_orders_monthly") }}',
        "{% if true %}select 1 as orders{% endif %}",
        "{# a note #}\nselect 1 as orders",
    ],
)
def test_a_templated_query_is_refused(tmp_path, text):
    folder = write_definitions(tmp_path / "dashboards", VALID)
    (folder / "queries" / "orders_monthly.sql").write_text(text)
    with pytest.raises(definitions.DefinitionError, match=r"orders_monthly\.sql: queries are"):
        definitions.load(folder)


def test_every_card_runs_on_the_local_warehouse_with_every_filter(warehouse, dashboards):
    filter_values = {
        "date_from": "2017-01-01",
        "date_to": "2018-12-01",
        "state": "SP",
        "category": "Health Beauty",
    }
    for dashboard in dashboards.dashboards:
        for card in dashboard.cards:
            query = dashboards.query_sql(card.query)
            for values in ({}, filter_values):
                sql, parameters = definitions.card_sql(card, query, filter_values=values)
                with psycopg.connect(warehouse.url) as conn:
                    cursor = conn.execute(sql, parameters)
                    assert tuple(c.name for c in cursor.description) == card.output_columns
        for dataset in definitions.site_datasets(dashboard.cards):
            query = dashboards.query_sql(dataset.query)
            with psycopg.connect(warehouse.url) as conn:
                cursor = conn.execute(definitions.dataset_sql(dataset, query))
                assert tuple(c.name for c in cursor.description) == dataset.columns


def test_kpi_cards(warehouse, dashboards):
    # o1 110 + o2 90 + o3 22; o4 is canceled
    assert kpi(warehouse, dashboards, "kpi_revenue") == Decimal("222.00")
    assert kpi(warehouse, dashboards, "kpi_orders") == 3
    assert kpi(warehouse, dashboards, "kpi_average_order_value") == pytest.approx(74.0)
    # u1's first order (o1) and u2's (o3); o2 is u1 returning
    assert kpi(warehouse, dashboards, "kpi_new_customers") == 2
    # shipments delivered: o1/s1 on time, o2/s1 and o2/s2 late
    assert kpi(warehouse, dashboards, "kpi_on_time_share") == pytest.approx(1 / 3)
    assert kpi(warehouse, dashboards, "kpi_review_score") == pytest.approx((5 + 4 + 4) / 3)
    assert kpi(warehouse, dashboards, "delivery_average_days") == pytest.approx((8 + 20 + 20) / 3)
    assert kpi(warehouse, dashboards, "delivery_average_delay") == pytest.approx(3.0)


def test_kpi_cards_follow_the_filters(warehouse, dashboards):
    assert kpi(warehouse, dashboards, "kpi_revenue", state="SP") == Decimal("110.00")
    assert kpi(warehouse, dashboards, "kpi_orders", state="RS") == 1
    november_to_january = {"date_from": "2017-11-01", "date_to": "2018-01-01"}
    assert kpi(warehouse, dashboards, "kpi_revenue", **november_to_january) == Decimal("112.00")
    assert kpi(warehouse, dashboards, "kpi_average_order_value", **november_to_january) == (
        pytest.approx(56.0)
    )
    # u2 is new in November; u1 only returns in January
    assert kpi(warehouse, dashboards, "kpi_new_customers", **november_to_january) == 1
    assert kpi(warehouse, dashboards, "kpi_on_time_share", **november_to_january) == 0.0
    # nothing was delivered in RS: the ratio has no denominator
    assert kpi(warehouse, dashboards, "kpi_on_time_share", state="RS") is None
    # the category filter (categories read as words): only health_beauty's items, o1's and
    # o2's first
    assert kpi(warehouse, dashboards, "trends_revenue", category="Health Beauty") == Decimal(
        "165.00"
    )


def test_map_card_orders_by_state(warehouse, dashboards):
    rows = card_result(warehouse, dashboards, "region_orders_map")
    assert rows == [
        {
            "customer_state": "RJ",
            "orders": 1,
            "revenue": Decimal("90.00"),
            "average_order_value": pytest.approx(90.0),
        },
        {
            "customer_state": "RS",
            "orders": 1,
            "revenue": Decimal("22.00"),
            "average_order_value": pytest.approx(22.0),
        },
        {
            "customer_state": "SP",
            "orders": 1,
            "revenue": Decimal("110.00"),
            "average_order_value": pytest.approx(110.0),
        },
    ]
    assert card_result(warehouse, dashboards, "region_orders_map", date_to="2017-12-01") == [
        rows[1],
        rows[2],
    ]
    regions = card_result(warehouse, dashboards, "region_orders_by_region")
    assert regions == [
        {"customer_region": "Sudeste", "orders": 2},
        {"customer_region": "Sul", "orders": 1},
    ]


def test_rfm_cards(warehouse, dashboards):
    # As of 2018-01-11, the day after the last purchase. Two customers, so each quintile
    # (ntile(5)) holds one: u2 (last order 2017-11-24, R$22) scores R 1 and M 1, u1 (2018-01-10,
    # R$210 over two orders) R 2 and M 2; F: one order -> 1, two -> 3. FM = (F + M) / 2 rounded
    # down: u1 2 -> Hibernating (R 2, FM 2), u2 1 -> Lost (R 1, FM 1).
    assert kpi(warehouse, dashboards, "rfm_customers") == 2
    assert kpi(warehouse, dashboards, "rfm_average_spend") == pytest.approx(116.0)
    assert str(kpi(warehouse, dashboards, "rfm_as_of")) == "2018-01-11"
    assert card_result(warehouse, dashboards, "rfm_customers_by_segment") == [
        {"segment": "Hibernating", "customers": 1},
        {"segment": "Lost", "customers": 1},
    ]
    assert card_result(warehouse, dashboards, "rfm_grid") == [
        {"r_score": 1, "fm_score": 1, "customers": 1},
        {"r_score": 2, "fm_score": 2, "customers": 1},
    ]
    assert card_result(warehouse, dashboards, "rfm_segment_table") == [
        {
            "segment": "Hibernating",
            "customers": 1,
            "monetary": Decimal("210.00"),
            "average_spend": pytest.approx(210.0),
            "orders_per_customer": pytest.approx(2.0),
            "average_recency_days": pytest.approx(1.0),
        },
        {
            "segment": "Lost",
            "customers": 1,
            "monetary": Decimal("22.00"),
            "average_spend": pytest.approx(22.0),
            "orders_per_customer": pytest.approx(1.0),
            "average_recency_days": pytest.approx(48.0),
        },
    ]


def test_top_categories_are_sorted_by_revenue(warehouse, dashboards):
    rows = card_result(warehouse, dashboards, "trends_top_categories")
    # o2's second product has no category; o3's is missing from the catalogue
    assert [(r["product_category"], r["revenue"]) for r in rows] == [
        ("Health Beauty", Decimal("165.00")),
        ("Uncategorized", Decimal("35.00")),
        ("Unknown", Decimal("22.00")),
    ]


def test_metabase_sql_has_optional_clauses_for_the_mapped_filters(dashboards):
    card = find_card(dashboards, "trends_revenue")
    query = dashboards.query_sql(card.query)
    sql, parameters = definitions.card_sql(card, query, metabase=True)
    assert parameters == {}
    assert "[[and purchase_month >= {{date_from}}]]" in sql
    assert "[[and purchase_month <= {{date_to}}]]" in sql
    assert "[[and customer_state = {{state}}]]" in sql
    assert "[[and product_category = {{category}}]]" in sql
    segments = find_card(dashboards, "rfm_customers_by_segment")
    assert "[[" not in definitions.card_sql(segments, "select 1", metabase=True)[0]


def write_definitions(folder: Path, dashboard: dict) -> Path:
    import yaml

    (folder / "queries").mkdir(parents=True)
    (folder / "queries" / "orders_monthly.sql").write_text(
        (DASHBOARDS_DIR / "queries" / "orders_monthly.sql").read_text()
    )
    (folder / "one.yml").write_text(yaml.safe_dump(dashboard))
    return folder


VALID = {
    "title": "One",
    "description": "A dashboard",
    "position": 1,
    "filters": ["state"],
    "cards": [
        {
            "id": "orders",
            "title": "Orders",
            "description": "Orders sold",
            "chart": "kpi",
            "query": "orders_monthly",
            "dimensions": [],
            "measures": [{"column": "orders", "title": "Orders", "format": "integer"}],
            "filters": {"state": "customer_state"},
            "layout": {"row": 0, "col": 0, "width": 6, "height": 3},
        }
    ],
}


def broken(change) -> dict:
    dashboard = copy.deepcopy(VALID)
    change(dashboard, dashboard["cards"][0])
    return dashboard


@pytest.mark.parametrize(
    ("dashboard", "message"),
    [
        (broken(lambda d, c: c.update(chart="pie")), "unknown chart 'pie'"),
        (broken(lambda d, c: c.update(query="nowhere")), "no query dashboards/queries/nowhere"),
        (broken(lambda d, c: c.update(filters={"date": "x"})), "not offered by the dashboard"),
        (broken(lambda d, c: d.update(filters=["region"])), "unknown filters ['region']"),
        (broken(lambda d, c: c["layout"].update(col=20)), "outside the 24-column grid"),
        (broken(lambda d, c: d["cards"].append(dict(c, id="again"))), "cards orders and again"),
        (broken(lambda d, c: c["measures"][0].update(format="euro")), "unknown format 'euro'"),
        (broken(lambda d, c: c.update(sort=["-revenue"])), "sorts by 'revenue'"),
        (broken(lambda d, c: c.update(colour="red")), "unknown keys ['colour']"),
        (
            broken(lambda d, c: c["measures"][0].update(ratio=["a", "b"])),
            "has a column or a ratio",
        ),
        (
            broken(lambda d, c: c["dimensions"].append({"column": "x", "title": "X"})),
            "a kpi shows one measure and no dimension",
        ),
        (
            broken(lambda d, c: c["measures"][0].update(column="orders; drop table x")),
            "is not a column name",
        ),
        (
            broken(
                lambda d, c: c.update(
                    band={"lower": "orders", "upper": "orders", "around": "orders", "title": "B"}
                )
            ),
            "a band is three measures of a line chart",
        ),
        (
            broken(
                lambda d, c: c.update(
                    chart="table",
                    measures=[
                        c["measures"][0],
                        dict(c["measures"][0], name="most", aggregation="max"),
                    ],
                )
            ),
            "aggregated two ways",
        ),
    ],
)
def test_a_mistake_in_a_definition_is_named(tmp_path, dashboard, message):
    with pytest.raises(definitions.DefinitionError) as error:
        definitions.load(write_definitions(tmp_path / "dashboards", dashboard))
    assert message in str(error.value)
    assert "one.yml" in str(error.value)


def test_the_brazil_geometry_has_the_27_states(warehouse):
    collection = geometry.load()
    features = collection["features"]
    assert {f["id"] for f in features} == UF_CODES
    assert all(f["properties"]["uf"] == f["id"] for f in features)
    # the warehouse's own Portuguese names (dim_location) are the map's
    names = {f["id"]: f["properties"]["name"] for f in features}
    with psycopg.connect(warehouse.url) as conn:
        seen = conn.execute(
            "select distinct state, state_name from core.dim_location where state is not null"
        ).fetchall()
    assert seen and all(names[state] == name for state, name in seen)
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert all(-74.1 <= lng <= -34.7 and -33.8 <= lat <= 5.3 for lng, lat in ring)


def test_geometry_derivation_shares_borders_and_names_missing_codes():
    # two unit squares side by side; arc 0 is their shared border, read backwards (~0) by the
    # second; the first lacks its code, as Acre does in the source
    topojson = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [-50, -10]},
        "arcs": [
            [[1, 0], [0, 1]],
            [[1, 1], [-1, 0], [0, -1], [1, 0]],
            [[1, 0], [1, 0], [0, 1], [-1, 0]],
        ],
        "objects": {
            "bra": {
                "geometries": [
                    {
                        "type": "Polygon",
                        "id": "BR.",
                        "properties": {"name": "Acre"},
                        "arcs": [[0, 1]],
                    },
                    {
                        "type": "Polygon",
                        "id": "BR.AM",
                        "properties": {"name": "Amazonas"},
                        "arcs": [[~0, 2]],
                    },
                ]
            }
        },
    }
    by_id = {f["id"]: f for f in geometry.derive(topojson)["features"]}
    assert by_id["AC"]["properties"] == {"uf": "AC", "name": "Acre"}
    assert by_id["AC"]["geometry"]["coordinates"] == [
        [[[-49.0, -10.0], [-49.0, -9.0], [-50.0, -9.0], [-50.0, -10.0], [-49.0, -10.0]]]
    ]
    assert by_id["AM"]["geometry"]["coordinates"] == [
        [[[-49.0, -9.0], [-49.0, -10.0], [-48.0, -10.0], [-48.0, -9.0], [-49.0, -9.0]]]
    ]


def test_a_page_embeds_one_dataset_per_shared_query(dashboards):
    pages = {d.id: definitions.site_datasets(d.cards) for d in dashboards.dashboards}
    trends = {dataset.query: dataset for dataset in pages["revenue_trends"]}
    assert set(trends) == {"revenue_by_category", "orders_monthly"}
    shared = trends["revenue_by_category"]
    assert len(shared.card_ids) == 6
    assert shared.keys == (
        "purchase_month",
        "customer_state",
        "product_category",
        "customer_region",
    )
    assert dict(shared.inputs) == {"revenue": "sum", "items": "sum", "category_orders": "sum"}
    # the ranked sellers' table and scatter share their rows as they are
    sellers = {(d.query, d.aggregate): d for d in pages["seller_ranking"]}
    assert sellers[("seller_scorecard", False)].card_ids == (
        "seller_top_table",
        "seller_on_time_vs_review",
    )
    assert sellers[("seller_scorecard", False)].keys == ()


def test_cards_that_aggregate_a_column_differently_get_their_own_rows(dashboards):
    kpi_card = find_card(dashboards, "trends_revenue")
    largest = dataclasses.replace(
        kpi_card,
        id="largest_month",
        measures=(
            definitions.Measure("revenue", "Largest", "brl", aggregation="max", column="revenue"),
        ),
    )
    by_month = find_card(dashboards, "trends_revenue_by_month_and_region")
    # nor can a card grouping by a column that another sums
    by_revenue = dataclasses.replace(
        by_month,
        id="by_revenue",
        dimensions=(definitions.Dimension("revenue", "Revenue"),),
        measures=(
            definitions.Measure("category_orders", "Orders", "integer", column="category_orders"),
        ),
    )
    datasets = definitions.site_datasets([kpi_card, largest, by_month, by_revenue])
    assert [d.card_ids for d in datasets] == [
        ("trends_revenue", "trends_revenue_by_month_and_region"),
        ("largest_month",),
        ("by_revenue",),
    ]
