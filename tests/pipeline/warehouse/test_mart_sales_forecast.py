"""marts.mart_sales_forecast and marts.mart_sales_forecast_backtest, on synthetic daily sales.

Each test writes one order a day whose revenue follows a known weekday pattern, runs the whole
warehouse (staging -> core -> marts) through ``warehouse_builder`` and compares the marts with
the model's formula (sql/marts/mart_sales_forecast.sql) worked out by hand:
predicted = level (mean of the last 28 days) * weekday factor (mean over the last 12 weeks of
the weekday's revenue / its 7-day block's mean) * trend (sqrt of the last 28 days' mean / the
28 before, within [0.8, 1.2]). Purchases are at 15:00 UTC, noon or 13:00 in São Paulo, so the
local purchase date is the UTC date.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from support.warehouse_builder import at

pytestmark = pytest.mark.integration


@pytest.fixture
def warehouse_builder(warehouse_builder):
    """The shared builder, for the forecast marts and the models they read only."""
    warehouse_builder.models = ["+mart_sales_forecast", "+mart_sales_forecast_backtest"]
    return warehouse_builder


FORECAST = "marts.mart_sales_forecast"
BACKTEST = "marts.mart_sales_forecast_backtest"
CUSTOMER = {
    "customer_id": "c1",
    "customer_unique_id": "u1",
    "customer_zip_code_prefix": "01310",
    "customer_city": "sao paulo",
    "customer_state": "SP",
}
# The fixtures' history ends on Sunday 2018-06-03; the 90 days after it end on 2018-09-01.
HISTORY_END = dt.date(2018, 6, 3)
EIGHT_WEEKS_START = dt.date(2018, 4, 9)  # a Monday: 8 weeks of Monday..Sunday up to HISTORY_END


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(n) for n in range((last - first).days + 1)]


def pattern(first: dt.date, last: dt.date, weekday: str, weekend: str) -> dict[dt.date, str]:
    """Revenue of each day: ``weekday`` from Monday to Friday, ``weekend`` on Saturday, Sunday."""
    return {day: weekend if day.isoweekday() >= 6 else weekday for day in days(first, last)}


def shop(
    revenue: dict[dt.date, str], not_sold: dict[dt.date, str] | None = None
) -> dict[str, list[dict]]:
    """One order with one item a day of ``revenue``; ``not_sold`` days get an order with that
    status (canceled, unavailable), which is no revenue."""
    ids = itertools.count(1)
    orders, items = [], []
    statuses = [(day, amount, "delivered") for day, amount in revenue.items()]
    statuses += [(day, "999.00", status) for day, status in (not_sold or {}).items()]
    for day, amount, status in statuses:
        order_id = f"o{next(ids):031d}"
        orders.append(
            {
                "order_id": order_id,
                "customer_id": "c1",
                "order_status": status,
                "order_purchase_timestamp": at(f"{day} 15:00"),
                "items_revenue": Decimal(amount),
                "payments_total": Decimal(amount),
            }
        )
        items.append(
            {
                "order_id": order_id,
                "order_item_id": 1,
                "product_id": "p1",
                "seller_id": "s1",
                "price": Decimal(amount),
                "freight_value": Decimal("0.00"),
                "item_revenue": Decimal(amount),
            }
        )
    return {"customers": [CUSTOMER], "orders": orders, "order_items": items}


def forecast_rows(builder, kind: str = "forecast") -> list[dict]:
    return builder.rows(
        f"select * from {FORECAST} where kind = %(kind)s order by forecast_date", {"kind": kind}
    )


def by_date(rows: list[dict], column: str) -> dict[dt.date, Decimal]:
    return {row["forecast_date"]: row[column] for row in rows}


def test_forecast_covers_the_90_days_after_the_history(warehouse_builder):
    # 8 weeks of 100 a weekday, 40 a weekend day; canceled and unavailable orders are not sales
    revenue = pattern(EIGHT_WEEKS_START, HISTORY_END, "100.00", "40.00")
    not_sold = {dt.date(2018, 5, 28): "canceled", dt.date(2018, 6, 2): "unavailable"}
    warehouse_builder.run("2018-06-04", shop(revenue, not_sold))

    rows = forecast_rows(warehouse_builder)
    assert [row["forecast_date"] for row in rows] == days(dt.date(2018, 6, 4), dt.date(2018, 9, 1))
    assert [row["horizon_day"] for row in rows] == list(range(1, 91))
    assert {row["origin_date"] for row in rows} == {HISTORY_END}
    assert rows[0]["date_key"] == 20180604
    assert {row["actual_revenue"] for row in rows} == {None}
    # level = (5 * 100 + 2 * 40) / 7 = 580 / 7 = 82.857; weekday factors 100 / (580 / 7) = 1.2069
    # and 40 / (580 / 7) = 0.4828 in every week; both 28-day windows are 82.857: trend 1
    assert {row["level_revenue"] for row in rows} == {Decimal("82.86")}
    assert {row["trend_factor"] for row in rows} == {Decimal("1.0000")}
    first_week = rows[:7]  # Monday 2018-06-04 to Sunday 2018-06-10
    assert [row["weekday_factor"] for row in first_week] == [Decimal("1.2069")] * 5 + [
        Decimal("0.4828")
    ] * 2
    # 82.857 * 1.2069 = 100 and 82.857 * 0.4828 = 40: the pattern goes on
    weekly = [Decimal("100.00")] * 5 + [Decimal("40.00")] * 2
    assert [row["predicted_revenue"] for row in rows] == (weekly * 13)[:90]
    assert [row["baseline_revenue"] for row in first_week] == weekly
    # 56 days of history are too few for a backtest (90 days + a 28-day level before them),
    # so there is no backtest, no interval and no metrics row
    assert forecast_rows(warehouse_builder, "backtest") == []
    assert {(row["lower_revenue"], row["upper_revenue"]) for row in rows} == {(None, None)}
    assert warehouse_builder.rows(f"select * from {BACKTEST}") == []


@pytest.mark.parametrize(
    ("last_weeks", "trend", "monday", "saturday"),
    [
        # T = 121 / 100 = 1.21; sqrt = 1.1: Monday 121 * 1.1, Saturday 48.4 * 1.1
        (("121.00", "48.40"), "1.1000", "133.10", "53.24"),
        # T = 2; sqrt = 1.414, capped at 1.2: 200 * 1.2, 80 * 1.2
        (("200.00", "80.00"), "1.2000", "240.00", "96.00"),
        # T = 0.25; sqrt = 0.5, capped at 0.8: 25 * 0.8, 10 * 0.8
        (("25.00", "10.00"), "0.8000", "20.00", "8.00"),
    ],
)
def test_trend_is_damped_and_capped(warehouse_builder, last_weeks, trend, monday, saturday):
    # 4 weeks of 100 / 40, then 4 weeks of the same pattern scaled by T: the weekday factors
    # stay 1.2069 and 0.4828, the level is the last 4 weeks' (Monday: level * 1.2069 = the
    # last weeks' Monday revenue)
    last_weeks_start = dt.date(2018, 5, 7)
    revenue = pattern(EIGHT_WEEKS_START, last_weeks_start - dt.timedelta(1), "100.00", "40.00")
    revenue |= pattern(last_weeks_start, HISTORY_END, *last_weeks)
    warehouse_builder.run("2018-06-04", shop(revenue))

    rows = forecast_rows(warehouse_builder)
    assert {row["trend_factor"] for row in rows} == {Decimal(trend)}
    predicted = by_date(rows, "predicted_revenue")
    assert predicted[dt.date(2018, 6, 4)] == Decimal(monday)
    assert predicted[dt.date(2018, 6, 9)] == Decimal(saturday)


def test_days_without_sales_count_as_zero(warehouse_builder):
    # the 100 / 40 pattern, but Wednesday 2018-05-30 sold only a canceled order and Thursday
    # 2018-05-31 had no order at all
    revenue = pattern(EIGHT_WEEKS_START, HISTORY_END, "100.00", "40.00")
    del revenue[dt.date(2018, 5, 30)], revenue[dt.date(2018, 5, 31)]
    warehouse_builder.run("2018-06-04", shop(revenue, {dt.date(2018, 5, 30): "canceled"}))

    rows = forecast_rows(warehouse_builder)
    # level = (4 * 580 - 200) / 28 = 2120 / 28 = 75.714 (not 2120 / 26: the days are zeros)
    assert {row["level_revenue"] for row in rows} == {Decimal("75.71")}
    # trend: sqrt(75.714 / (2320 / 28)) = sqrt(2120 / 2320) = 0.95593
    assert {row["trend_factor"] for row in rows} == {Decimal("0.9559")}
    # the last week's mean is 380 / 7; its ratios: 700 / 380 on Mon, Tue, Fri, 0 on Wed, Thu,
    # 280 / 380 at the weekend; the 7 weeks before: 700 / 580 and 280 / 580. Factors:
    #   Monday    (7 * 700 / 580 + 700 / 380) / 8 = 1.28630
    #   Wednesday (7 * 700 / 580 + 0) / 8         = 1.05603
    #   Saturday  (7 * 280 / 580 + 280 / 380) / 8 = 0.51452
    factors = by_date(rows, "weekday_factor")
    assert [factors[dt.date(2018, 6, d)] for d in (4, 6, 7, 9)] == [
        Decimal("1.2863"),
        Decimal("1.0560"),
        Decimal("1.0560"),
        Decimal("0.5145"),
    ]
    # predicted = 75.714 * factor * 0.95593: Monday 93.099, Wednesday and Thursday 76.433,
    # Saturday 37.239
    predicted = by_date(rows, "predicted_revenue")
    assert [predicted[dt.date(2018, 6, d)] for d in (4, 6, 7, 9)] == [
        Decimal("93.10"),
        Decimal("76.43"),
        Decimal("76.43"),
        Decimal("37.24"),
    ]
    # the seasonal-naive baseline repeats last week's zeros
    baseline = by_date(rows, "baseline_revenue")
    assert [baseline[dt.date(2018, 6, d)] for d in (4, 6, 7)] == [
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_trailing_days_without_sales_are_not_history(warehouse_builder):
    # sales until Sunday 2018-06-03, then a week of canceled orders only (as the Olist extract
    # after 2018-08-31): the feed stopped, so the history ends on the last day with sales
    revenue = pattern(EIGHT_WEEKS_START, HISTORY_END, "100.00", "40.00")
    canceled = dict.fromkeys(days(dt.date(2018, 6, 4), dt.date(2018, 6, 10)), "canceled")
    warehouse_builder.run("2018-06-20", shop(revenue, canceled))

    rows = forecast_rows(warehouse_builder)
    assert (rows[0]["forecast_date"], rows[-1]["forecast_date"]) == (
        dt.date(2018, 6, 4),
        dt.date(2018, 9, 1),
    )
    assert {row["origin_date"] for row in rows} == {HISTORY_END}
    # not a forecast of zeros: the pattern goes on
    assert [row["predicted_revenue"] for row in rows[:7]] == [Decimal("100.00")] * 5 + [
        Decimal("40.00")
    ] * 2


def test_the_runs_own_day_is_not_history(warehouse_builder):
    # the run of Monday 2018-06-04 already holds that morning's sales: a partial day, left out
    revenue = pattern(EIGHT_WEEKS_START, HISTORY_END, "100.00", "40.00")
    revenue[dt.date(2018, 6, 4)] = "5000.00"
    warehouse_builder.run("2018-06-04", shop(revenue))

    rows = forecast_rows(warehouse_builder)
    assert {row["origin_date"] for row in rows} == {HISTORY_END}
    assert rows[0]["forecast_date"] == dt.date(2018, 6, 4)
    assert {row["level_revenue"] for row in rows} == {Decimal("82.86")}  # 580 / 7, as before


def backtest_shop() -> dict[str, list[dict]]:
    """History from Tuesday 2018-01-09 to Sunday 2018-06-03 (146 days). The backtest's origin is
    2018-03-05, 90 days before the end; its 8 weeks: 7 of 100 / 40, then a last week
    (2018-02-27 to 03-05) of 184 / 73.60 (x 1.84). After it, 120 / 50 every week."""
    revenue = pattern(dt.date(2018, 1, 9), dt.date(2018, 2, 26), "100.00", "40.00")
    revenue |= pattern(dt.date(2018, 2, 27), dt.date(2018, 3, 5), "184.00", "73.60")
    revenue |= pattern(dt.date(2018, 3, 6), HISTORY_END, "120.00", "50.00")
    return shop(revenue)


def test_backtest_predicts_the_last_90_days_from_the_history_before(warehouse_builder):
    warehouse_builder.run("2018-06-04", backtest_shop())

    rows = forecast_rows(warehouse_builder, "backtest")
    assert [row["forecast_date"] for row in rows] == days(dt.date(2018, 3, 6), dt.date(2018, 6, 3))
    assert {row["origin_date"] for row in rows} == {dt.date(2018, 3, 5)}
    # fit at 2018-03-05: level = (3 * 580 + 1.84 * 580) / 28 = 100.257; trend: the last 28 days
    # over the 28 before = 4.84 / 4 = 1.21, sqrt = 1.1; weekday factors 700 / 580, 280 / 580 (every
    # week is the pattern scaled). Predicted: 4.84 * 25 * 1.1 = 133.10 a weekday,
    # 4.84 * 10 * 1.1 = 53.24 a weekend day; baseline: the last week, 184 and 73.60
    assert {row["level_revenue"] for row in rows} == {Decimal("100.26")}
    assert {row["trend_factor"] for row in rows} == {Decimal("1.1000")}
    for row in rows:
        is_weekend = row["forecast_date"].isoweekday() >= 6
        expected = ("53.24", "50.00", "73.60") if is_weekend else ("133.10", "120.00", "184.00")
        assert (
            row["predicted_revenue"],
            row["actual_revenue"],
            row["baseline_revenue"],
            row["lower_revenue"],
            row["upper_revenue"],
        ) == (*map(Decimal, expected), None, None)

    # 2018-03-06 (a Tuesday) to 2018-06-03: 12 weeks and Tuesday..Sunday, 64 weekdays and 26
    # weekend days. Actual 64 * 120 + 26 * 50 = 8980; predicted 64 * 133.10 + 26 * 53.24 =
    # 9902.64, 922.64 too much; baseline 64 * 184 + 26 * 73.60 = 13689.60, 4709.60 too much.
    (metrics,) = warehouse_builder.rows(f"select * from {BACKTEST}")
    assert metrics == {
        "origin_date": dt.date(2018, 3, 5),
        "first_date": dt.date(2018, 3, 6),
        "last_date": dt.date(2018, 6, 3),
        "days": 90,
        "actual_revenue": Decimal("8980.00"),
        "predicted_revenue": Decimal("9902.64"),
        "baseline_revenue": Decimal("13689.60"),
        "wape": Decimal("0.1027"),  # 922.64 / 8980
        "bias": Decimal("0.1027"),  # every day over-forecast: bias = wape
        "mape": Decimal("0.0963"),  # (64 * 13.10 / 120 + 26 * 3.24 / 50) / 90
        "mape_days": 90,
        "baseline_wape": Decimal("0.5245"),  # 4709.60 / 8980
        "baseline_bias": Decimal("0.5245"),
        "baseline_mape": Decimal("0.5156"),  # (64 * 64 / 120 + 26 * 23.60 / 50) / 90
    }


def test_forecast_interval_comes_from_the_backtest_errors(warehouse_builder):
    warehouse_builder.run("2018-06-04", backtest_shop())

    rows = forecast_rows(warehouse_builder)
    # fit at 2018-06-03 on 12 weeks of 120 / 50: level 100, factors 1.2 and 0.5, trend 1
    assert (rows[0]["level_revenue"], rows[0]["trend_factor"]) == (
        Decimal("100.00"),
        Decimal("1.0000"),
    )
    # backtest relative errors: 26 weekend days 3.24 / 53.24 = 0.0609, 64 weekdays
    # 13.10 / 133.10 = 0.0984; their 80th percentile (position 0.8 * 89 = 71.2 of 0..89) is
    # 0.0984: Monday 120 * (1 -+ 0.0984) = 108.19 .. 131.81, Saturday 50 * (1 -+ 0.0984)
    # = 45.08 .. 54.92
    bands = {
        row["forecast_date"]: (
            row["lower_revenue"],
            row["predicted_revenue"],
            row["upper_revenue"],
        )
        for row in rows
    }
    assert bands[dt.date(2018, 6, 4)] == (
        Decimal("108.19"),
        Decimal("120.00"),
        Decimal("131.81"),
    )
    assert bands[dt.date(2018, 6, 9)] == (Decimal("45.08"), Decimal("50.00"), Decimal("54.92"))


def test_rerun_leaves_the_same_marts(warehouse_builder):
    warehouse_builder.run("2018-06-04", backtest_shop())
    before = [warehouse_builder.checksum(table) for table in (FORECAST, BACKTEST)]
    warehouse_builder.run("2018-06-04", backtest_shop())

    assert [warehouse_builder.checksum(table) for table in (FORECAST, BACKTEST)] == before
    assert before[0][0] == 180 and before[1][0] == 1
