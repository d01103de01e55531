"""The warehouse's SQL models: one Jinja-templated file per table under ``sql/<layer>/``.

A model names the tables it reads with ``ref('<model>')`` (another model, resolved to
``<layer>.<model>``) and ``source('<table>')`` (a table loaded from the lake,
``staging.lake_<table>``), as in dbt; the order models run in comes from those references, so
no list of files is kept by hand. The macros in ``sql/macros.jinja`` hold the few places where
Redshift and PostgreSQL differ; ``dialect`` picks the variant.

A model file is a script: it creates its table if needed, then brings it up to date for the run's
``ingest_date``. It runs in one transaction, so a failure leaves the table as it was, and running
it again for the same day leaves the warehouse as one run would.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
import sqlparse

from olist_pipeline.warehouse.protocol import load_table_name

LAYERS = ("staging", "core", "marts")
DIALECTS = ("postgres", "redshift")
MACROS = "macros.jinja"


class ModelError(ValueError):
    pass


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path

    @property
    def relation(self) -> str:
        return f"{self.layer}.{self.name}"


class Project:
    """The models of a ``sql/`` folder, rendered for one dialect."""

    def __init__(self, sql_dir: Path, dialect: str):
        if dialect not in DIALECTS:
            raise ModelError(f"unknown SQL dialect {dialect!r}; expected one of {DIALECTS}")
        self.sql_dir = Path(sql_dir)
        self.dialect = dialect
        self.models = {
            path.stem: Model(path.stem, layer, path)
            for layer in LAYERS
            for path in sorted((self.sql_dir / layer).glob("*.sql"))
        }
        self._environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.sql_dir),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self._environment.globals["dialect"] = dialect

    def render(self, name: str, *, ingest_date: date | str, **variables: object) -> str:
        """The SQL of model ``name`` for the run of ``ingest_date``."""
        return self._render(name, ingest_date=ingest_date, variables=variables, refs=None)

    def statements(self, name: str, *, ingest_date: date | str, **variables: object) -> list[str]:
        """The model's script split into statements (without their final semicolons)."""
        sql = self.render(name, ingest_date=ingest_date, **variables)
        return [s.strip().rstrip(";") for s in sqlparse.split(sql) if _has_code(s)]

    def dependencies(self, name: str) -> set[str]:
        """The models ``name`` reads, from its ``ref()`` calls."""
        refs: set[str] = set()
        self._render(name, ingest_date="2000-01-01", variables={}, refs=refs)
        return refs

    def run_order(self, layers: tuple[str, ...] = LAYERS) -> list[Model]:
        """The models of ``layers``, each after the models it reads (ties: layer, then name)."""
        chosen = {n: m for n, m in self.models.items() if m.layer in layers}
        sorter = graphlib.TopologicalSorter(
            {name: self.dependencies(name) & chosen.keys() for name in chosen}
        )
        sorter.prepare()
        ordered: list[Model] = []
        rank = {layer: position for position, layer in enumerate(LAYERS)}
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=lambda n: (rank[chosen[n].layer], n))
            ordered.extend(chosen[n] for n in ready)
            sorter.done(*ready)
        return ordered

    def _render(
        self,
        name: str,
        *,
        ingest_date: date | str,
        variables: dict[str, object],
        refs: set[str] | None,
    ) -> str:
        model = self.models.get(name)
        if model is None:
            raise ModelError(f"no model {name!r} under {self.sql_dir}")

        def ref(other: str) -> str:
            if other not in self.models:
                raise ModelError(f"{model.path.name}: ref({other!r}) names no model")
            if refs is not None:
                refs.add(other)
            return self.models[other].relation

        context = self._context(ref, model.relation, ingest_date, variables)
        template = self._environment.get_template(f"{model.layer}/{model.path.name}")
        return template.render(context)

    def render_query(self, sql: str, *, ingest_date: date | str) -> str:
        """An ad hoc query with the models' context (``ref``, ``source``, the macros)."""

        def ref(other: str) -> str:
            if other not in self.models:
                raise ModelError(f"ref({other!r}) names no model")
            return self.models[other].relation

        context = self._context(ref, None, ingest_date, {})
        return self._environment.from_string(sql).render(context)

    def _context(self, ref, this: str | None, ingest_date: date | str, variables: dict) -> dict:
        context = {
            "ref": ref,
            "source": load_table_name,
            "this": this,
            "ingest_date": date.fromisoformat(str(ingest_date)).isoformat(),
            **variables,
        }
        # The macros see the model's context (source(), ingest_date, ...), so the module is
        # made for each rendering.
        macros = self._environment.get_template(MACROS).make_module(context)
        context.update({n: getattr(macros, n) for n in dir(macros) if not n.startswith("_")})
        return context


def _has_code(statement: str) -> bool:
    return bool(sqlparse.format(statement, strip_comments=True).strip().rstrip(";").strip())
