"""dbt's ``target`` as sqlfluff renders the models: Redshift, the production warehouse."""

type = "redshift"
name = "redshift"
schema = "core"
