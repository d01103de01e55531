"""The operations marts: mart_delivery_performance, mart_seller_scorecard, mart_revenue_daily.

Each test writes a few shop rows, runs the whole warehouse (staging -> core -> marts) through
``warehouse_builder`` and compares the mart with numbers worked out by hand in the test.
Purchases are at 15:00 UTC (12:00 or 13:00 in São Paulo), so the local purchase date is the
UTC date unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from support.warehouse_builder import at

pytestmark = pytest.mark.integration


@pytest.fixture
def warehouse_builder(warehouse_builder):
    """The shared builder, for the operations marts and the models they read only."""
    warehouse_builder.models = [
        "+mart_delivery_performance",
        "+mart_orders_monthly",
        "+mart_revenue_daily",
        "+mart_seller_scorecard",
    ]
    return warehouse_builder


INGEST_DATE = "2018-10-18"
PLACES = {
    "SP": ("01310", "sao paulo"),
    "RJ": ("20040", "rio de janeiro"),
    "BA": ("40010", "salvador"),
}
CATEGORIES = {
    "cama_mesa_banho": "bed_bath_table",
    "esporte_lazer": "sports_leisure",
}


class Shop:
    """Rows of the processed tables, written the way the cleaning job leaves them."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = defaultdict(list)
        self._ids = itertools.count(1)
        self.tables["product_categories"] = [
            {"product_category_name": name, "product_category_name_english": english}
            for name, english in CATEGORIES.items()
        ]

    def _new(self, table: str, key: str) -> bool:
        """Whether ``key`` is new to ``table`` (scenarios sharing a shop share its sellers)."""
        return all(key not in row.values() for row in self.tables[table])

    def customer(self, customer_id: str, unique_id: str, state: str = "SP") -> str:
        zip_code, city = PLACES[state]
        if not self._new("customers", customer_id):
            return customer_id
        self.tables["customers"].append(
            {
                "customer_id": customer_id,
                "customer_unique_id": unique_id,
                "customer_zip_code_prefix": zip_code,
                "customer_city": city,
                "customer_state": state,
            }
        )
        return customer_id

    def seller(self, seller_id: str, state: str = "SP") -> str:
        zip_code, city = PLACES[state]
        if not self._new("sellers", seller_id):
            return seller_id
        self.tables["sellers"].append(
            {
                "seller_id": seller_id,
                "seller_zip_code_prefix": zip_code,
                "seller_city": city,
                "seller_state": state,
            }
        )
        return seller_id

    def product(self, product_id: str, category: str = "cama_mesa_banho") -> str:
        if self._new("products", product_id):
            self.tables["products"].append(
                {"product_id": product_id, "product_category_name": category}
            )
        return product_id

    def order(
        self,
        order_id: str,
        customer_id: str,
        purchased_at: str,
        lines: list[tuple[str, str, str, str]],
        *,
        status: str = "delivered",
        delivery: tuple[int, int] | None = None,
        review: int | None = None,
    ) -> None:
        """An order of ``lines`` (product_id, seller_id, price, freight), purchased at
        ``purchased_at`` (UTC); ``delivery`` is (delivery_days, delay_days) when the customer
        received it (late when delay_days > 0), ``review`` its review score."""
        purchase = at(purchased_at)
        price_total = freight_total = Decimal(0)
        for number, (product_id, seller_id, price, freight) in enumerate(lines, start=1):
            price_total += Decimal(price)
            freight_total += Decimal(freight)
            self.tables["order_items"].append(
                {
                    "id": next(self._ids),
                    "order_id": order_id,
                    "order_item_id": number,
                    "product_id": product_id,
                    "seller_id": seller_id,
                    "shipping_limit_date": purchase + dt.timedelta(days=3),
                    "price": Decimal(price),
                    "freight_value": Decimal(freight),
                    "item_revenue": Decimal(price) + Decimal(freight),
                }
            )
        self.tables["orders"].append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "order_status": status,
                "order_purchase_timestamp": purchase,
                "items_count": len(lines),
                "items_price": price_total,
                "items_freight": freight_total,
                "items_revenue": price_total + freight_total,
                "payments_total": price_total + freight_total,
            }
        )
        # every order has an estimated delivery date; only a delivered one has the rest
        delivery_row = {
            "order_id": order_id,
            "order_estimated_delivery_date": purchase.date() + dt.timedelta(days=15),
        }
        if delivery is not None:
            delivery_days, delay_days = delivery
            delivered = purchase + dt.timedelta(days=delivery_days)
            delivery_row |= {
                "order_delivered_customer_date": delivered,
                "order_estimated_delivery_date": delivered.date() - dt.timedelta(days=delay_days),
                "delivery_days": delivery_days,
                "delay_days": delay_days,
                "is_on_time": delay_days <= 0,
            }
        self.tables["deliveries"].append(delivery_row)
        if review is not None:
            reviewed = purchase + dt.timedelta(days=30)
            self.tables["reviews"].append(
                {
                    "id": next(self._ids),
                    "review_id": f"review-{order_id}",
                    "order_id": order_id,
                    "review_score": review,
                    "review_creation_date": reviewed,
                    "review_answer_timestamp": reviewed,
                }
            )


