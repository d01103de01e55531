"""The customer marts (RFM scores and segments, CLV and its backtest) on hand-made fixtures.

Every order has one item and is paid in full, so an order's value is the amount given here.
Purchases are at 15:00 UTC (midday in São Paulo) unless a test is about the local day. The
expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from support.warehouse_builder import at

pytestmark = pytest.mark.integration


@pytest.fixture
def warehouse_builder(warehouse_builder):
    """The shared builder, for the customer marts and the models they read only."""
    warehouse_builder.models = ["+mart_rfm", "+mart_clv", "+mart_clv_backtest"]
    return warehouse_builder


INGEST_DATE = "2018-10-18"


class Shop:
    """Processed rows for customers' orders; each order gets its own customer_id, as in Olist."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = {"customers": [], "orders": [], "order_items": []}

    def order(
        self, person: str, purchased: str, paid: str, status: str = "delivered", time="15:00"
    ) -> None:
        number = len(self.tables["orders"]) + 1
        order_id = f"order{number:04d}"
        customer_id = f"customer{number:04d}"
        value = Decimal(paid)
        self.tables["customers"].append(
            {
                "customer_id": customer_id,
                "customer_unique_id": person,
                "customer_zip_code_prefix": "01001",
                "customer_city": "sao paulo",
                "customer_state": "SP",
            }
        )
        self.tables["orders"].append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "order_status": status,
                "order_purchase_timestamp": at(f"{purchased} {time}"),
                "items_count": 1,
                "items_price": value,
                "items_freight": Decimal("0.00"),
                "items_revenue": value,
                "payments_total": value,
            }
        )
        self.tables["order_items"].append(
            {
                "id": number,
                "order_id": order_id,
                "order_item_id": 1,
                "product_id": "product0001",
                "seller_id": "seller0001",
                "price": value,
                "freight_value": Decimal("0.00"),
                "item_revenue": value,
            }
        )


def by_customer(builder, relation: str) -> dict[str, dict]:
    return {row["customer_unique_id"]: row for row in builder.rows(f"select * from {relation}")}


# --- RFM -----------------------------------------------------------------------------------

# The segment of every (R, FM) cell: the map in sql/marts/mart_rfm.sql's header.
SEGMENT_MAP = {
    5: ["Can't Lose", "At Risk", "Loyal", "Champions", "Champions"],
    4: ["Can't Lose", "At Risk", "Loyal", "Champions", "Champions"],
    3: ["At Risk", "At Risk", "Need Attention", "Potential Loyalist", "Potential Loyalist"],
    2: ["Hibernating", "Hibernating", "Need Attention", "Potential Loyalist", "Potential Loyalist"],
    1: ["Lost", "Hibernating", "Hibernating", "Promising", "New"],
}
# FM level -> (orders, monetary quintile) that reaches it: FM = (f + m) // 2 with
# f(1 order) = 1, f(2) = 3, f(3) = 4, f(4) = 5.
FM_RECIPES = {1: (1, 1), 2: (2, 2), 3: (2, 3), 4: (3, 4), 5: (4, 5)}


def test_rfm_segment_map_gives_every_cell_exactly_its_segment(warehouse_builder):
    # 25 customers, one per (R, FM) cell. Recency group r buys last on 2018-01-01 + 20r + fm days,
    # so the five customers of group r are the r-th fifth by last purchase. A customer's total is
    # 100 * m + r, so monetary quintile m holds exactly the five customers planned for it.
    shop = Shop()
    plan = {}
    for r in range(1, 6):
        for fm in range(1, 6):
            orders, m = FM_RECIPES[fm]
            person = f"r{r}fm{fm}"
            plan[person] = (r, fm, m)
            for earlier in range(orders - 1):
                shop.order(person, f"2017-0{earlier + 1}-10", "10.00")
            last = dt.date(2018, 1, 1) + dt.timedelta(days=20 * r + fm)
            shop.order(person, last.isoformat(), f"{100 * m + r - 10 * (orders - 1)}.00")
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = by_customer(warehouse_builder, "marts.mart_rfm")
    assert len(rows) == 25
    for person, (r, fm, m) in plan.items():
        row = rows[person]
        assert (row["r_score"], row["m_score"], row["fm_score"]) == (r, m, fm), person
        assert row["segment"] == SEGMENT_MAP[fm][r - 1], person
    # Each of the 10 segments is used, and only those.
    assert {row["segment"] for row in rows.values()} == {
        segment for cells in SEGMENT_MAP.values() for segment in cells
    }
    assert len({row["segment"] for row in rows.values()}) == 10


