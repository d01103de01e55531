"""Reconciliation: the shop's totals against the warehouse's, after a run.

The extract reads ``SHOP_TOTALS_SQL`` in its snapshot transaction, so the shop's numbers
describe exactly the picture the run extracted; after the models ran, ``warehouse_totals``
reads the same measures from the warehouse and ``reconcile`` compares them, raising
``ReconciliationFailed`` with a table of both sides when any differs. Counts compare as integers
and money as ``Decimal``, exactly: a cent lost anywhere between the shop and the fact table
fails the run.

The measures, and the warehouse table each is read from:

* ``orders``: rows of ``orders`` / ``staging.stg_orders``;
* ``order_items``: rows of ``order_items`` / ``core.fact_sales`` (one row per item);
* ``payments`` and ``payments_total`` (the sum of ``payment_value``): ``payments`` /
  ``staging.stg_payments``;
* ``items_revenue_total``: the sum of price + freight over ``order_items`` / the sum of
  ``item_revenue`` over ``core.fact_sales``;
* ``allocated_payments_total``: the payments of the orders that have items / the sum of
  ``payment_share`` over ``core.fact_sales``, which spreads each order's payments over its
  items (an order without items has no fact row to carry them).

The comparison is exact only if the warehouse holds every change the snapshot holds. An
incremental run extracts the changes up to its interval's end, so a change the shop made after
that (between the interval's end and the extract) is in the snapshot but not yet in the
warehouse. ``SHOP_TOTALS_SQL`` therefore also reads ``last_change_at``, the latest change or
delete of an order, item or payment, and ``reconcile(..., extracted_before=interval_end)`` does
not fail on differences when that is at or after the window's end: it returns an unsettled
reconciliation whose report says why (the next run's extract carries those changes).

Totals travel from the extract task to the reconciliation task through XCom as JSON:
``totals_to_json`` writes money as strings and ``totals_from_json`` reads it back as
``Decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

COUNTS = ("orders", "order_items", "payments")
MONEY = ("payments_total", "items_revenue_total", "allocated_payments_total")
MEASURES = COUNTS + MONEY
LAST_CHANGE = "last_change_at"

# Plain SQL on the shop's tables (their Django db_table names), one row, columns in MEASURES
# order then last_change_at. Cross-joined single-row aggregates, so each table is read once.
SHOP_TOTALS_SQL = """
select
    orders.orders,
    items.order_items,
    payments.payments,
    payments.payments_total,
    items.items_revenue_total,
    allocated.allocated_payments_total,
    greatest(
        orders.last_change_at,
        items.last_change_at,
        payments.last_change_at,
        deletes.last_change_at
    ) as last_change_at
from (
    select count(*) as orders, max(updated_at) as last_change_at
    from orders
) as orders
cross join (
    select
        count(*) as order_items,
        coalesce(sum(price + freight_value), 0) as items_revenue_total,
        max(updated_at) as last_change_at
    from order_items
) as items
cross join (
    select
        count(*) as payments,
        coalesce(sum(payment_value), 0) as payments_total,
        max(updated_at) as last_change_at
    from payments
) as payments
cross join (
    select coalesce(sum(payment_value), 0) as allocated_payments_total
    from payments
    where order_id in (select order_id from order_items)
) as allocated
cross join (
    select max(deleted_at) as last_change_at
    from deleted_rows
    where table_name in ('orders', 'order_items', 'payments')
) as deletes
""".strip()

# The same measures in the warehouse; plain SQL that PostgreSQL and Redshift both run.
WAREHOUSE_TOTALS_SQL = """
select
    orders.orders,
    facts.order_items,
    payments.payments,
    payments.payments_total,
    facts.items_revenue_total,
    facts.allocated_payments_total
