"""Nothing vanishes: a table's raw rows equal its processed rows, its rejected rows and the
duplicates removed. The job checks it before committing anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from olist_pipeline.lake.partitions import Accounting

# Tables whose processed rows merge several valid rows (one per zip prefix for geolocation):
# the merged rows count as duplicates removed.
MERGING_TABLES = frozenset({"geolocation"})


class AccountingError(RuntimeError):
    """Raw rows do not equal processed + rejected + duplicates removed: something vanished."""


@dataclass(frozen=True)
class Outcomes:
    """How the classified rows of a table split (counted in one Spark action)."""

    duplicates: int = 0
    valid: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def account(
    table: str,
    *,
    raw_rows: int,
    outcomes: Outcomes,
    processed_rows: int,
    rejected_rows: int,
) -> Accounting:
    """The table's row accounting; raises ``AccountingError`` unless it balances.

    ``processed_rows`` and ``rejected_rows`` are what the written files hold and ``raw_rows``
    what the raw manifest says, so a row lost or multiplied anywhere in between shows.
    """
    duplicates = outcomes.duplicates
    if table in MERGING_TABLES:
        duplicates += outcomes.valid - processed_rows
    accounting = Accounting(
        raw_rows=raw_rows,
        processed_rows=processed_rows,
        rejected_rows=rejected_rows,
        duplicates_removed=duplicates,
    )
    if not accounting.balanced or rejected_rows != outcomes.rejected:
        raise AccountingError(
            f"{table}: raw rows do not equal processed + rejected + duplicates removed "
            f"({accounting}; rules rejected {outcomes.rejected}, kept {outcomes.valid})"
        )
    return accounting


def table_summary(accounting: Accounting, reasons: dict[str, int]) -> dict[str, Any]:
    """A cleaned table as the job reports it: its accounting and reject reasons."""
    return {**asdict(accounting), "reasons": reasons}
