"""Reconciliation of the shop's totals with the warehouse's.

The comparison and the XCom round trip are tested on plain values; the shop query on the tiny
loaded shop (read-only, in a snapshot transaction as the extract runs it); the warehouse query
on a small warehouse built by the pipeline's own path, then tampered with.
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
import sqlglot
from support.warehouse_builder import at

from olist_pipeline.quality.reconciliation import (
    MEASURES,
    SHOP_TOTALS_SQL,
    WAREHOUSE_TOTALS_SQL,
    Reconciliation,
    ReconciliationFailed,
    read_shop_totals,
    reconcile,
    shop_totals_from_row,
    totals_from_json,
    totals_to_json,
    warehouse_totals,
)

DAY = "2018-10-18"
SHOP = {
    "orders": 3,
    "order_items": 4,
    "payments": 4,
    "payments_total": Decimal("232.00"),
    "items_revenue_total": Decimal("222.00"),
    "allocated_payments_total": Decimal("222.00"),
    "last_change_at": datetime(2018, 10, 18, 2, 30, tzinfo=UTC),
}


def _warehouse(**changes) -> dict:
    return {name: SHOP[name] for name in MEASURES} | changes


# --- The comparison -----------------------------------------------------------------------------


def test_equal_totals_reconcile():
    result = reconcile(SHOP, _warehouse())

    assert result.success
    assert result.settled
    assert [line.measure for line in result.lines] == list(MEASURES)
    assert result.report().splitlines()[0] == "Reconciliation: all 6 measures match"


def test_a_missing_cent_fails_with_both_numbers_and_the_difference():
    with pytest.raises(ReconciliationFailed) as failure:
        reconcile(SHOP, _warehouse(payments_total=Decimal("231.99")))

    message = str(failure.value)
    assert message.splitlines()[0] == "Reconciliation: 1 of 6 measures differ (payments_total)"
    (line,) = [line for line in message.splitlines() if line.startswith("payments_total")]
    assert line.split() == ["payments_total", "232.00", "231.99", "-0.01"]
    assert failure.value.reconciliation.differences[0].difference == Decimal("-0.01")


def test_counts_and_money_compare_exactly_whatever_their_python_type():
    # a driver may give numerics as text; 232.0 and 232.00 are the same amount
    warehouse = _warehouse(orders="3", payments_total="232.0")

    assert reconcile(SHOP, warehouse).success


def test_a_difference_after_the_extracted_window_is_reported_but_not_raised():
    late = SHOP | {"last_change_at": datetime(2018, 10, 18, 3, 0, 5, tzinfo=UTC)}

    result = reconcile(
        late,
        _warehouse(orders=2),
        extracted_before=datetime(2018, 10, 18, 3, 0, tzinfo=UTC),
    )

    assert not result.success
    assert not result.settled
    assert "Not a failure: the shop changed at 2018-10-18T03:00:05+00:00" in result.report()
    # the same difference within the window fails
    with pytest.raises(ReconciliationFailed):
        reconcile(
            SHOP, _warehouse(orders=2), extracted_before=datetime(2018, 10, 18, 3, tzinfo=UTC)
        )


def test_totals_lacking_a_measure_are_refused():
    with pytest.raises(ValueError, match="the warehouse totals lack payments_total"):
        reconcile(SHOP, {k: v for k, v in _warehouse().items() if k != "payments_total"})


def test_totals_survive_json_exactly():
    safe = totals_to_json(SHOP)

    assert json.loads(json.dumps(safe)) == safe
    assert safe["payments_total"] == "232.00"
    assert safe["last_change_at"] == "2018-10-18T02:30:00+00:00"
    assert totals_from_json(json.loads(json.dumps(safe))) == SHOP


def test_a_shop_row_reads_numeric_text_as_decimal():
    # ADBC gives PostgreSQL numerics as text
    row = (3, 4, 4, "232.00", "222.00", "222.00", None)

    totals = shop_totals_from_row(row)

    assert totals == {name: SHOP[name] for name in MEASURES} | {"last_change_at": None}


def test_the_queries_read_the_measures_from_the_tables_they_document():
    shop = sqlglot.parse_one(SHOP_TOTALS_SQL, read="postgres")
    assert shop.named_selects == [*MEASURES, "last_change_at"]
    assert {table.name for table in shop.find_all(sqlglot.exp.Table)} == {
        "orders",
        "order_items",
        "payments",
        "deleted_rows",
    }
    for dialect in ("redshift", "postgres"):
        warehouse = sqlglot.parse_one(WAREHOUSE_TOTALS_SQL, read=dialect)
        assert warehouse.named_selects == list(MEASURES)
        assert {f"{t.db}.{t.name}" for t in warehouse.find_all(sqlglot.exp.Table)} == {
            "staging.stg_orders",
            "core.fact_sales",
            "staging.stg_payments",
        }


# --- The shop query on a real shop ---------------------------------------------------------------


@pytest.mark.integration
def test_the_shop_query_counts_the_loaded_shop_in_a_snapshot(loaded_shop_url):
    with psycopg.connect(loaded_shop_url) as conn:
        conn.execute("set transaction isolation level repeatable read read only")
        totals = read_shop_totals(conn.cursor())
        expected = conn.execute(
            "select (select count(*) from orders), (select count(*) from order_items),"
            " (select count(*) from payments), (select sum(payment_value) from payments),"
            " (select sum(price) + sum(freight_value) from order_items),"
            " (select max(updated_at) from orders)"
        ).fetchone()

    orders, items, payments, payments_total, revenue, orders_changed = expected
    assert (totals["orders"], totals["order_items"], totals["payments"]) == (
        orders,
        items,
        payments,
    )
    assert totals["orders"] > 0
    assert totals["payments_total"] == payments_total
    assert totals["items_revenue_total"] == revenue
    assert 0 < totals["allocated_payments_total"] <= totals["payments_total"]
    assert totals["last_change_at"] >= orders_changed


@pytest.mark.integration
def test_the_shop_query_runs_through_adbc_as_the_extract_does(loaded_shop_url):
    import adbc_driver_postgresql.dbapi as adbc

    with psycopg.connect(loaded_shop_url) as conn:
        expected = read_shop_totals(conn.cursor())
    with (
        closing(adbc.connect(loaded_shop_url, autocommit=True)) as connection,
        closing(connection.cursor()) as cursor,
    ):
        cursor.execute("begin isolation level repeatable read read only")
        totals = read_shop_totals(cursor)
        cursor.execute("commit")

    assert totals == expected


# --- The warehouse query ----------------------------------------------------------------------


def _item(order_id, item_id, price, freight):
    price, freight = Decimal(price), Decimal(freight)
    return {
        "order_id": order_id,
        "order_item_id": item_id,
        "product_id": "p1",
        "seller_id": "s1",
        "price": price,
        "freight_value": freight,
        "item_revenue": price + freight,
    }


def _payment(order_id, sequential, value):
    return {
        "order_id": order_id,
        "payment_sequential": sequential,
        "payment_type": "credit_card",
        "payment_value": Decimal(value),
    }


def _order(order_id, revenue, payments):
    return {
        "order_id": order_id,
        "customer_id": "c1",
        "order_status": "delivered",
        "order_purchase_timestamp": at("2018-01-10 12:00"),
        "items_revenue": Decimal(revenue),
        "payments_total": Decimal(payments),
    }


def shop_rows() -> dict[str, list[dict]]:
    """Three orders: o1 (two items), o2 (one item, paid twice), o3 (canceled before any item,
    but paid 10.00, which no fact row carries)."""
    return {
        "customers": [
            {
                "customer_id": "c1",
                "customer_unique_id": "u1",
                "customer_zip_code_prefix": "01001",
                "customer_city": "sao paulo",
                "customer_state": "SP",
            }
        ],
        "orders": [
            _order("o1", "150.00", "150.00"),
            _order("o2", "72.00", "72.00"),
            _order("o3", "0.00", "10.00"),
        ],
        "order_items": [
            _item("o1", 1, "100.00", "10.00"),
            _item("o1", 2, "30.00", "10.00"),
            _item("o2", 1, "60.00", "12.00"),
        ],
        "payments": [
            _payment("o1", 1, "150.00"),
            _payment("o2", 1, "50.00"),
            _payment("o2", 2, "22.00"),
            _payment("o3", 1, "10.00"),
        ],
    }


# Worked out from shop_rows():
#   orders 3, items 3, payments 4
#   payments_total = 150.00 + 50.00 + 22.00 + 10.00 = 232.00
#   items_revenue_total = 110.00 + 40.00 + 72.00 = 222.00
#   allocated_payments_total = o1 150.00 + o2 72.00 = 222.00 (o3 has no item)
EXPECTED = {
    "orders": 3,
    "order_items": 3,
    "payments": 4,
    "payments_total": Decimal("232.00"),
    "items_revenue_total": Decimal("222.00"),
    "allocated_payments_total": Decimal("222.00"),
}


@pytest.fixture
def built(warehouse_builder):
    warehouse_builder.run(DAY, shop_rows())
    return warehouse_builder


@pytest.mark.integration
def test_warehouse_totals_of_a_built_warehouse(built):
    totals = warehouse_totals(built.warehouse)

    assert totals == EXPECTED
    assert reconcile(EXPECTED, totals).success


@pytest.mark.integration
def test_a_lost_fact_row_fails_reconciliation(built):
    built.warehouse.run_script(
        ["delete from core.fact_sales where order_id = 'o1' and order_item_id = 2"]
    )

    with pytest.raises(ReconciliationFailed) as failure:
        reconcile(EXPECTED, warehouse_totals(built.warehouse))

    lines = {line.split()[0]: line.split()[1:] for line in str(failure.value).splitlines()[1:]}
    assert lines["order_items"] == ["3", "2", "-1"]
    # the lost item: revenue 30.00 + 10.00, payment share 150.00 x 40/150 = 40.00
    assert lines["items_revenue_total"] == ["222.00", "182.00", "-40.00"]
    assert lines["allocated_payments_total"] == ["222.00", "182.00", "-40.00"]
    assert lines["payments_total"] == ["232.00", "232.00", "0.00"]
    assert "measures differ (order_items, items_revenue_total, allocated_payments_total)" in str(
        failure.value
    )


@pytest.mark.integration
def test_a_changed_payment_fails_reconciliation(built):
    built.warehouse.run_script(
        [
            "update staging.stg_payments set payment_value = 22.01"
            " where order_id = 'o2' and payment_sequential = 2"
        ]
    )

    with pytest.raises(ReconciliationFailed) as failure:
        reconcile(EXPECTED, warehouse_totals(built.warehouse))

    reconciliation: Reconciliation = failure.value.reconciliation
    assert [line.measure for line in reconciliation.differences] == ["payments_total"]
    (line,) = [
        line for line in str(failure.value).splitlines() if line.startswith("payments_total")
    ]
    assert line.split() == ["payments_total", "232.00", "232.01", "+0.01"]