from (
    select count(*) as orders from staging.stg_orders
) as orders
cross join (
    select
        count(*) as order_items,
        coalesce(sum(item_revenue), 0) as items_revenue_total,
        coalesce(sum(payment_share), 0) as allocated_payments_total
    from core.fact_sales
) as facts
cross join (
    select count(*) as payments, coalesce(sum(payment_value), 0) as payments_total
    from staging.stg_payments
) as payments
""".strip()


class ReconciliationFailed(RuntimeError):
    def __init__(self, reconciliation: Reconciliation):
        super().__init__(reconciliation.report())
        self.reconciliation = reconciliation


@dataclass(frozen=True)
class Line:
    measure: str
    shop: int | Decimal
    warehouse: int | Decimal

    @property
    def difference(self) -> int | Decimal:
        """Warehouse minus shop: negative when the warehouse lacks something."""
        return self.warehouse - self.shop

    @property
    def matches(self) -> bool:
        return self.shop == self.warehouse


@dataclass(frozen=True)
class Reconciliation:
    lines: tuple[Line, ...]
    # False when the shop changed after the extract's window: differences are then expected.
    settled: bool = True
    last_change_at: datetime | None = None
    extracted_before: datetime | None = None

    @property
    def differences(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if not line.matches)

    @property
    def success(self) -> bool:
        return not self.differences

    def table(self) -> str:
        header = ("measure", "shop", "warehouse", "difference")
        rows = [
            (line.measure, str(line.shop), str(line.warehouse), _signed(line.difference))
            for line in self.lines
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        lines = []
        for row in [header, *rows]:
            cells = [row[0].ljust(widths[0])] + [
                cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def report(self) -> str:
        differing = self.differences
        if not differing:
            title = f"Reconciliation: all {len(self.lines)} measures match"
        else:
            names = ", ".join(line.measure for line in differing)
            title = (
                f"Reconciliation: {len(differing)} of {len(self.lines)} measures differ ({names})"
            )
        lines = [title, self.table()]
        if not self.settled:
            lines.append(
                f"Not a failure: the shop changed at {self.last_change_at.isoformat()}, at or"
                f" after the end of the extracted window ({self.extracted_before.isoformat()});"
                " the next run carries those changes."
            )
        return "\n".join(lines)


def read_shop_totals(cursor: Any) -> dict[str, Any]:
    """Run ``SHOP_TOTALS_SQL`` on a DB-API cursor (ADBC or psycopg), in the caller's
    transaction; the totals as ``shop_totals_from_row`` reads them."""
    cursor.execute(SHOP_TOTALS_SQL)
    return shop_totals_from_row(cursor.fetchone())


def shop_totals_from_row(row: Sequence[Any]) -> dict[str, Any]:
    """The totals of ``SHOP_TOTALS_SQL``'s row: counts as ``int``, money as ``Decimal`` (drivers
    give numerics as ``Decimal`` or as text), ``last_change_at`` as an aware datetime or None."""
    totals = _measures(dict(zip(MEASURES, row[: len(MEASURES)], strict=True)))
    totals[LAST_CHANGE] = _moment(row[len(MEASURES)])
    return totals


def warehouse_totals(warehouse: Any) -> dict[str, int | Decimal]:
    """The warehouse's totals; ``warehouse`` has ``query(sql)`` (Postgres or Redshift)."""
    (row,) = warehouse.query(WAREHOUSE_TOTALS_SQL)
    return _measures(dict(zip(MEASURES, row, strict=True)))


def reconcile(
    shop_totals: Mapping[str, Any],
    warehouse_totals: Mapping[str, Any],
    *,
    extracted_before: datetime | None = None,
) -> Reconciliation:
    """Compare every measure; raise ``ReconciliationFailed`` on any difference.

    ``extracted_before``: the end of the window the run extracted (the data interval's end of
    an incremental run; None for a full refresh). When the shop's ``last_change_at`` is at or
    after it, the warehouse cannot hold all of the snapshot yet, so differences are reported
    in an unsettled result instead of raised.
    """
    for side, totals in (("shop", shop_totals), ("warehouse", warehouse_totals)):
        missing = [name for name in MEASURES if name not in totals]
        if missing:
            raise ValueError(f"the {side} totals lack {', '.join(missing)}")
    shop = _measures(shop_totals)
    warehouse = _measures(warehouse_totals)
    last_change = _moment(shop_totals.get(LAST_CHANGE))
    window_end = _moment(extracted_before)
    settled = window_end is None or last_change is None or last_change < window_end
    reconciliation = Reconciliation(
        lines=tuple(Line(name, shop[name], warehouse[name]) for name in MEASURES),
        settled=settled,
        last_change_at=last_change,
        extracted_before=window_end,
    )
    if settled and not reconciliation.success:
        raise ReconciliationFailed(reconciliation)
    return reconciliation


def totals_to_json(totals: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe totals for XCom: counts as numbers, money as exact strings, moments in ISO."""
    safe: dict[str, Any] = {}
    for name, value in totals.items():
        if name in MONEY:
            safe[name] = str(Decimal(str(value)))
        elif isinstance(value, datetime):
            safe[name] = value.isoformat()
        else:
            safe[name] = value
    return safe


def totals_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``totals_to_json``."""
    totals: dict[str, Any] = _measures({k: v for k, v in data.items() if k in MEASURES})
    if LAST_CHANGE in data:
        totals[LAST_CHANGE] = _moment(data[LAST_CHANGE])
    return totals


def _measures(values: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for name in MEASURES:
        if name not in values:
            continue
        value = values[name]
        if name in MONEY:
            converted[name] = Decimal(str(value if value is not None else 0))
        else:
            converted[name] = int(value or 0)
    return converted


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _signed(value: int | Decimal) -> str:
    return f"+{value}" if value > 0 else str(value)
