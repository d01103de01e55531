"""The facts of one DAG run, worked out once by its first task and handed to the others.

The extract knows them all: the partition date the run writes, the data interval it read, the
shop's totals at its snapshot and whether anything changed at all. It returns them as one
``RunFacts``, which Airflow's XCom carries to every later task as the same typed value (the
dataclass round-trips through Airflow's serde; ``[core] allowed_deserialization_classes`` must
admit this module, as ``local_airflow`` and the deployment set it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# What ``[core] allowed_deserialization_classes`` must admit besides Airflow's own classes.
DESERIALIZATION_ALLOWLIST = "airflow.* olist_pipeline.orchestration.run_facts.*"


def ingest_date_of(data_interval_end: datetime | None, run_after: datetime) -> date:
    """The partition a run writes: the UTC date its data interval ends (a manual run without an
    interval: the date it ran)."""
    moment = data_interval_end or run_after
    return moment.astimezone(UTC).date()


@dataclass(frozen=True)
class RunFacts:
    """One run's facts. ``ingest_date`` is ISO (``YYYY-MM-DD``), the interval's bounds ISO
    instants (``interval_start`` None: since the beginning); ``rows_extracted`` counts every
    table's rows, tombstones included; ``shop_totals`` is what the shop held at the extract's
    snapshot (the reconciliation's JSON form)."""

    run_id: str
    ingest_date: str
    interval_start: str | None
    interval_end: str
    full_refresh: bool
    rows_extracted: int
    shop_totals: dict[str, Any] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        """Nothing changed in the shop during the interval: no stage has a row to work on."""
        return self.rows_extracted == 0

    @property
    def extracted_before(self) -> datetime | None:
        """The end of the extracted window (None for a full refresh, which read everything)."""
        return None if self.full_refresh else datetime.fromisoformat(self.interval_end)
