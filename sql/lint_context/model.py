"""dbt's ``model`` (the node being built), for sqlfluff's renderings."""


class config:
    materialized = "incremental"
