{#- One row per review of an order (Olist reuses a review_id across orders, so the key is both).
    The shop table's current state (see macros/staging.sql). -#}
{{ config(
    unique_key=["review_id", "order_id"],
    incremental_strategy=upsert_strategy(),
    dist="order_id",
    sort=["order_id", "review_id"],
    post_hook="{{ delete_tombstones('reviews', {'review_id': 'varchar(32)', 'order_id': 'varchar(32)'}) }}",
) }}
{%- set columns = {
    "id": "bigint",
    "review_id": "varchar(32)",
    "order_id": "varchar(32)",
    "review_score": "smallint",
    "review_comment_title": "varchar(400)",
    "review_comment_message": "varchar(65535)",
    "review_creation_date": "timestamptz",
    "review_answer_timestamp": "timestamptz",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "_ingest_date": "date",
    "_run_id": "varchar(256)",
} -%}

{{ partition_rows("reviews", keys=["review_id", "order_id"], columns=columns) }}