def delivery_rows(builder, seller_id: str) -> list[dict]:
    return builder.rows(
        "select * from marts.mart_delivery_performance where seller_id = %(seller)s"
        " order by year_month, customer_state",
        {"seller": seller_id},
    )


def scorecard(builder) -> dict[str, dict]:
    rows = builder.rows("select * from marts.mart_seller_scorecard")
    return {row["seller_id"]: row for row in rows}


def revenue_rows(builder) -> list[dict]:
    return builder.rows(
        "select * from marts.mart_revenue_daily"
        " order by purchase_date, customer_state, product_category"
    )


# Scenarios: each adds its rows to a shop, so the idempotency test can run them together.


def add_delivery_scenario(shop: Shop) -> None:
    """Seller s-fast's orders from a Rio customer, with s-other sharing one of them."""
    rio = shop.customer("c-rio", "u-rio", "RJ")
    fast = shop.seller("s-fast")
    other = shop.seller("s-other")
    bed = shop.product("p-bed")
    # on time: 8 days, 5 early, review 5; two of s-fast's items and one of s-other's
    shop.order(
        "o-1",
        rio,
        "2017-11-10 15:00",
        [
            (bed, fast, "100.00", "10.00"),
            (bed, fast, "100.00", "10.00"),
            (bed, other, "20.00", "5.00"),
        ],
        delivery=(8, -5),
        review=5,
    )
    # on time: 10 days, 2 early, review 4
    shop.order(
        "o-2", rio, "2017-11-12 15:00", [(bed, fast, "50.00", "5.00")], delivery=(10, -2), review=4
    )
    # late: 20 days, 6 late, review 1; 01:00 UTC on December 1 is November 30 in São Paulo
    shop.order(
        "o-3", rio, "2017-12-01 01:00", [(bed, fast, "50.00", "5.00")], delivery=(20, 6), review=1
    )
    # shipped, not delivered yet: an order of the month, not a delivered one
    shop.order("o-4", rio, "2017-11-20 15:00", [(bed, fast, "50.00", "5.00")], status="shipped")
    # December: a row of its own
    shop.order(
        "o-5", rio, "2017-12-05 15:00", [(bed, fast, "50.00", "5.00")], delivery=(7, -3), review=5
    )


