"""core.dim_time, the date dimension, built by dbt (sql/models/core/dim_time.sql) on a real
PostgreSQL.

Expected values come from Python (``date.isocalendar()``, ``dateutil.easter``), not from SQL,
plus a few dates read off a calendar.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest
from dateutil.easter import easter
from support.workers import per_worker

from config.postgres import ensure_database, resolve_database_url, with_database
from olist_pipeline.warehouse.dbt import DbtProject, profile_env
from olist_pipeline.warehouse.postgres import PostgresWarehouse

pytestmark = pytest.mark.integration

DATABASE = per_worker("pipeline_test_dim_time")
SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
COLUMNS = (
    "date_key, calendar_date, year, quarter, month, month_name, year_month, iso_year, iso_week,"
    " day_of_month, day_of_week, day_name, is_weekend, is_holiday, holiday_name"
)
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
FIXED_HOLIDAYS = {
    (1, 1): "Confraternização Universal",
    (4, 21): "Tiradentes",
    (5, 1): "Dia do Trabalho",
    (9, 7): "Independência do Brasil",
    (10, 12): "Nossa Senhora Aparecida",
    (11, 2): "Finados",
    (11, 15): "Proclamação da República",
    (12, 25): "Natal",
}
FROM_EASTER = {-48: "Carnaval", -47: "Carnaval", -2: "Sexta-feira Santa", 60: "Corpus Christi"}
# The first and last purchases of the Olist data set, in UTC.
OLIST_PURCHASES = ("2016-09-04 21:15:19+00", "2018-10-17 17:30:18+00")


@pytest.fixture
def url() -> str:
    """A warehouse database with an empty staging.stg_orders (the only table the model reads)."""
    url = with_database(resolve_database_url(), DATABASE)
    ensure_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop schema if exists staging cascade")
        conn.execute("drop schema if exists core cascade")
        conn.execute("create schema staging")
        conn.execute("create schema core")
        conn.execute(
            "create table staging.stg_orders"
            " (order_id varchar(32), order_purchase_timestamp timestamptz)"
        )
    return url


def add_orders(url: str, *purchased_at: str) -> None:
    with psycopg.connect(url) as conn:
        for number, timestamp in enumerate(purchased_at):
            conn.execute(
                "insert into staging.stg_orders values (%s, %s)", (f"{number:032d}", timestamp)
            )


@pytest.fixture(scope="module")
def dbt_project(tmp_path_factory) -> DbtProject:
    """The dbt project on this module's database (parsed once for the module)."""
    url = with_database(resolve_database_url(), DATABASE)
    return DbtProject(
        SQL_DIR,
        env=profile_env(PostgresWarehouse(url)),
        work_dir=tmp_path_factory.mktemp("dbt"),
    )


@pytest.fixture
def build(dbt_project):
    def build(url: str, ingest_date: str) -> None:
        """Build the model (and run its tests) with dbt, as the pipeline does."""
        dbt_project.build(["dim_time"], ingest_date=ingest_date)

    return build


def rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select {COLUMNS} from core.dim_time order by date_key").fetchall()


def days(url: str) -> dict[dt.date, tuple]:
    """The known days' rows by date."""
    return {row[1]: row for row in rows(url) if row[0] != -1}


def expected_holidays(years: range) -> dict[dt.date, str]:
    holidays = {
        dt.date(year, m, d): name for year in years for (m, d), name in FIXED_HOLIDAYS.items()
    }
    holidays.update(
        {dt.date(year, 11, 20): "Dia da Consciência Negra" for year in years if year >= 2024}
    )
    for year in years:
        holidays.update(
            {easter(year) + dt.timedelta(days=n): name for n, name in FROM_EASTER.items()}
        )
    return holidays


