{#- One row per review of an order (Olist reuses a review_id across orders, so the key is both).
    The shop table's current state, merged from each run's partition (see merge_partition). -#}
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

{{ create_table(this, columns, distkey="order_id", sortkey=["order_id", "review_id"]) }};

{{ merge_partition(this, "reviews", keys=["review_id", "order_id"], columns=columns) }}
