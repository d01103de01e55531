"""The dashboards, defined once in ``dashboards/`` and read here for both renderers.

``dashboards/<dashboard>.yml`` describes a dashboard: its title, the filters it offers and its
cards, each with a chart type, a title, a short description, its columns' formats and its place
on a 24-column grid. A card's data comes from a query in ``dashboards/queries/<query>.sql``: a
plain SELECT (no templating) over the warehouse's published relations by their schema-qualified
names (``marts.mart_rfm``...), written in the SQL that Redshift and PostgreSQL share, so the same
text runs on both. A header of ``--`` comment lines may document it; it is not sent (see
``Definitions.query_sql``). Several cards may share a query.

A query returns rows at a fine grain (a month, a state, a category...). The card then says how to
summarise them: group by its ``dimensions`` and aggregate its ``measures`` (sums, minimums,
maximums, or ratios of two sums), after the dashboard's filters have kept the rows they select;
then sort (by its ``sort`` keys, then by its dimensions, so ties always break the same way) and
keep its first ``limit`` rows.
That rule is what lets one definition serve two renderers:

- Metabase gets one native question per card, whose SQL wraps the query with the grouping and
  optional ``[[and column = {{variable}}]]`` clauses bound to the dashboard's filters
  (``card_sql(..., metabase=True)``);
- the project's own site embeds the query's rows, pre-summarised to the dimensions and the
  filtered columns (``site_datasets``, one set of rows for the cards of a page that share a
  query), and its JavaScript applies the same rule in the browser, so the filters work offline.

Ratios are sums divided after the grouping, never averages of averages: "average order value" is
the revenue of the selected rows over their orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CHARTS = ("kpi", "line", "area", "bar", "stacked_bar", "row", "map", "table", "heatmap", "scatter")
FORMATS = ("brl", "integer", "decimal", "percent", "days", "date", "month", "state", "text")
AGGREGATIONS = ("sum", "min", "max")
GRID_COLUMNS = 24


@dataclass(frozen=True)
class FilterKind:
    """A dashboard filter: the Metabase variables it binds and how it compares."""

    kind: str
    title: str
    variables: tuple[str, ...]


FILTER_KINDS = {
    "date": FilterKind("date", "Purchase date", ("date_from", "date_to")),
    "state": FilterKind("state", "State", ("state",)),
    "category": FilterKind("category", "Product category", ("category",)),
}


class DefinitionError(ValueError):
    """A dashboard definition that cannot be rendered; the message names the file and card."""


@dataclass(frozen=True)
class Dimension:
    column: str
    title: str
    format: str = "text"


@dataclass(frozen=True)
class Measure:
    """A summarised column: ``aggregation`` of ``column``, or ``sum(ratio[0]) / sum(ratio[1])``."""

    name: str
    title: str
    format: str
    aggregation: str = "sum"
    column: str | None = None
    ratio: tuple[str, str] | None = None

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.ratio if self.ratio else (self.column,)  # type: ignore[return-value]


@dataclass(frozen=True)
class Layout:
    row: int
    col: int
    width: int
    height: int


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Band:
    lower: str
    upper: str
    around: str
    title: str


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    description: str
    chart: str
    query: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    filters: dict[str, str]
    layout: Layout
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None
    aggregate: bool = True
    # The value axis's title when several measures share it (one measure names it itself).
    value_title: str | None = None
    # Two measures the site draws as a shaded interval around a third (Metabase: two lines).
    band: Band | None = None

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The query's columns the card reads: dimensions, measures' inputs, filtered columns."""
        columns = [d.column for d in self.dimensions]
        columns += [c for m in self.measures for c in m.inputs]
        columns += list(self.filters.values())
        return tuple(dict.fromkeys(columns))

    @property
    def output_columns(self) -> tuple[str, ...]:
        return tuple(d.column for d in self.dimensions) + tuple(m.name for m in self.measures)


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str
    position: int
    filters: tuple[str, ...]
    cards: tuple[Card, ...]
    path: Path = field(compare=False)


@dataclass(frozen=True)
class Definitions:
    """Every dashboard of a ``dashboards/`` folder and the queries their cards use."""

    directory: Path
    dashboards: tuple[Dashboard, ...]
    queries: dict[str, str]

    def query_sql(self, query: str) -> str:
        """A query's SELECT as the cards wrap it, the same for Redshift and PostgreSQL.

        The file's text without its header of ``--`` comment lines and without a final ``;``:
        the SQL that Metabase stores for a question stays the SELECT alone, and no prose (a
        ``%`` or a ``{{``) can be read as a parameter by psycopg or Metabase.
        """
        return _without_header(self.queries[query])