def test_rfm_measures_recency_frequency_and_monetary_of_counted_orders(warehouse_builder):
    shop = Shop()
    shop.order("one", "2018-03-01", "100.00")
    shop.order("two", "2018-01-10", "50.00")
    # 01:30 UTC on March 11 is 22:30 on March 10 in São Paulo (UTC-3): the local day counts
    shop.order("two", "2018-03-11", "70.50", time="01:30")
    shop.order("two", "2018-03-20", "999.00", status="canceled")
    shop.order("two", "2018-03-21", "888.00", status="unavailable")
    for day in ("2017-12-01", "2017-12-02", "2018-03-05"):
        shop.order("three", day, "10.00")
    for day in ("2017-11-01", "2017-11-02", "2017-11-03", "2018-03-06"):
        shop.order("four", day, "20.00")
    for month in range(1, 7):
        shop.order("six", f"2017-0{month}-15", "30.00")
    shop.order("six", "2018-03-24", "1.00", status="shipped")
    shop.order("ghost", "2018-03-25", "500.00", status="canceled")
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = by_customer(warehouse_builder, "marts.mart_rfm")
    # the canceled-only customer is left out
    assert set(rows) == {"one", "two", "three", "four", "six"}
    # the latest purchase is ghost's (2018-03-25, canceled orders included): as of 2018-03-26
    assert {row["as_of_date"] for row in rows.values()} == {dt.date(2018, 3, 26)}
    measures = {
        person: (
            row["last_purchase_date"],
            row["recency_days"],
            row["frequency"],
            row["monetary"],
            row["f_score"],
        )
        for person, row in rows.items()
    }
    assert measures == {
        "one": (dt.date(2018, 3, 1), 25, 1, Decimal("100.00"), 1),  # Mar 26 - Mar 1
        # 50.00 + 70.50; canceled and unavailable orders are not counted
        "two": (dt.date(2018, 3, 10), 16, 2, Decimal("120.50"), 3),
        "three": (dt.date(2018, 3, 5), 21, 3, Decimal("30.00"), 4),
        "four": (dt.date(2018, 3, 6), 20, 4, Decimal("80.00"), 5),
        # a shipped order counts: 6 * 30.00 + 1.00
        "six": (dt.date(2018, 3, 24), 2, 7, Decimal("181.00"), 5),
    }
    # ntile(5) over 5 customers: one per score. Recency by last purchase: one (Mar 1) 1,
    # three (Mar 5) 2, four (Mar 6) 3, two (Mar 10) 4, six (Mar 24) 5. Monetary: three 30.00 1,
    # four 80.00 2, one 100.00 3, two 120.50 4, six 181.00 5.
    assert {person: row["rfm_score"] for person, row in rows.items()} == {
        "one": "113",
        "three": "241",
        "four": "352",
        "two": "434",
        "six": "555",
    }