def add_ranking_scenario(shop: Shop) -> None:
    """Four sellers: two identical steady ones, a late one and a lucky one with one sale."""
    customer = shop.customer("c-ranking", "u-ranking")
    bed = shop.product("p-bed")
    days = (
        f"{dt.date(2017, 5, 1) + dt.timedelta(days=offset)} 15:00" for offset in itertools.count()
    )
    for seller_id in ("s-steady-1", "s-steady-2"):
        shop.seller(seller_id)
        for number in range(10):  # 10 on time, review 5, R$100 each
            shop.order(
                f"o-{seller_id}-{number}",
                customer,
                next(days),
                [(bed, seller_id, "100.00", "0.00")],
                delivery=(5, -2),
                review=5,
            )
    late = shop.seller("s-late")
    for number in range(10):  # 5 on time and 5 late, review 3, R$50 each
        shop.order(
            f"o-late-{number}",
            customer,
            next(days),
            [(bed, late, "50.00", "0.00")],
            delivery=(5, -2) if number < 5 else (15, 3),
            review=3,
        )
    for number in range(2):  # canceled: no revenue, 2 of the seller's 12 orders
        shop.order(
            f"o-late-canceled-{number}",
            customer,
            next(days),
            [(bed, late, "50.00", "0.00")],
            status="canceled",
        )
    lucky = shop.seller("s-lucky")
    shop.order(
        "o-lucky",
        customer,
        next(days),
        [(bed, lucky, "5000.00", "0.00")],
        delivery=(5, -2),
        review=5,
    )


def add_customers_scenario(shop: Shop) -> None:
    """X buys on both days (a new customer_id each time, as Olist does), Y on the second only,
    Z cancels on the first day and buys on the second."""
    bed = shop.product("p-bed")
    seller = shop.seller("s-daily")
    x_first = shop.customer("c-x-1", "u-x")
    x_second = shop.customer("c-x-2", "u-x")
    y = shop.customer("c-y", "u-y")
    z_first = shop.customer("c-z-1", "u-z")
    z_second = shop.customer("c-z-2", "u-z")
    shop.order("d-1", x_first, "2017-11-14 15:00", [(bed, seller, "100.00", "10.00")])
    shop.order(
        "d-2", z_first, "2017-11-14 16:00", [(bed, seller, "70.00", "7.00")], status="canceled"
    )
    shop.order("d-3", x_second, "2017-11-15 15:00", [(bed, seller, "40.00", "5.00")])
    shop.order("d-4", y, "2017-11-15 15:00", [(bed, seller, "60.00", "6.00")])
    shop.order("d-5", z_second, "2017-11-15 17:00", [(bed, seller, "30.00", "3.00")])


def test_delivery_performance_averages_late_share_and_reviews(warehouse_builder):
    shop = Shop()
    add_delivery_scenario(shop)
    warehouse_builder.run(INGEST_DATE, shop.tables)

    november, december = delivery_rows(warehouse_builder, "s-fast")
    assert november == {
        "customer_state": "RJ",
        "customer_region": "Sudeste",
        "year_month": "2017-11",
        "seller_id": "s-fast",
        "orders": 4,  # o-1 (two items, once), o-2, o-3 (local November 30), o-4 (shipped)
        "delivered_orders": 3,  # o-1, o-2, o-3
        "late_orders": 1,  # o-3
        "avg_delivery_days": Decimal("12.67"),  # (8 + 10 + 20) / 3 = 12.666...
        "late_share": Decimal("0.3333"),  # 1 / 3
        "avg_delay_days_late": Decimal("6.00"),  # 6 / 1
        "avg_review_on_time": Decimal("4.50"),  # (5 + 4) / 2
        "avg_review_late": Decimal("1.00"),  # 1 / 1
        "delivery_days_sum": 38,
        "late_delay_days_sum": 6,
        "on_time_review_sum": 9,
        "on_time_review_count": 2,
        "late_review_sum": 1,
        "late_review_count": 1,
    }
    assert december["orders"] == december["delivered_orders"] == 1  # o-5
    assert december["late_orders"] == 0
    assert december["late_share"] == Decimal("0.0000")
    assert december["avg_delivery_days"] == Decimal("7.00")
    assert december["avg_delay_days_late"] is None  # nothing late to average
    assert december["avg_review_late"] is None
    assert december["late_delay_days_sum"] == december["late_review_count"] == 0

    # o-1 also counts once for s-other, the seller of its third item
    (shared,) = delivery_rows(warehouse_builder, "s-other")
    assert (shared["year_month"], shared["orders"], shared["delivered_orders"]) == ("2017-11", 1, 1)
    assert (shared["avg_delivery_days"], shared["avg_review_on_time"]) == (
        Decimal("8.00"),
        Decimal("5.00"),
    )