def load(directory: Path) -> Definitions:
    """Read and check every ``*.yml`` under ``directory``; raise DefinitionError on a mistake."""
    directory = Path(directory)
    queries = {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted((directory / "queries").glob("*.sql"))
    }
    for name, text in queries.items():
        if _TEMPLATING.search(text):
            raise DefinitionError(
                f"queries/{name}.sql: queries are plain SQL over schema-qualified relations "
                "(marts.mart_rfm), without templating ({{ }}, {% %}, {# #})"
            )
    dashboards = [_dashboard(path, queries) for path in sorted(directory.glob("*.yml"))]
    if not dashboards:
        raise DefinitionError(f"no dashboard definitions (*.yml) under {directory}")
    card_ids = [card.id for dashboard in dashboards for card in dashboard.cards]
    duplicated = sorted({card_id for card_id in card_ids if card_ids.count(card_id) > 1})
    if duplicated:
        raise DefinitionError(f"card ids must be unique across dashboards: {duplicated}")
    dashboards.sort(key=lambda dashboard: (dashboard.position, dashboard.id))
    return Definitions(directory, tuple(dashboards), queries)


def card_sql(
    card: Card, query_sql: str, *, metabase: bool = False, filter_values: dict | None = None
) -> tuple[str, dict[str, Any]]:
    """The card's result: its query summarised by its dimensions, filtered and sorted.

    With ``metabase=True`` each filter becomes an optional ``[[and ... {{variable}}]]`` clause,
    Metabase's native-query syntax. Otherwise the given ``filter_values`` (``date_from``,
    ``date_to``, ``state``, ``category``) become bound parameters (psycopg's ``%(name)s``), so
    the same SQL runs on the local warehouse and in the tests.
    """
    filter_values = filter_values or {}
    conditions, parameters = [], {}
    for kind, column in card.filters.items():
        for variable in FILTER_KINDS[kind].variables:
            operator = {"date_from": ">=", "date_to": "<="}.get(variable, "=")
            condition = f"{column} {operator} "
            if metabase:
                conditions.append(f"[[and {condition}{{{{{variable}}}}}]]")
            elif filter_values.get(variable) is not None:
                conditions.append(f"and {condition}%({variable})s")
                parameters[variable] = filter_values[variable]
    where = "\n".join(["where 1 = 1", *conditions])
    if card.aggregate:
        dimensions = [d.column for d in card.dimensions]
        select = dimensions + [f"{_aggregate(m)} as {m.name}" for m in card.measures]
        group_by = f"\ngroup by {', '.join(dimensions)}" if dimensions else ""
    else:
        select = [d.column for d in card.dimensions] + [m.column for m in card.measures]
        group_by = ""
    order_by = _order_by(card)
    limit = f"\nlimit {card.limit}" if card.limit else ""
    sql = (
        f"select {', '.join(select)}\nfrom (\n{query_sql}\n) as card_rows\n{where}"
        f"{group_by}{order_by}{limit}"
    )
    return sql, parameters


@dataclass(frozen=True)
class SiteDataset:
    """Rows the site embeds once for the cards of a page that read the same query.

    Aggregating cards share their query's rows grouped by every one of their dimensions and
    filtered columns (``keys``), with each measure input pre-aggregated (``inputs``: column and
    function); each card then re-aggregates them in the browser after filtering. Sums, minimums
    and maximums survive that second step, which is why they are the only aggregations.
    Cards that do not aggregate share their query's rows as they are (``keys`` is empty).
    """

    name: str
    query: str
    aggregate: bool
    keys: tuple[str, ...]
    inputs: tuple[tuple[str, str], ...]
    card_ids: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.keys + tuple(column for column, _ in self.inputs)


def site_datasets(cards: tuple[Card, ...] | list[Card]) -> tuple[SiteDataset, ...]:
    """The fewest datasets that serve ``cards`` (one page's) exactly.

    Two aggregating cards share a dataset unless one would group by a column the other sums,
    or they aggregate one column two ways; then the second gets a dataset of its own.
    """
    groups: list[dict] = []
    for card in cards:
        keys = [d.column for d in card.dimensions] + list(card.filters.values())
        if card.aggregate:
            inputs = {}
            for measure in card.measures:
                for column in measure.inputs:
                    inputs.setdefault(column, "sum" if measure.ratio else measure.aggregation)
        else:
            keys, inputs = [], dict.fromkeys(card.input_columns, "")
        for group in groups:
            if (
                group["query"] == card.query
                and group["aggregate"] == card.aggregate
                and (
                    not card.aggregate
                    or (
                        not set(inputs) & set(group["keys"])
                        and not set(keys) & set(group["inputs"])
                        and all(group["inputs"].get(c, f) == f for c, f in inputs.items())
                    )
                )
            ):
                break
        else:
            group = {"query": card.query, "aggregate": card.aggregate, "keys": {}, "inputs": {}}
            group["cards"] = []
            groups.append(group)
        group["keys"].update(dict.fromkeys(keys))
        group["inputs"].update(inputs)
        group["cards"].append(card.id)
    return tuple(
        SiteDataset(
            name=f"{group['query']}_{number}",
            query=group["query"],
            aggregate=group["aggregate"],
            keys=tuple(group["keys"]),
            inputs=tuple(group["inputs"].items()),
            card_ids=tuple(group["cards"]),
        )
        for number, group in enumerate(groups, start=1)
    )