def test_rfm_segments_of_typical_customers(warehouse_builder):
    # Ten customers, two per quintile. By last purchase (R):
    #   lost 2017-01-10 and cant_lose 2017-02-10 -> R1; at_risk, hibernating -> R2;
    #   sleepy, attention -> R3; promising, potential -> R4; champion, new -> R5.
    # By total paid (M): lost 20, sleepy 30 -> 1; new 35, promising 40 -> 2;
    #   hibernating 50, attention 200 -> 3; potential 300, at_risk 400 -> 4;
    #   cant_lose 900, champion 1000 -> 5.
    shop = Shop()
    shop.order("lost", "2017-01-10", "20.00")
    for day in ("2016-10-10", "2016-11-10", "2017-02-10"):
        shop.order("cant_lose", day, "300.00")
    for day in ("2017-01-20", "2017-04-10"):
        shop.order("at_risk", day, "200.00")
    shop.order("hibernating", "2017-05-10", "50.00")
    shop.order("sleepy", "2017-07-10", "30.00")
    shop.order("attention", "2017-08-10", "200.00")
    shop.order("promising", "2017-10-10", "40.00")
    shop.order("potential", "2017-11-10", "300.00")
    for day in ("2017-06-10", "2017-09-10", "2017-12-10", "2018-01-10"):
        shop.order("champion", day, "250.00")
    shop.order("new", "2018-02-10", "35.00")
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = by_customer(warehouse_builder, "marts.mart_rfm")
    assert {person: (row["rfm_score"], row["segment"]) for person, row in rows.items()} == {
        "lost": ("111", "Lost"),  # FM (1 + 1) // 2 = 1
        "cant_lose": ("145", "Can't Lose"),  # 3 orders: f 4, FM (4 + 5) // 2 = 4
        "at_risk": ("234", "At Risk"),  # 2 orders: f 3, FM (3 + 4) // 2 = 3
        "hibernating": ("213", "Hibernating"),  # FM (1 + 3) // 2 = 2
        "sleepy": ("311", "Hibernating"),  # FM 1, the map's "About to Sleep"
        "attention": ("313", "Need Attention"),  # FM 2
        "promising": ("412", "Promising"),  # FM (1 + 2) // 2 = 1
        "potential": ("414", "Potential Loyalist"),  # FM (1 + 4) // 2 = 2
        "champion": ("555", "Champions"),  # 4 orders: f 5, FM 5
        "new": ("512", "New"),  # one recent order: FM 1
    }
    assert rows["new"]["recency_days"] == 1  # as of the day after the last purchase


def test_rfm_breaks_ties_by_customer(warehouse_builder):
    # Five customers, same day, same amount: quintiles follow customer_unique_id.
    shop = Shop()
    for person in ("e", "c", "a", "d", "b"):
        shop.order(person, "2018-05-01", "100.00")
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = by_customer(warehouse_builder, "marts.mart_rfm")
    assert {person: row["rfm_score"] for person, row in rows.items()} == {
        "a": "111",
        "b": "212",
        "c": "313",
        "d": "414",
        "e": "515",
    }
    assert {row["recency_days"] for row in rows.values()} == {1}


# --- CLV -----------------------------------------------------------------------------------


def clv_shop() -> Shop:
    # As of 2018-07-01 (the day after the last purchase); the rates come from the year before:
    # customers who had ordered before 2017-07-01 and what they did until 2018-07-01.
    shop = Shop()
    shop.order("a", "2017-03-01", "100.00")
    shop.order("a", "2017-09-01", "200.00")
    shop.order("a", "2018-01-10", "500.00", status="canceled")
    shop.order("b", "2017-05-01", "50.00")
    shop.order("c", "2018-06-30", "150.00")
    shop.order("d", "2018-03-01", "90.00")
    return shop