def test_delivery_performance_leaves_undelivered_orders_out_of_the_delivery_measures(
    warehouse_builder,
):
    shop = Shop()
    customer = shop.customer("c-wait", "u-wait", "BA")
    seller = shop.seller("s-slow")
    bed = shop.product("p-bed")
    shop.order(
        "w-1", customer, "2018-03-05 15:00", [(bed, seller, "10.00", "1.00")], status="shipped"
    )
    # 'delivered' without a customer delivery date (a gap in the data): not measurable
    shop.order("w-2", customer, "2018-03-06 15:00", [(bed, seller, "10.00", "1.00")], review=2)
    warehouse_builder.run(INGEST_DATE, shop.tables)

    (row,) = delivery_rows(warehouse_builder, "s-slow")
    assert (row["customer_state"], row["customer_region"], row["year_month"]) == (
        "BA",
        "Nordeste",
        "2018-03",
    )
    assert row["orders"] == 2
    assert row["delivered_orders"] == row["late_orders"] == row["delivery_days_sum"] == 0
    assert row["on_time_review_count"] == row["late_review_count"] == 0  # w-2's review: neither
    assert row["avg_delivery_days"] is None
    assert row["late_share"] is None
    assert row["avg_review_on_time"] is None


def test_seller_scorecard_counts_a_canceled_order_in_the_cancellation_rate_not_the_revenue(
    warehouse_builder,
):
    shop = Shop()
    customer = shop.customer("c-mixed", "u-mixed")
    seller = shop.seller("s-mixed", "RJ")
    bed = shop.product("p-bed")
    shop.order(
        "m-1",
        customer,
        "2017-03-10 15:00",
        [(bed, seller, "100.00", "10.00")],
        delivery=(5, -3),
        review=4,
    )
    shop.order(
        "m-2",
        customer,
        "2017-03-20 15:00",
        [(bed, seller, "25.00", "5.00"), (bed, seller, "25.00", "5.00")],
        delivery=(12, 2),
        review=2,
    )
    shop.order(
        "m-3", customer, "2017-03-01 15:00", [(bed, seller, "200.00", "20.00")], status="canceled"
    )
    shop.order(
        "m-4", customer, "2017-04-01 15:00", [(bed, seller, "80.00", "8.00")], status="unavailable"
    )
    warehouse_builder.run(INGEST_DATE, shop.tables)

    assert scorecard(warehouse_builder)["s-mixed"] == {
        "seller_id": "s-mixed",
        "seller_state": "RJ",
        "seller_city": "rio de janeiro",
        "revenue": Decimal("170.00"),  # m-1 110 + m-2 2 * 30; not m-3 (canceled), m-4 (unavailable)
        "orders": 2,
        "items": 3,
        "all_orders": 4,
        "canceled_orders": 1,
        "delivered_orders": 2,
        "on_time_orders": 1,  # m-1; m-2 was 2 days late
        "reviewed_orders": 2,
        "on_time_rate": Decimal("0.5000"),  # 1 / 2
        "cancellation_rate": Decimal(
            "0.2500"
        ),  # 1 canceled / 4 orders (unavailable is not canceled)
        "average_review_score": Decimal("3.00"),  # (4 + 2) / 2
        "revenue_percentile": Decimal("0.0000"),  # the only seller
        "first_sale_date": dt.date(2017, 3, 10),  # not m-3's March 1
        "last_sale_date": dt.date(2017, 3, 20),  # not m-4's April 1
        # 100 * (0.4 * 0.5 + 0.3 * (3 - 1) / 4 + 0.2 * 0 + 0.1 * (1 - 0.25)) = 20 + 15 + 0 + 7.5
        "composite_score": Decimal("42.50"),
        "seller_rank": None,  # 2 delivered orders, under the minimum of 10
    }
    # the daily revenue follows the same convention: no row for m-3's or m-4's day
    assert [(row["purchase_date"], row["gmv"]) for row in revenue_rows(warehouse_builder)] == [
        (dt.date(2017, 3, 10), Decimal("110.00")),
        (dt.date(2017, 3, 20), Decimal("60.00")),
    ]