@pytest.mark.parametrize(
    ("purchases", "ingest_date", "first_day", "last_day"),
    [
        # the horizon, 2018-10-17 + 90 days, falls in 2019
        (OLIST_PURCHASES, "2018-10-17", "2016-01-01", "2019-12-31"),
        # 2018-09-30 + 90 days is still in 2018
        (("2018-09-01 12:00:00+00",), "2018-09-30", "2018-01-01", "2018-12-31"),
        # a run later than the data: its own horizon counts
        (OLIST_PURCHASES, "2024-06-01", "2016-01-01", "2024-12-31"),
        # 01:00 UTC on New Year's Day is still 2016-12-31 in São Paulo (UTC-2 in summer 2017)
        (("2017-01-01 01:00:00+00",), "2017-06-01", "2016-01-01", "2017-12-31"),
        # no orders yet: the run's year
        ((), "2018-06-15", "2018-01-01", "2018-12-31"),
    ],
)
def test_the_range_is_whole_years_from_the_first_purchase_to_the_forecast_horizon(
    url, build, purchases, ingest_date, first_day, last_day
):
    add_orders(url, *purchases)

    build(url, ingest_date)

    first, last = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    every_day = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    table = rows(url)
    assert len(table) == len(every_day) + 1
    assert [row[1] for row in table[1:]] == every_day
    assert table[0] == (
        -1, None, None, None, None, "Unknown", "Unknown", None, None, None, None, "Unknown",
        False, False, None,
    )  # fmt: skip


def test_every_day_has_its_calendar_parts(url, build):
    add_orders(url, *OLIST_PURCHASES)

    build(url, "2018-10-17")

    for day, row in days(url).items():
        iso_year, iso_week, iso_weekday = day.isocalendar()
        # (the holiday columns have a test of their own)
        assert row[:13] == (
            day.year * 10000 + day.month * 100 + day.day,
            day,
            day.year,
            (day.month - 1) // 3 + 1,
            day.month,
            MONTH_NAMES[day.month - 1],
            f"{day.year:04d}-{day.month:02d}",
            iso_year,
            iso_week,
            day.day,
            iso_weekday,
            DAY_NAMES[iso_weekday - 1],
            iso_weekday >= 6,
        )


def test_iso_weeks_and_weekends_on_known_dates(url, build):
    add_orders(url, *OLIST_PURCHASES)

    build(url, "2018-10-17")

    table = days(url)
    parts = {day: (table[day][7], table[day][8], table[day][11], table[day][12]) for day in table}
    assert parts[dt.date(2016, 1, 1)] == (2015, 53, "Friday", False)
    assert parts[dt.date(2016, 1, 3)] == (2015, 53, "Sunday", True)
    assert parts[dt.date(2018, 12, 31)] == (2019, 1, "Monday", False)
    assert parts[dt.date(2017, 11, 25)] == (2017, 47, "Saturday", True)
    assert table[dt.date(2017, 11, 24)][5:7] == ("November", "2017-11")


def test_holidays_follow_the_federal_calendar(url, build):
    add_orders(url, *OLIST_PURCHASES)

    build(url, "2024-06-01")

    table = days(url)
    holidays = {day: row[14] for day, row in table.items() if row[13]}
    assert holidays == expected_holidays(range(2016, 2025))
    assert all(row[14] is None for row in table.values() if not row[13])
    # Easter's holidays read off a calendar
    known = {
        "2016-02-08": "Carnaval",
        "2016-02-09": "Carnaval",
        "2016-03-25": "Sexta-feira Santa",
        "2016-05-26": "Corpus Christi",
        "2017-02-27": "Carnaval",
        "2017-02-28": "Carnaval",
        "2017-04-14": "Sexta-feira Santa",
        "2017-06-15": "Corpus Christi",
        "2018-02-12": "Carnaval",
        "2018-02-13": "Carnaval",
        "2019-03-04": "Carnaval",
        "2019-03-05": "Carnaval",
        "2019-04-19": "Sexta-feira Santa",
        "2019-06-20": "Corpus Christi",
        "2024-11-20": "Dia da Consciência Negra",
    }
    assert {day: holidays.get(dt.date.fromisoformat(day)) for day in known} == known
    assert not table[dt.date(2018, 11, 20)][13]


def test_good_friday_on_tiradentes_keeps_both_names(url, build):
    add_orders(url, "2000-04-10 15:00:00+00")  # Easter 2000 was April 23

    build(url, "2000-04-10")

    day = days(url)[dt.date(2000, 4, 21)]
    assert day[13:] == (True, "Sexta-feira Santa / Tiradentes")


def test_a_rerun_rebuilds_the_same_table(url, build):
    add_orders(url, *OLIST_PURCHASES)
    build(url, "2018-10-17")
    first_run = rows(url)

    build(url, "2018-10-17")
    assert rows(url) == first_run

    # a whole rebuild: the days a later run added go when the range shrinks again
    build(url, "2024-06-01")
    build(url, "2018-10-17")
    assert rows(url) == first_run
