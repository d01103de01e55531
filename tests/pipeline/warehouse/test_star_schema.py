"""The star schema on PostgreSQL, built from a small shop by the pipeline's own path.

Each test writes processed partitions to a lake, loads them and builds the staging and core
models with their tests (``warehouse_builder``; the marts, which read the star schema, have their
own modules), then checks what a warehouse user would query. Expected values are
worked out by hand from the fixture below.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from support.warehouse_builder import RS, SP, at, customer_row, item_row, order_row, small_shop

pytestmark = pytest.mark.integration

DAY_1 = "2018-10-01"
DAY_2 = "2018-10-02"
DAY_3 = "2018-10-03"


@pytest.fixture
def warehouse_builder(warehouse_builder):
    """The shared builder, for the star schema's layers only."""
    warehouse_builder.layers = ("staging", "core")
    return warehouse_builder


def facts(builder) -> dict[tuple[str, int], dict]:
    rows = builder.rows("select * from core.fact_sales")
    return {(row["order_id"], row["order_item_id"]): row for row in rows}


def test_one_fact_row_per_item_with_money_and_delivery(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())

    sales = facts(warehouse_builder)
    assert sorted(sales) == [("o1", 1), ("o2", 1), ("o2", 2), ("o3", 1)]
    o1 = sales[("o1", 1)]
    assert (o1["price"], o1["freight_value"], o1["item_revenue"]) == (
        Decimal("100.00"),
        Decimal("10.00"),
        Decimal("110.00"),
    )
    assert (o1["delivery_days"], o1["delay_days"], o1["is_on_time"]) == (8, -5, True)
    assert o1["review_score"] == 5
    # 12:00 UTC on 2017-11-24 is 07:00 in São Paulo, still Black Friday
    assert sales[("o3", 1)]["purchase_date_key"] == 20171124
    # o2 collected 100.00 for 90.00 of items: 55/90 of it is 61.11, the last item takes the rest
    assert sales[("o2", 1)]["payment_share"] == Decimal("61.11")
    assert sales[("o2", 2)]["payment_share"] == Decimal("38.89")
    # the latest of o2's two reviews counts
    assert sales[("o2", 1)]["review_score"] == 4


def test_a_fact_keeps_its_dimensions_even_when_one_lacks_the_member(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())

    o3 = facts(warehouse_builder)[("o3", 1)]
    assert o3["product_key"] == "-1"  # p9 is not in the catalogue
    for dimension, key in [
        ("dim_customer", "customer_key"),
        ("dim_product", "product_key"),
        ("dim_seller", "seller_key"),
        ("dim_location", "location_key"),
    ]:
        (unknown,) = warehouse_builder.rows(
            f"select count(*) as n from core.{dimension} where {key} = '-1'"
        )
        assert unknown["n"] == 1, dimension
    orphans = warehouse_builder.rows(
        "select f.order_id from core.fact_sales f"
        " left join core.dim_customer c on f.customer_key = c.customer_key"
        " left join core.dim_product p on f.product_key = p.product_key"
        " left join core.dim_seller s on f.seller_key = s.seller_key"
        " left join core.dim_location l on f.customer_location_key = l.location_key"
        " left join core.dim_location sl on f.seller_location_key = sl.location_key"
        " left join core.dim_time t on f.purchase_date_key = t.date_key"
        " where c.customer_key is null or p.product_key is null or s.seller_key is null"
        " or l.location_key is null or sl.location_key is null or t.date_key is null"
    )
    assert orphans == []


def test_dimensions_name_categories_states_and_regions(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())

    products = {
        row["product_id"]: (row["category_name"], row["category_name_english"])
        for row in warehouse_builder.rows("select * from core.dim_product")
    }
    assert products["p1"] == ("beleza_saude", "health_beauty")
    assert products["p2"] == ("sem_categoria", "uncategorized")
    places = {
        row["zip_code_prefix"]: row
        for row in warehouse_builder.rows("select * from core.dim_location")
    }
    assert (places[SP]["state_name"], places[SP]["region"]) == ("São Paulo", "Sudeste")
    assert places[SP]["latitude"] == pytest.approx(-23.55)
    # no geolocation for Porto Alegre's prefix: its customer's address names the place
    assert (places[RS]["city"], places[RS]["state"], places[RS]["region"]) == (
        "porto alegre",
        "RS",
        "Sul",
    )
    assert places[RS]["latitude"] is None


def test_a_customer_who_moved_has_two_versions_and_each_sale_the_one_of_its_time(
    warehouse_builder,
):
    warehouse_builder.run(DAY_1, small_shop())

    versions = warehouse_builder.rows(
        "select * from core.dim_customer where customer_unique_id = 'u1' order by valid_from"
    )
    assert [(v["state"], v["is_current"]) for v in versions] == [("SP", False), ("RJ", True)]
    assert versions[0]["valid_from"] == at("2017-03-01 15:00")
    assert versions[0]["valid_to"] == versions[1]["valid_from"] == at("2018-01-10 12:00")
    sales = facts(warehouse_builder)
    assert sales[("o1", 1)]["customer_key"] == versions[0]["customer_key"]
    assert sales[("o2", 1)]["customer_key"] == versions[1]["customer_key"]


def test_a_customer_ordering_again_from_the_same_address_keeps_one_version(warehouse_builder):
    tables = small_shop()
    tables["customers"].append(customer_row("c2b", "u2", RS, "porto alegre", "RS"))
    tables["orders"].append(order_row("o4", "c2b", "delivered", "2018-02-01 10:00", "0", "0"))
    warehouse_builder.run(DAY_1, tables)

    (u2,) = warehouse_builder.rows(
        "select * from core.dim_customer where customer_unique_id = 'u2'"
    )
    assert u2["valid_from"] == at("2017-11-24 10:00")
    assert u2["is_current"] is True


