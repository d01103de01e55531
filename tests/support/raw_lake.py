"""A raw partition of every table with one of each problem the cleaning job handles (a
duplicate, an invalid state, an orphan order and its parts, a point outside Brazil), so the
accounting of every table is known in advance; shared by the job's and the runners' tests."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from olist_pipeline.lake.partitions import Accounting
from olist_pipeline.tables import BY_NAME, TABLES

ACCOUNTING_FIELDS = ("raw_rows", "processed_rows", "rejected_rows", "duplicates_removed")

DAY = "2024-03-01"
ALL_TABLES = [table.name for table in TABLES]
CHANGED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
C1, C2, O1, O2, O3, P1, S1 = (ch * 32 for ch in "c2a3bde")
REVIEW = "9" * 32

EXPECTED_ACCOUNTING = {
    # table: (raw, processed, rejected, duplicates removed)
    "geolocation": (5, 2, 1, 2),
    "product_categories": (1, 1, 0, 0),
    "sellers": (1, 1, 0, 0),
    "products": (1, 1, 0, 0),
    "customers": (3, 1, 1, 1),
    "orders": (3, 2, 1, 0),
    "deliveries": (3, 2, 1, 0),
    "order_items": (3, 2, 1, 0),
    "payments": (2, 1, 1, 0),
    "reviews": (1, 1, 0, 0),
    "deleted_rows": (0, 0, 0, 0),
}


def write_raw(lake, table: str, rows: list[dict], details=None) -> None:
    spec = BY_NAME[table]
    filled = [{"created_at": CHANGED, "updated_at": CHANGED, "id": i, **row} for i, row in
              enumerate(rows, start=1)]  # fmt: skip
    data = pa.Table.from_pylist(
        [{name: row.get(name) for name in spec.column_names} for row in filled],
        schema=spec.arrow_schema(),
    )
    with lake.write_parquet(
        "raw", table, DAY, spec.arrow_schema(), run_id="extract-1", details=details
    ) as writer:
        writer.write_table(data)


def _place(prefix: str, state: str = "SP") -> dict:
    return {
        f"{prefix}_zip_code_prefix": "1310",
        f"{prefix}_city": " São Paulo",
        f"{prefix}_state": state,
    }


def _order(order_id: str, customer_id: str) -> dict:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_status": "delivered",
        "order_purchase_timestamp": datetime(2018, 1, 10, 15, tzinfo=UTC),
    }


def _item(order_id: str, item: int, price: str) -> dict:
    return {
        "order_id": order_id,
        "order_item_id": item,
        "product_id": P1,
        "seller_id": S1,
        "shipping_limit_date": datetime(2018, 1, 12, tzinfo=UTC),
        "price": Decimal(price),
        "freight_value": Decimal("1.50"),
    }


def _geo(lat: float, lng: float) -> dict:
    return {"geolocation_lat": lat, "geolocation_lng": lng, **_place("geolocation")}


def write_raw_partitions(lake):
    """A raw partition of every table (deleted_rows empty), holding one of each problem."""
    older = datetime(2024, 2, 1, tzinfo=UTC)
    write_raw(lake, "geolocation", [_geo(-23.5, -46.6), _geo(-23.6, -46.7), _geo(-23.7, -46.5),
                                     {**_geo(-23.0, -46.0), "geolocation_zip_code_prefix": "2000"},
                                     _geo(48.8, 2.3)])  # fmt: skip
    write_raw(lake, "product_categories", [{"product_category_name": "moveis"}])
    write_raw(lake, "sellers", [{"seller_id": S1, **_place("seller")}])
    write_raw(lake, "products", [{"product_id": P1, "product_category_name": "moveis"}])
    write_raw(
        lake,
        "customers",
        [
            {"customer_id": C1, "customer_unique_id": C1, **_place("customer")},
            {"customer_id": C1, "customer_unique_id": C1, **_place("customer", "RJ"),
             "updated_at": older},
            {"customer_id": C2, "customer_unique_id": C2, **_place("customer", "XX")},
        ],
    )  # fmt: skip
    write_raw(lake, "orders", [_order(O1, C1), _order(O2, C2), _order(O3, C1)])
    estimate = date(2018, 1, 25)
    write_raw(
        lake,
        "deliveries",
        [
            {"order_id": O1, "order_estimated_delivery_date": estimate,
             "order_delivered_customer_date": datetime(2018, 1, 20, 12, tzinfo=UTC)},
            {"order_id": O2, "order_estimated_delivery_date": estimate},
            {"order_id": O3, "order_estimated_delivery_date": estimate},
        ],
    )  # fmt: skip
    write_raw(lake, "order_items", [_item(O1, 1, "10.00"), _item(O1, 2, "5.00"),
                                     _item(O2, 1, "7.00")])  # fmt: skip
    write_raw(
        lake,
        "payments",
        [
            {"order_id": O1, "payment_sequential": 1, "payment_type": "boleto",
             "payment_installments": 1, "payment_value": Decimal("18.00")},
            {"order_id": O2, "payment_sequential": 1, "payment_type": "boleto",
             "payment_installments": 1, "payment_value": Decimal("8.50")},
        ],
    )  # fmt: skip
    write_raw(
        lake,
        "reviews",
        [{"review_id": REVIEW, "order_id": O1, "review_score": 4,
          "review_creation_date": datetime(2018, 1, 21, tzinfo=UTC)}],
    )  # fmt: skip
    write_raw(lake, "deleted_rows", [])
    return lake


def as_tuple(accounting: Accounting | dict) -> tuple[int, ...]:
    """(raw, processed, rejected, duplicates removed) of a manifest's or a summary's accounting."""
    if isinstance(accounting, Accounting):
        accounting = asdict(accounting)
    return tuple(accounting[name] for name in ACCOUNTING_FIELDS)


def accounting_of(lake) -> dict:
    """Each table's processed accounting, as its manifest records it."""
    return {
        table: as_tuple(lake.manifest("processed", table, DAY).details.accounting)
        for table in ALL_TABLES
    }


def content(lake, zone: str, table: str) -> list[dict]:
    """A committed partition's rows, in a stable order."""
    rows = lake.read_table(zone, table, DAY).to_pylist()
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))
