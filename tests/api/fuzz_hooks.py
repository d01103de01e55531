"""Schemathesis hooks for the fuzz suite (loaded through ``SCHEMATHESIS_HOOKS``).

An order placement depends on data the schema cannot express: the products and sellers must
exist, the payments must add up to the items' price plus freight, to the cent, and the
delivery promise cannot be before today (the purchase date). A positive
(schema-valid) placement is made consistent with the fuzz shop here, so "no schema-valid
request refused" is checked for real on the one operation whose validity depends on data.
Negative cases are left as generated: they must be refused.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import schemathesis

CENT = Decimal("0.01")


@schemathesis.hook
def map_case(context, case):
    if (
        case.operation.label != "POST /api/orders/"
        or case.meta is None
        or not case.meta.generation.mode.is_positive
        or not isinstance(case.body, dict)
    ):
        return case
    body = case.body
    total = Decimal(0)
    for item in body["items"]:
        item["product_id"] = os.environ["FUZZ_PRODUCT_ID"]
        item["seller_id"] = os.environ["FUZZ_SELLER_ID"]
        # Keep the sum within one payment's 10 integer digits.
        for key in ("price", "freight_value"):
            item[key] = str((Decimal(item[key]) % 1000).quantize(CENT))
            total += Decimal(item[key])
    if body["customer"].get("customer_unique_id") is not None:
        body["customer"]["customer_unique_id"] = os.environ["FUZZ_CUSTOMER_UNIQUE_ID"]
    for payment in body["payments"]:
        payment["payment_value"] = "0.00"
    body["payments"][0]["payment_value"] = str(total)
    promise = body.get("order_estimated_delivery_date")
    # Tomorrow in UTC is not before the purchase date in any time zone the server may use.
    earliest = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    if promise is not None and promise < earliest:
        body["order_estimated_delivery_date"] = earliest
    return case
