"""Run the warehouse's SQL models for one run: staging, then core, then marts.

Each model runs as one transaction on the warehouse (see ``sql_models``), in dependency order;
the first failure stops the layer and names the model, and the tables it would have changed stay
as they were. What each model left is counted afterwards, for the run's summary.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import date

from olist_pipeline.warehouse.sql_models import Project

log = logging.getLogger(__name__)


class ModelFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelRun:
    model: str
    relation: str
    rows: int
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


def run_models(
    warehouse, project: Project, *, ingest_date: date | str, layers: tuple[str, ...]
) -> list[ModelRun]:
    """Run the models of ``layers`` for ``ingest_date``; one ``ModelRun`` per model."""
    runs = []
    for model in project.run_order(layers):
        started = time.perf_counter()
        try:
            warehouse.run_script(project.statements(model.name, ingest_date=ingest_date))
        except Exception as error:
            raise ModelFailed(f"model {model.name} ({model.path}) failed: {error}") from error
        warehouse.maintain(model.relation)
        seconds = time.perf_counter() - started
        (rows,) = warehouse.query(f"select count(*) from {model.relation}")[0]
        runs.append(ModelRun(model.name, model.relation, rows, round(seconds, 3)))
        log.info("%s: %s rows in %.2f s", model.relation, f"{rows:,}", seconds)
    return runs