def dataset_sql(dataset: SiteDataset, query_sql: str) -> str:
    """The SELECT of a site dataset's rows, in ``dataset.columns`` order."""
    source = f"from (\n{query_sql}\n) as card_rows"
    if not dataset.aggregate:
        return f"select {', '.join(dataset.columns)}\n{source}"
    select = list(dataset.keys) + [
        f"{function}({column}) as {column}" for column, function in dataset.inputs
    ]
    grouping = ""
    if dataset.keys:
        keys = ", ".join(dataset.keys)
        grouping = f"\ngroup by {keys}\norder by {keys}"
    return f"select {', '.join(select)}\n{source}{grouping}"


# Jinja's (and so dbt's) delimiters: a query still written as a template is refused at load.
_TEMPLATING = re.compile(r"\{\{|\{%|\{#")


def _without_header(text: str) -> str:
    """A query's SQL without the ``--`` comment lines (and blank lines) that open it."""
    lines = text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines).strip().rstrip(";").rstrip()


def _aggregate(measure: Measure) -> str:
    if measure.ratio:
        numerator, denominator = measure.ratio
        # double precision first: integer / integer truncates on both engines
        return f"cast(sum({numerator}) as double precision) / nullif(sum({denominator}), 0)"
    return f"{measure.aggregation}({measure.column})"


def _order_by(card: Card) -> str:
    """The sort keys, then the dimensions not among them: ties always break the same way."""
    sorted_by = [key.column for key in card.sort]
    keys = [f"{key.column} {'desc' if key.descending else 'asc'}" for key in card.sort]
    keys += [f"{d.column} asc" for d in card.dimensions if d.column not in sorted_by]
    return f"\norder by {', '.join(keys)}" if keys else ""


# --- reading the YAML -----------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _dashboard(path: Path, queries: dict[str, str]) -> Dashboard:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    where = path.name
    _expect_keys(raw, {"title", "description", "position", "filters", "cards"}, where)
    filters = tuple(raw.get("filters") or ())
    unknown = sorted(set(filters) - set(FILTER_KINDS))
    if unknown:
        raise DefinitionError(f"{where}: unknown filters {unknown}; known: {list(FILTER_KINDS)}")
    cards = tuple(_card(raw_card, filters, queries, where) for raw_card in raw["cards"])
    _check_layout(cards, where)
    return Dashboard(
        id=path.stem,
        title=raw["title"],
        description=raw["description"].strip(),
        position=int(raw["position"]),
        filters=filters,
        cards=cards,
        path=path,
    )


