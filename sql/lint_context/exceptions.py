"""dbt's ``exceptions``, for sqlfluff's renderings."""


def raise_compiler_error(message: str) -> None:
    raise ValueError(message)