def test_clv_predicts_from_last_years_repeat_rates(warehouse_builder):
    warehouse_builder.run(INGEST_DATE, clv_shop().tables)

    rows = by_customer(warehouse_builder, "marts.mart_clv")
    summary = {
        person: (
            row["orders"],
            row["historical_value"],
            row["average_order_value"],
            row["first_purchase_date"],
            row["last_purchase_date"],
            row["tenure_days"],
            row["recency_days"],
        )
        for person, row in rows.items()
    }
    assert summary == {
        # the canceled order is not counted; tenure 2017-03-01 -> 2018-07-01 = 365 + 122
        "a": (
            2,
            Decimal("300.00"),
            Decimal("150.00"),
            dt.date(2017, 3, 1),
            dt.date(2017, 9, 1),
            487,
            303,
        ),
        "b": (
            1,
            Decimal("50.00"),
            Decimal("50.00"),
            dt.date(2017, 5, 1),
            dt.date(2017, 5, 1),
            426,
            426,
        ),
        "c": (
            1,
            Decimal("150.00"),
            Decimal("150.00"),
            dt.date(2018, 6, 30),
            dt.date(2018, 6, 30),
            1,
            1,
        ),
        "d": (
            1,
            Decimal("90.00"),
            Decimal("90.00"),
            dt.date(2018, 3, 1),
            dt.date(2018, 3, 1),
            122,
            122,
        ),
    }
    # On 2017-07-01: a had 1 order, last 122 days before (group 1 order, 90-179 days) and
    # ordered once in the next year; b had 1 order 61 days before (1 order, 30-89) and none.
    # Overall rate 1 / 2 = 0.5. Group (1, 90-179): (1 + 20 * 0.5) / (1 + 20) = 11/21 = 0.5238;
    # an empty group: (0 + 20 * 0.5) / (0 + 20) = 0.5.
    # Population AOV on 2018-07-01: (300 + 50 + 150 + 90) / 5 orders = 118.
    predictions = {
        person: (
            row["expected_12m_orders"],
            row["expected_order_value"],
            row["predicted_12m_value"],
        )
        for person, row in rows.items()
    }
    assert predictions == {
        # 2 orders, 303 days: empty group, 0.5; (300 + 118) / 3 = 139.33; 0.5 * 139.333 = 69.67
        "a": (Decimal("0.5000"), Decimal("139.33"), Decimal("69.67")),
        # 1 order, 426 days: 0.5; (50 + 118) / 2 = 84; 42.00
        "b": (Decimal("0.5000"), Decimal("84.00"), Decimal("42.00")),
        # 1 order, 1 day: 0.5; (150 + 118) / 2 = 134; 67.00
        "c": (Decimal("0.5000"), Decimal("134.00"), Decimal("67.00")),
        # 1 order, 122 days: a's old group, 11/21; (90 + 118) / 2 = 104; 104 * 11 / 21 = 54.48
        "d": (Decimal("0.5238"), Decimal("104.00"), Decimal("54.48")),
    }


def test_clv_predicts_nothing_without_a_year_of_history(warehouse_builder):
    shop = Shop()
    shop.order("a", "2018-01-10", "100.00")
    shop.order("a", "2018-03-10", "60.00")
    shop.order("b", "2018-06-30", "40.00")
    warehouse_builder.run(INGEST_DATE, shop.tables)

    rows = by_customer(warehouse_builder, "marts.mart_clv")
    assert {
        person: (row["orders"], row["historical_value"], row["predicted_12m_value"])
        for person, row in rows.items()
    } == {"a": (2, Decimal("160.00"), None), "b": (1, Decimal("40.00"), None)}
    assert rows["a"]["expected_12m_orders"] is None
    # the population AOV (200 / 3) is still known: (160 + 66.667) / 3 = 75.56
    assert rows["a"]["expected_order_value"] == Decimal("75.56")

    # nobody ordered before the backtest's cutoff (2017-07-01): an empty run, no error
    (backtest,) = warehouse_builder.rows("select * from marts.mart_clv_backtest")
    assert backtest == {
        "as_of_date": dt.date(2018, 7, 1),
        "cutoff_date": dt.date(2017, 7, 1),
        "customers": 0,
        "returning_customers": 0,
        "predicted_orders": None,
        "actual_orders": None,
        "predicted_total": None,
        "actual_total": None,
        "mae": None,
        "rmse": None,
        "zero_baseline_mae": None,
        "zero_baseline_rmse": None,
        "historical_mean_baseline_mae": None,
    }


def backtest_shop() -> Shop:
    # As of 2018-07-01, cutoff 2017-07-01; the backtest's rates come from customers who had
    # ordered before 2016-07-01 and what they did until the cutoff.
    shop = Shop()
    shop.order("p", "2016-03-01", "100.00")
    shop.order("p", "2016-09-01", "100.00")
    shop.order("p", "2017-09-01", "120.00")
    shop.order("q", "2016-05-01", "80.00")
    shop.order("q", "2017-12-01", "500.00", status="canceled")
    shop.order("r", "2017-03-01", "60.00")
    shop.order("r", "2018-01-15", "90.00")
    shop.order("s", "2018-06-30", "40.00")
    return shop