def test_seller_scorecard_ranks_sellers_above_the_minimum_volume_by_composite_score(
    warehouse_builder,
):
    shop = Shop()
    add_ranking_scenario(shop)
    warehouse_builder.run(INGEST_DATE, shop.tables)

    sellers = scorecard(warehouse_builder)
    summary = {
        seller_id: (
            row["revenue"],
            row["delivered_orders"],
            row["revenue_percentile"],
            row["composite_score"],
            row["seller_rank"],
        )
        for seller_id, row in sellers.items()
    }
    # revenue percentiles (percent_rank, 4 sellers): s-late 0, the steady twins (rank 2) 1/3,
    # s-lucky 1. Scores:
    #   steady: 100 * (0.4 * 1 + 0.3 * (5 - 1) / 4 + 0.2 / 3 + 0.1 * 1) = 86.666...
    #   late:   100 * (0.4 * 5/10 + 0.3 * (3 - 1) / 4 + 0.2 * 0 + 0.1 * (1 - 2/12)) = 43.333...
    #   lucky:  100 * (0.4 * 1 + 0.3 * 1 + 0.2 * 1 + 0.1 * 1) = 100, but 1 delivered order < 10
    # The twins tie on score and revenue: the smaller seller_id ranks first.
    assert summary == {
        "s-steady-1": (Decimal("1000.00"), 10, Decimal("0.3333"), Decimal("86.67"), 1),
        "s-steady-2": (Decimal("1000.00"), 10, Decimal("0.3333"), Decimal("86.67"), 2),
        "s-late": (Decimal("500.00"), 10, Decimal("0.0000"), Decimal("43.33"), 3),
        "s-lucky": (Decimal("5000.00"), 1, Decimal("1.0000"), Decimal("100.00"), None),
    }
    assert sellers["s-late"]["cancellation_rate"] == Decimal("0.1667")  # 2 / 12
    assert sellers["s-late"]["on_time_rate"] == Decimal("0.5000")


def test_revenue_daily_tells_new_from_returning_customers(warehouse_builder):
    shop = Shop()
    add_customers_scenario(shop)
    warehouse_builder.run(INGEST_DATE, shop.tables)

    assert revenue_rows(warehouse_builder) == [
        {
            "purchase_date": dt.date(2017, 11, 14),
            "date_key": 20171114,
            "year_month": "2017-11",
            "is_holiday": False,
            "customer_state": "SP",
            "customer_region": "Sudeste",
            "product_category": "bed_bath_table",
            "gmv": Decimal("110.00"),  # d-1; Z's canceled d-2 does not count
            "orders": 1,
            "items": 1,
            "average_order_value": Decimal("110.00"),
            "new_customers": 1,  # X
            "returning_customers": 0,
        },
        {
            "purchase_date": dt.date(2017, 11, 15),
            "date_key": 20171115,
            "year_month": "2017-11",
            "is_holiday": True,  # Proclamação da República
            "customer_state": "SP",
            "customer_region": "Sudeste",
            "product_category": "bed_bath_table",
            "gmv": Decimal("144.00"),  # 45 + 66 + 33
            "orders": 3,
            "items": 3,
            "average_order_value": Decimal("48.00"),  # 144 / 3
            "new_customers": 2,  # Y, and Z, whose only earlier order was canceled
            "returning_customers": 1,  # X, under another customer_id than on the 14th
        },
    ]