def _card(raw: dict, dashboard_filters: tuple[str, ...], queries: dict, where: str) -> Card:
    card_id = raw.get("id", "?")
    where = f"{where}, card {card_id}"
    _expect_keys(
        raw,
        {"id", "title", "description", "chart", "query", "dimensions", "measures", "layout"},
        where,
        optional={"filters", "sort", "limit", "aggregate", "value_title", "band"},
    )
    if not _IDENTIFIER.match(card_id):
        raise DefinitionError(f"{where}: ids are lowercase identifiers")
    if raw["chart"] not in CHARTS:
        raise DefinitionError(f"{where}: unknown chart {raw['chart']!r}; known: {CHARTS}")
    if raw["query"] not in queries:
        raise DefinitionError(f"{where}: no query dashboards/queries/{raw['query']}.sql")
    dimensions = tuple(
        Dimension(d["column"], d["title"], d.get("format", "text")) for d in raw["dimensions"]
    )
    measures = tuple(_measure(m, where) for m in raw["measures"])
    filters = dict(raw.get("filters") or {})
    stray = sorted(set(filters) - set(dashboard_filters))
    if stray:
        raise DefinitionError(f"{where}: filters {stray} are not offered by the dashboard")
    names = [d.column for d in dimensions] + [m.name for m in measures]
    for item in (*dimensions, *measures):
        if item.format not in FORMATS:
            raise DefinitionError(f"{where}: unknown format {item.format!r}; known: {FORMATS}")
    for column in [*names, *filters.values()]:
        if not _IDENTIFIER.match(column):
            raise DefinitionError(f"{where}: {column!r} is not a column name")
    sort = tuple(
        SortKey(key.removeprefix("-"), key.startswith("-")) for key in raw.get("sort") or ()
    )
    for key in sort:
        if key.column not in names:
            raise DefinitionError(f"{where}: sorts by {key.column!r}, which it does not show")
    layout = Layout(**raw["layout"])
    chart = raw["chart"]
    aggregate = bool(raw.get("aggregate", True))
    if chart == "kpi" and (dimensions or len(measures) != 1):
        raise DefinitionError(f"{where}: a kpi shows one measure and no dimension")
    if (
        chart in ("line", "area", "bar", "stacked_bar", "row", "map")
        and not 1 <= len(dimensions) <= 2
    ):
        raise DefinitionError(f"{where}: a {chart} chart has one or two dimensions")
    if chart == "heatmap" and (len(dimensions) != 2 or len(measures) != 1):
        raise DefinitionError(f"{where}: a heatmap has two dimensions and one measure")
    if chart == "map" and dimensions[0].format != "state":
        raise DefinitionError(f"{where}: a map's first dimension is a state (format: state)")
    if not aggregate and any(m.ratio or m.column != m.name for m in measures):
        raise DefinitionError(f"{where}: a card that does not aggregate shows columns as they are")
    if aggregate:
        grouped = {d.column for d in dimensions} | set(filters.values())
        functions: dict[str, set[str]] = {}
        for measure in measures:
            for column in measure.inputs:
                functions.setdefault(column, set()).add(
                    "sum" if measure.ratio else measure.aggregation
                )
        if grouped & set(functions):
            raise DefinitionError(
                f"{where}: measures aggregate {sorted(grouped & set(functions))}, "
                "which the card also groups or filters by"
            )
        if any(len(used) > 1 for used in functions.values()):
            raise DefinitionError(f"{where}: a column is aggregated two ways")
    return Card(
        id=card_id,
        title=raw["title"],
        description=" ".join(raw["description"].split()),
        chart=chart,
        query=raw["query"],
        dimensions=dimensions,
        measures=measures,
        filters=filters,
        layout=layout,
        sort=sort,
        limit=raw.get("limit"),
        aggregate=aggregate,
        value_title=raw.get("value_title"),
        band=_band(raw.get("band"), chart, measures, where),
    )


def _band(raw: dict | None, chart: str, measures: tuple[Measure, ...], where: str) -> Band | None:
    if raw is None:
        return None
    _expect_keys(raw, {"lower", "upper", "around", "title"}, where)
    band = Band(**raw)
    names = {m.name for m in measures}
    if chart != "line" or not {band.lower, band.upper, band.around} <= names:
        raise DefinitionError(f"{where}: a band is three measures of a line chart")
    return band


def _measure(raw: dict, where: str) -> Measure:
    _expect_keys(
        raw, {"title", "format"}, where, optional={"column", "name", "ratio", "aggregation"}
    )
    ratio = tuple(raw["ratio"]) if raw.get("ratio") else None
    if bool(ratio) == bool(raw.get("column")):
        raise DefinitionError(f"{where}: measure {raw['title']!r} has a column or a ratio")
    if ratio and (len(ratio) != 2 or not raw.get("name")):
        raise DefinitionError(f"{where}: a ratio has two columns and a name")
    aggregation = raw.get("aggregation", "sum")
    if aggregation not in AGGREGATIONS:
        raise DefinitionError(f"{where}: unknown aggregation {aggregation!r}")
    return Measure(
        name=raw.get("name") or raw["column"],
        title=raw["title"],
        format=raw["format"],
        aggregation=aggregation,
        column=raw.get("column"),
        ratio=ratio,  # type: ignore[arg-type]
    )


def _check_layout(cards: tuple[Card, ...], where: str) -> None:
    taken: dict[tuple[int, int], str] = {}
    for card in cards:
        box = card.layout
        if box.col < 0 or box.width < 1 or box.col + box.width > GRID_COLUMNS or box.height < 1:
            raise DefinitionError(
                f"{where}, card {card.id}: outside the {GRID_COLUMNS}-column grid"
            )
        for row in range(box.row, box.row + box.height):
            for col in range(box.col, box.col + box.width):
                if (row, col) in taken:
                    raise DefinitionError(
                        f"{where}: cards {taken[(row, col)]} and {card.id} overlap"
                    )
                taken[(row, col)] = card.id


def _expect_keys(raw: dict, required: set[str], where: str, optional: set[str] = frozenset()):
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: expected a mapping")
    missing = sorted(required - raw.keys())
    unknown = sorted(raw.keys() - required - optional)
    if missing or unknown:
        raise DefinitionError(f"{where}: missing keys {missing}, unknown keys {unknown}")
