"""dbt's ``run_started_at``, for sqlfluff's renderings: a fixed day."""


def strftime(_format: str) -> str:
    return "2000-01-01"
