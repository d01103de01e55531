{#- One row per zip code prefix: the median point of the shop's geolocation rows, their most
    common city and state.
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
{%- set columns = {
    "geolocation_zip_code_prefix": "varchar(5)",
    "geolocation_lat": "double precision",
    "geolocation_lng": "double precision",
    "geolocation_city": "varchar(200)",
    "geolocation_state": "char(2)",
    "points": "bigint",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ create_table(this, columns, diststyle="all", sortkey=["geolocation_zip_code_prefix"]) }};

{{ merge_partition(this, "geolocation", keys=["geolocation_zip_code_prefix"], columns=columns) }}