CORE_AND_STAGING = [
    "staging.stg_orders",
    "staging.stg_order_items",
    "staging.stg_customers",
    "core.dim_customer",
    "core.dim_product",
    "core.dim_seller",
    "core.dim_location",
    "core.dim_time",
    "core.fact_sales",
]


def test_running_the_same_day_again_leaves_the_warehouse_identical(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    first = {table: warehouse_builder.checksum(table) for table in CORE_AND_STAGING}

    warehouse_builder.run(DAY_1, small_shop())

    assert {table: warehouse_builder.checksum(table) for table in CORE_AND_STAGING} == first


def test_a_late_delivery_updates_the_fact_and_leaves_other_orders_alone(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    before = facts(warehouse_builder)
    # Day 2: o3 was delivered, 6 days late; the extract sends the whole order again.
    late = at("2018-10-02 09:00")
    tables = {
        "orders": [
            order_row(
                "o3", "c2", "delivered", "2017-11-24 10:00", "22.00", "22.00", updated_at=late
            )
        ],
        "order_items": [{**item_row("o3", 1, "p9", "s1", "20.00", "2.00"), "updated_at": late}],
        "deliveries": [
            {
                "order_id": "o3",
                "order_delivered_customer_date": at("2017-12-20 10:00"),
                "delivery_days": 26,
                "delay_days": 6,
                "is_on_time": False,
                "updated_at": late,
            }
        ],
    }
    warehouse_builder.run(DAY_2, tables)

    after = facts(warehouse_builder)
    o3 = after[("o3", 1)]
    assert (o3["order_status"], o3["delivery_days"], o3["delay_days"], o3["is_on_time"]) == (
        "delivered",
        26,
        6,
        False,
    )
    assert str(o3["_ingest_date"]) == DAY_2
    assert {k: v for k, v in after.items() if k[0] != "o3"} == {
        k: v for k, v in before.items() if k[0] != "o3"
    }


def test_a_backfill_of_an_older_day_does_not_undo_a_newer_update(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    late = at("2018-10-02 09:00")
    warehouse_builder.run(
        DAY_2,
        {
            "orders": [
                order_row(
                    "o3", "c2", "canceled", "2017-11-24 10:00", "22.00", "22.00", updated_at=late
                )
            ]
        },
    )

    warehouse_builder.run(DAY_1, small_shop())  # the day-1 partition loaded again

    assert facts(warehouse_builder)[("o3", 1)]["order_status"] == "canceled"


def test_a_delete_in_the_shop_reaches_the_fact(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    deleted_at = at("2018-10-03 08:00")

    def tombstone(row_id, table, **key):
        return {
            "id": row_id,
            "table_name": table,
            "row_key": json.dumps(key),
            "natural_key": json.dumps(key, separators=(",", ":")),
            "deleted_at": deleted_at,
        }

    # o2 lost its second item: the shop records the delete and the extract resends the order
    # with its new totals.
    changed = at("2018-10-03 08:00")
    warehouse_builder.run(
        DAY_3,
        {
            "deleted_rows": [tombstone(1, "order_items", order_id="o2", order_item_id=2)],
            "orders": [
                order_row(
                    "o2",
                    "c1b",
                    "delivered",
                    "2018-01-10 12:00",
                    "55.00",
                    "100.00",
                    updated_at=changed,
                )
            ],
            "order_items": [
                {**item_row("o2", 1, "p1", "s1", "50.00", "5.00"), "updated_at": changed}
            ],
        },
    )

    sales = facts(warehouse_builder)
    assert ("o2", 2) not in sales
    assert sales[("o2", 1)]["payment_share"] == Decimal("100.00")
    (staged,) = warehouse_builder.rows(
        "select count(*) as n from staging.stg_order_items where order_id = 'o2'"
    )
    assert staged["n"] == 1


def test_a_deleted_order_leaves_the_warehouse(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    tombstones = [
        {
            "id": 1,
            "table_name": table,
            "row_key": "x",
            "natural_key": json.dumps(key, separators=(",", ":")),
            "deleted_at": at("2018-10-03 08:00"),
        }
        for table, key in [
            ("orders", {"order_id": "o1"}),
            ("order_items", {"order_id": "o1", "order_item_id": 1}),
            ("payments", {"order_id": "o1", "payment_sequential": 1}),
        ]
    ]
    warehouse_builder.run(DAY_3, {"deleted_rows": tombstones})

    assert ("o1", 1) not in facts(warehouse_builder)
    assert warehouse_builder.rows("select * from staging.stg_orders where order_id = 'o1'") == []
    assert warehouse_builder.rows("select * from staging.stg_payments where order_id = 'o1'") == []


def test_a_row_recreated_after_its_delete_stays(warehouse_builder):
    warehouse_builder.run(DAY_1, small_shop())
    tombstone = {
        "id": 1,
        "table_name": "payments",
        "row_key": "x",
        "natural_key": json.dumps({"order_id": "o1", "payment_sequential": 1}),
        "deleted_at": at("2018-10-03 08:00"),
    }
    again = {
        "order_id": "o1",
        "payment_sequential": 1,
        "payment_type": "boleto",
        "payment_value": Decimal("110.00"),
        "updated_at": at("2018-10-03 09:00"),
    }
    warehouse_builder.run(DAY_3, {"deleted_rows": [tombstone], "payments": [again]})

    (payment,) = warehouse_builder.rows("select * from staging.stg_payments where order_id = 'o1'")
    assert payment["payment_type"] == "boleto"
