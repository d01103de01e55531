{#-
  One row per calendar day, with the calendar's parts, ISO weeks and Brazil's national holidays.

  Whole years: from January 1 of the first purchase's year to December 31 of the year holding
  the forecast horizon, 90 days past the later of the last purchase and the run's day (the sales
  forecast mart projects 90 days ahead). With no orders yet it covers the run's year. date_key
  -1 is the unknown day, so a fact row without a date keeps its place.

  A few thousand rows, derived from stg_orders' date range only: rebuilt whole on every run (a
  table, not incremental), so a rerun leaves the same table.
-#}
{{ config(materialized="table", dist="all", sort=["date_key"]) }}
{%- set columns = {
    "date_key": "integer",
    "calendar_date": "date",
    "year": "smallint",
    "quarter": "smallint",
    "month": "smallint",
    "month_name": "varchar(9)",
    "year_month": "varchar(7)",
    "iso_year": "smallint",
    "iso_week": "smallint",
    "day_of_month": "smallint",
    "day_of_week": "smallint",
    "day_name": "varchar(9)",
    "is_weekend": "boolean",
    "is_holiday": "boolean",
    "holiday_name": "varchar(64)",
} -%}

{#- Federal holidays on a fixed date: month, day, name, first year (none: every year).
    Nov 20 became national by law 14.759/2023. -#}
{%- set fixed_holidays = [
    (1, 1, "Confraternização Universal", none),
    (4, 21, "Tiradentes", none),
    (5, 1, "Dia do Trabalho", none),
    (9, 7, "Independência do Brasil", none),
    (10, 12, "Nossa Senhora Aparecida", none),
    (11, 2, "Finados", none),
    (11, 15, "Proclamação da República", none),
    (11, 20, "Dia da Consciência Negra", 2024),
    (12, 25, "Natal", none),
] -%}

{#- Holidays set by Easter: days from Easter Sunday, name. Carnival is only an optional holiday
    nationally, but the business counts it as one. -#}
{%- set movable_holidays = [
    (-48, "Carnaval"),
    (-47, "Carnaval"),
    (-2, "Sexta-feira Santa"),
    (60, "Corpus Christi"),
] -%}

with

run as (
    select cast('{{ ingest_date() }}' as date) as run_date
),

purchase_dates as (
    select
        min({{ local_date("order_purchase_timestamp") }}) as first_purchase_date,
        max({{ local_date("order_purchase_timestamp") }}) as last_purchase_date
    from {{ ref("stg_orders") }}
),

observed_range as (
    -- the run's day stands in for the data when there are no orders yet
    select
        coalesce(purchase_dates.first_purchase_date, run.run_date) as first_date,
        greatest(
            coalesce(purchase_dates.last_purchase_date, run.run_date), run.run_date
        ) as last_date
    from purchase_dates
    cross join run
),

bounds as (
    select
        cast(to_char(first_date, 'YYYY') || '-01-01' as date) as first_day,
        cast(to_char({{ add_days("last_date", 90) }}, 'YYYY') || '-12-31' as date) as last_day
    from observed_range
),

-- generate_series runs only on Redshift's leader node, so it cannot feed an insert: day
-- offsets come from cross-joined digits instead (0 to 99,999 days, over 270 years).
digits as (
    {% for digit in range(10) -%}
    select {{ digit }} as digit{% if not loop.last %}
    union all
    {% endif %}{% endfor %}
),

day_offsets as (
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
),

calendar_days as (
    select {{ add_days("bounds.first_day", "day_offsets.day_offset") }} as calendar_date
    from bounds
    cross join day_offsets
    where {{ add_days("bounds.first_day", "day_offsets.day_offset") }} <= bounds.last_day
),

days as (
    -- extract gives numeric on PostgreSQL; Easter's arithmetic below needs integer division
    select
        calendar_date,
        cast(extract(year from calendar_date) as integer) as year,
        cast(extract(quarter from calendar_date) as integer) as quarter,
        cast(extract(month from calendar_date) as integer) as month,
        cast(extract(day from calendar_date) as integer) as day_of_month,
        -- Redshift's extract has no isoyear or isodow; both engines format them alike
        cast(to_char(calendar_date, 'IYYY') as integer) as iso_year,
        cast(to_char(calendar_date, 'IW') as integer) as iso_week,
        cast(to_char(calendar_date, 'ID') as integer) as day_of_week
    from calendar_days
),

years as (
    select distinct year from days
),

-- Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher); the letters are
-- the algorithm's own. Integer "/" truncates in both engines; mod() rather than "%", which
-- some drivers read as a parameter marker.
easter_step_1 as (
    select
        year,
        mod(year, 19) as a,
        year / 100 as b,
        mod(year, 100) as c
    from years
),

easter_step_2 as (
    select
        year,
        a,
        b,
        b / 4 as d,
        mod(b, 4) as e,
        (b + 8) / 25 as f,
        c / 4 as i,
        mod(c, 4) as k
    from easter_step_1
),

easter_step_3 as (
    select
        year,
        a,
        e,
        i,
        k,
        mod(19 * a + b - d - (b - f + 1) / 3 + 15, 30) as h
    from easter_step_2
),

easter_step_4 as (
    select
        year,
        a,
        h,
        mod(32 + 2 * e + 2 * i - h - k, 7) as l
    from easter_step_3
),

easter_step_5 as (
    select
        year,
        h,
        l,
        (a + 11 * h + 22 * l) / 451 as m
    from easter_step_4
),

easter_month_days as (
    select
        year,
        (h + l - 7 * m + 114) / 31 as month,
        mod(h + l - 7 * m + 114, 31) + 1 as day_of_month
    from easter_step_5
),

easter_sundays as (
    -- the calendar turns (year, month, day) into a date without make_date, which Redshift lacks
    select days.calendar_date as easter_date
    from days
    inner join easter_month_days
        on
            days.year = easter_month_days.year
            and days.month = easter_month_days.month
            and days.day_of_month = easter_month_days.day_of_month
),

fixed_holidays as (
    {% for month, day, name, first_year in fixed_holidays -%}
    select
        {{ month }} as month,
        {{ day }} as day_of_month,
        cast('{{ name }}' as varchar(64)) as holiday_name,
        {{ first_year or 0 }} as first_year
    {%- if not loop.last %}
    union all
    {% endif %}{% endfor %}
),

movable_holidays as (
    {% for days_from_easter, name in movable_holidays -%}
    select
        {{ days_from_easter }} as days_from_easter,
        cast('{{ name }}' as varchar(64)) as holiday_name
    {%- if not loop.last %}
    union all
    {% endif %}{% endfor %}
),

holidays as (
    select
        days.calendar_date,
        fixed_holidays.holiday_name
    from days
    inner join fixed_holidays
        on
            days.month = fixed_holidays.month
            and days.day_of_month = fixed_holidays.day_of_month
            and days.year >= fixed_holidays.first_year
    union all
    select
        {{ add_days("easter_sundays.easter_date", "movable_holidays.days_from_easter") }}
            as calendar_date,
        movable_holidays.holiday_name
    from easter_sundays
    cross join movable_holidays
),

holiday_days as (
    -- Good Friday can fall on Tiradentes (April 21, as in 2000): one row a day, both names
    select
        calendar_date,
        case
            when min(holiday_name) = max(holiday_name) then min(holiday_name)
            else min(holiday_name) || ' / ' || max(holiday_name)
        end as holiday_name
    from holidays
    group by calendar_date
),

final as (
    select
        {{ date_key("days.calendar_date") }} as date_key,
        days.calendar_date,
        days.year,
        days.quarter,
        days.month,
        -- to_char's names are English whatever the server's locale (no TM prefix)
        trim(to_char(days.calendar_date, 'Month')) as month_name,
        to_char(days.calendar_date, 'YYYY-MM') as year_month,
        days.iso_year,
        days.iso_week,
        days.day_of_month,
        days.day_of_week,
        trim(to_char(days.calendar_date, 'Day')) as day_name,
        days.day_of_week in (6, 7) as is_weekend,
        holiday_days.calendar_date is not null as is_holiday,
        holiday_days.holiday_name
    from days
    left join holiday_days on days.calendar_date = holiday_days.calendar_date
),

unknown_member as (
    select
        -1 as date_key,
        cast(null as date) as calendar_date,
        cast(null as smallint) as year,
        cast(null as smallint) as quarter,
        cast(null as smallint) as month,
        'Unknown' as month_name,
        'Unknown' as year_month,
        cast(null as smallint) as iso_year,
        cast(null as smallint) as iso_week,
        cast(null as smallint) as day_of_month,
        cast(null as smallint) as day_of_week,
        'Unknown' as day_name,
        false as is_weekend,
        false as is_holiday,
        cast(null as varchar) as holiday_name
),

dimension_rows as (
    select {{ columns | join(", ") }} from final
    union all
    select {{ columns | join(", ") }} from unknown_member
)

select {{ cast_columns(columns, "dimension_rows") }}
from dimension_rows