def test_clv_backtest_compares_predictions_with_the_following_year(warehouse_builder):
    warehouse_builder.run(INGEST_DATE, backtest_shop().tables)

    (row,) = warehouse_builder.rows("select * from marts.mart_clv_backtest")
    # Rates: on 2016-07-01 p had 1 order 122 days old (group 1 order, 90-179 days) and ordered
    # once before the cutoff; q had 1 order 61 days old and none: overall 0.5, group
    # (1, 90-179) (1 + 10) / 21 = 11/21, any other group 0.5.
    # On the cutoff (population AOV (200 + 80 + 60) / 4 = 85; s had not ordered yet):
    #   p: 2 orders, 303 days -> 0.5 * (200 + 85) / 3 = 0.5 * 95   = 47.50; paid 120 (1 order)
    #   q: 1 order, 426 days  -> 0.5 * (80 + 85) / 2 = 0.5 * 82.5  = 41.25; paid 0 (canceled)
    #   r: 1 order, 122 days  -> 11/21 * (60 + 85) / 2 = 11/21 * 72.5 = 37.98; paid 90 (1 order)
    assert row == {
        "as_of_date": dt.date(2018, 7, 1),
        "cutoff_date": dt.date(2017, 7, 1),
        "customers": 3,
        "returning_customers": 2,
        "predicted_orders": Decimal("1.52"),  # 0.5 + 0.5 + 0.5238
        "actual_orders": 2,
        "predicted_total": Decimal("126.73"),  # 47.50 + 41.25 + 37.98
        "actual_total": Decimal("210.00"),
        # (|47.50 - 120| + |41.25 - 0| + |37.98 - 90|) / 3 = (72.50 + 41.25 + 52.02) / 3
        "mae": Decimal("55.26"),
        # sqrt((72.50^2 + 41.25^2 + 52.02^2) / 3) = sqrt(9663.8929 / 3) = sqrt(3221.2976)
        "rmse": Decimal("56.76"),
        "zero_baseline_mae": Decimal("70.00"),  # (120 + 0 + 90) / 3
        "zero_baseline_rmse": Decimal("86.60"),  # sqrt((120^2 + 90^2) / 3) = sqrt(7500)
        # each customer's average order again: (|100 - 120| + |80 - 0| + |60 - 90|) / 3
        "historical_mean_baseline_mae": Decimal("43.33"),
    }


# --- reruns --------------------------------------------------------------------------------

MARTS = ("marts.mart_rfm", "marts.mart_clv", "marts.mart_clv_backtest")


def test_customer_marts_rerun_gives_the_same_tables(warehouse_builder):
    tables = backtest_shop().tables
    warehouse_builder.run(INGEST_DATE, tables)
    first = {mart: warehouse_builder.checksum(mart) for mart in MARTS}
    warehouse_builder.run(INGEST_DATE, tables)
    assert {mart: warehouse_builder.checksum(mart) for mart in MARTS} == first
    assert first["marts.mart_rfm"][0] == 4


def test_clv_backtest_keeps_one_row_per_as_of_date(warehouse_builder):
    shop = backtest_shop()
    warehouse_builder.run("2018-07-02", shop.tables)
    shop.order("s", "2018-07-05", "10.00")
    warehouse_builder.run("2018-07-06", shop.tables)
    warehouse_builder.run("2018-07-06", shop.tables)

    rows = warehouse_builder.rows(
        "select as_of_date, cutoff_date, customers from marts.mart_clv_backtest order by 1"
    )
    assert rows == [
        {"as_of_date": dt.date(2018, 7, 1), "cutoff_date": dt.date(2017, 7, 1), "customers": 3},
        {"as_of_date": dt.date(2018, 7, 6), "cutoff_date": dt.date(2017, 7, 6), "customers": 3},
    ]


def test_customer_marts_on_an_empty_warehouse(warehouse_builder):
    warehouse_builder.run(INGEST_DATE)

    assert warehouse_builder.rows("select * from marts.mart_rfm") == []
    assert warehouse_builder.rows("select * from marts.mart_clv") == []
    # without purchases the as-of date is the run's day
    assert warehouse_builder.rows(
        "select as_of_date, cutoff_date, customers, mae from marts.mart_clv_backtest"
    ) == [
        {
            "as_of_date": dt.date(2018, 10, 18),
            "cutoff_date": dt.date(2017, 10, 18),
            "customers": 0,
            "mae": None,
        }
    ]