def test_revenue_daily_counts_an_order_in_each_of_its_categories(warehouse_builder):
    shop = Shop()
    customer = shop.customer("c-two", "u-two", "RJ")
    seller = shop.seller("s-two")
    bed = shop.product("p-bed", "cama_mesa_banho")
    ball = shop.product("p-ball", "esporte_lazer")
    shop.order(
        "t-1",
        customer,
        "2018-02-06 15:00",
        [
            (bed, seller, "100.00", "10.00"),
            (ball, seller, "50.00", "5.00"),
            (ball, seller, "30.00", "3.00"),
        ],
    )
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = [
        (
            row["product_category"],
            row["gmv"],
            row["orders"],
            row["items"],
            row["average_order_value"],
            row["new_customers"],
        )
        for row in revenue_rows(warehouse_builder)
    ]
    # one order in each category's row (so orders do not add up across categories: 2 for 1
    # order), each with its category's part of the order: 110 and 55 + 33 = 88
    assert rows == [
        ("bed_bath_table", Decimal("110.00"), 1, 1, Decimal("110.00"), 1),
        ("sports_leisure", Decimal("88.00"), 1, 2, Decimal("88.00"), 1),
    ]


def monthly_orders(builder) -> list[dict]:
    return builder.rows(
        "select * from marts.mart_orders_monthly order by purchase_month, customer_state"
    )


def test_orders_monthly_counts_each_counted_order_once(warehouse_builder):
    shop = Shop()
    add_customers_scenario(shop)
    customer = shop.customer("c-two", "u-two", "RJ")
    seller = shop.seller("s-two")
    bed = shop.product("p-bed", "cama_mesa_banho")
    ball = shop.product("p-ball", "esporte_lazer")
    shop.order(
        "t-1",
        customer,
        "2018-02-06 15:00",
        [(bed, seller, "100.00", "10.00"), (ball, seller, "50.00", "5.00")],
    )
    warehouse_builder.run(INGEST_DATE, shop.tables)

    assert monthly_orders(warehouse_builder) == [
        {
            "purchase_month": dt.date(2017, 11, 1),
            "customer_state": "SP",
            "customer_region": "Sudeste",
            "orders": 4,  # d-1 on the 14th, three on the 15th; Z's canceled d-2 does not count
            "revenue": Decimal("254.00"),  # 110 + 45 + 66 + 33
            "items": 4,
            "new_customers": 3,  # X, Y, and Z, whose only earlier order was canceled
            "returning_orders": 1,  # X's second order
        },
        {
            # one order with items in two categories is one order here (two in revenue_daily)
            "purchase_month": dt.date(2018, 2, 1),
            "customer_state": "RJ",
            "customer_region": "Sudeste",
            "orders": 1,
            "revenue": Decimal("165.00"),
            "items": 2,
            "new_customers": 1,
            "returning_orders": 0,
        },
    ]


def test_operations_marts_are_idempotent(warehouse_builder):
    shop = Shop()
    add_delivery_scenario(shop)
    add_ranking_scenario(shop)
    add_customers_scenario(shop)
    marts = (
        "mart_delivery_performance",
        "mart_seller_scorecard",
        "mart_revenue_daily",
        "mart_orders_monthly",
    )

    warehouse_builder.run(INGEST_DATE, shop.tables)
    first = {mart: warehouse_builder.checksum(f"marts.{mart}") for mart in marts}
    warehouse_builder.run(INGEST_DATE, shop.tables)
    second = {mart: warehouse_builder.checksum(f"marts.{mart}") for mart in marts}

    assert all(rows > 0 for rows, _ in first.values())
    assert second == first
