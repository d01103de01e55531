"""Provision the dashboards into Metabase through its REST API, idempotently.

``provision()`` reads the state of a Metabase instance and brings it to what ``dashboards/``
defines, in order: the warehouse's database connection, a collection at the root, the Brazil
states region map (the ``custom-geojson`` setting), one native question per card and one
dashboard per definition. An object that matches is left alone (GET only); a difference is sent
with PUT, a missing object with POST. Cards and dashboards that a definition named before but no
longer does are archived, never deleted, so their history stays in Metabase's trash.

Each question and dashboard carries its definition's id in a last line of its description
("Defined as code in dashboards/kpi_overview.yml, card kpi_revenue."): that, not the title, is
what ties it to its definition, so a renamed card is updated in place, and two cards of different
dashboards may share a title. An object without that line is adopted by its name the first time.

Metabase has no heatmap: a heatmap card becomes a table pivoted on its second dimension, with a
colour scale on the measure. A ``state`` column shows the UF code (Metabase cannot rename the
values of a native query's column); the region map joins on it.

The requests and responses follow Metabase v0.52's API reference and source (v0.50 and later:
``PUT /api/dashboard/:id`` with ``dashcards``, negative ids for new dashcards, ``GET
/api/database`` answering ``{"data": [...]}``). Questions are sent in the legacy native
``dataset_query`` form that v0.50 to v0.56 store; their state is read in that form or in the
MBQL 5 form (``stages``) that v0.57 answers with. GET never shows the warehouse's password
(Metabase answers ``**MetabasePass**``), so a changed password alone is not detected: it is sent
again whenever the connection changes otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from olist_pipeline.dashboards import definitions as defs
from olist_pipeline.settings import MissingSetting, PipelineSettings

ENGINES = {"postgresql": "postgres", "postgres": "postgres", "redshift": "redshift"}
DEFAULT_PORTS = {"postgres": 5432, "redshift": 5439}
DIALECTS = {"postgres": "postgres", "redshift": "redshift"}

REGION_KEY = "brazil_states"
REGION = {"name": "Brazil states", "region_key": "uf", "region_name": "name"}

DISPLAYS = {
    "kpi": "scalar",
    "line": "line",
    "area": "area",
    "bar": "bar",
    "stacked_bar": "bar",
    "row": "row",
    "map": "map",
    "table": "table",
    "heatmap": "table",
    "scatter": "scatter",
}
_GRAPHS = ("line", "area", "bar", "stacked_bar", "row")

# pt-BR numbers: "," for decimals, "." between thousands.
_NUMBER = {"number_separators": ",."}
FORMAT_SETTINGS: dict[str, dict[str, Any]] = {
    "brl": {
        **_NUMBER,
        "number_style": "currency",
        "currency": "BRL",
        "currency_style": "symbol",
        "decimals": 2,
    },
    "percent": {**_NUMBER, "number_style": "percent", "decimals": 1},
    "integer": {**_NUMBER, "number_style": "decimal", "decimals": 0},
    "decimal": {**_NUMBER, "number_style": "decimal", "decimals": 2},
    "days": {**_NUMBER, "number_style": "decimal", "decimals": 1, "suffix": " days"},
    "date": {"date_style": "D/M/YYYY", "date_separator": "/"},
    # A native column has no time unit, so Metabase uses a style it does not know as the
    # moment.js format itself: "Nov 2017".
    "month": {"date_style": "MMM YYYY", "date_abbreviate": True},
    "state": {},
    "text": {},
}

TAG_TYPES = {"date_from": "date", "date_to": "date", "state": "text", "category": "text"}
# The type of the parameter Metabase's editor gives a card for each kind of template tag.
CARD_PARAMETER_TYPES = {"date": "date/single", "text": "category"}
VARIABLE_TITLES = {
    "date_from": "From",
    "date_to": "To",
    "state": defs.FILTER_KINDS["state"].title,
    "category": defs.FILTER_KINDS["category"].title,
}
DASHBOARD_PARAMETER_TYPES = {
    "date_from": ("date/single", "date"),
    "date_to": ("date/single", "date"),
    "state": ("string/=", "string"),
    "category": ("string/=", "string"),
}
# Stable template-tag ids: random ones would make every run differ from the last.
_TAG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "olist-dashboards/metabase/template-tags")

_MARKER = re.compile(
    r"Defined as code in dashboards/(?P<file>[\w.-]+)\.yml(?:, card (?P<card>[a-z][a-z0-9_]*))?\."
)
COLLECTION_DESCRIPTION = (
    "Dashboards defined as code in the repository's dashboards/ folder; "
    "changes made here are overwritten by the next provisioning."
)


class MetabaseError(RuntimeError):
    """A request Metabase refused or could not answer; the message names it."""


# --- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    """The warehouse as Metabase reaches it, from ``METABASE_WAREHOUSE_URL``."""

    engine: str
    host: str
    port: int
    dbname: str
    user: str
    password: str = field(repr=False)
    sslmode: str | None = None

    @classmethod
    def from_url(cls, url: str) -> Warehouse:
        parts = urlsplit(url)
        engine = ENGINES.get(parts.scheme)
        if engine is None:
            raise ValueError(
                f"METABASE_WAREHOUSE_URL: scheme {parts.scheme!r} is not one of "
                f"{', '.join(sorted(ENGINES))}"
            )
        dbname = unquote(parts.path.lstrip("/"))
        if not (parts.hostname and dbname and parts.username):
            raise ValueError(
                "METABASE_WAREHOUSE_URL must name a user, a host and a database: "
                f"{parts.scheme}://user:password@host:port/database"
            )
        sslmode = parse_qs(parts.query).get("sslmode", [None])[0]
        return cls(
            engine=engine,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[engine],
            dbname=dbname,
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            sslmode=sslmode,
        )

    @property
    def dialect(self) -> str:
        return DIALECTS[self.engine]

    def details(self) -> dict[str, Any]:
        """The connection's ``details`` as Metabase's driver names them."""
        # Redshift's driver calls the database "db" and always connects with SSL.
        if self.engine == "redshift":
            return {
                "host": self.host,
                "port": self.port,
                "db": self.dbname,
                "user": self.user,
                "password": self.password,
                "ssl": True,
            }
        details = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "password": self.password,
            "ssl": self.sslmode not in (None, "disable", "allow", "prefer"),
        }
        if details["ssl"]:
            details["ssl-mode"] = self.sslmode
        return details


@dataclass(frozen=True)
class MetabaseSettings:
    """Where Metabase is, who provisions it, and what it must reach.

    Metabase fetches ``geojson_url`` itself and refuses an address that is local or private
    (loopback, link-local, 10/8, 172.16/12, 192.168/16): the GeoJSON must be public.
    """

    url: str
    user: str
    password: str = field(repr=False)
    collection: str
    database_name: str
    warehouse: Warehouse
    geojson_url: str

    @classmethod
    def from_env(cls) -> MetabaseSettings:
        required = (
            "METABASE_URL",
            "METABASE_USER",
            "METABASE_PASSWORD",
            "METABASE_WAREHOUSE_URL",
            "METABASE_GEOJSON_URL",
        )
        values = {name: os.environ.get(name, "").strip() for name in required}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise MissingSetting(
                f"{', '.join(missing)} must be set to provision Metabase (see .env.example)"
            )
        for name in ("METABASE_URL", "METABASE_GEOJSON_URL"):
            if urlsplit(values[name]).scheme not in ("http", "https"):
                raise ValueError(f"{name} must be an http:// or https:// URL")
        return cls(
            url=values["METABASE_URL"].rstrip("/"),
            user=values["METABASE_USER"],
            password=values["METABASE_PASSWORD"],
            collection=os.environ.get("METABASE_COLLECTION", "").strip() or "Olist marketplace",
            database_name=(
                os.environ.get("METABASE_DATABASE_NAME", "").strip() or "Olist warehouse"
            ),
            warehouse=Warehouse.from_url(values["METABASE_WAREHOUSE_URL"]),
            geojson_url=values["METABASE_GEOJSON_URL"],
        )


# --- HTTP -------------------------------------------------------------------------------------


class MetabaseClient:
    """JSON over HTTP with a Metabase session; errors name the request, never a secret."""

    def __init__(self, url: str, *, timeout: tuple[float, float] = (10, 120)):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Content-Type"] = "application/json"
        self._secrets: list[str] = []

    def hide(self, *secrets: str) -> None:
        """Never show these strings in an error message."""
        self._secrets.extend(s for s in secrets if s)

    def login(self, user: str, password: str) -> None:
        self.hide(password)
        session = self.request("POST", "/api/session", {"username": user, "password": password})
        self.http.headers["X-Metabase-Session"] = session["id"]

    def get(self, path: str, **params: str) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: dict) -> Any:
        return self.request("PUT", path, body)

    def request(
        self, method: str, path: str, body: dict | None = None, *, params: dict | None = None
    ) -> Any:
        try:
            response = self.http.request(
                method, self.url + path, json=body, params=params, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise MetabaseError(
                self._scrub(f"{method} {path}: no answer from {self.url} ({error})")
            ) from None
        if response.status_code >= 400:
            message = f"{method} {path} -> {response.status_code}: {_error_message(response)}"
            if path == "/api/session" and response.status_code in (400, 401):
                message += " (check METABASE_USER and METABASE_PASSWORD)"
            raise MetabaseError(self._scrub(message))
        if not response.content:
            return None
        return response.json()

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict) and errors:
            return "; ".join(f"{key}: {value}" for key, value in errors.items())
        if body.get("message"):
            return str(body["message"])
    return json.dumps(body)[:500]


# --- the report -------------------------------------------------------------------------------


@dataclass
class ProvisionReport:
    """What a run did, each entry "kind name" (``card Revenue by month``)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(
            f"{len(getattr(self, name))} {name}"
            for name in ("created", "updated", "unchanged", "archived")
        )
        lines = [f"Metabase: {counts}"]
        for name in ("created", "updated", "archived"):
            lines += [f"  {name:<9} {entry}" for entry in getattr(self, name)]
        return "\n".join(lines)

    def record(self, outcome: str, entry: str) -> None:
        getattr(self, outcome).append(entry)


# --- what the definitions want ----------------------------------------------------------------


def marker(dashboard: defs.Dashboard, card: defs.Card | None = None) -> str:
    """The description's last line, which ties a Metabase object to its definition."""
    where = f"dashboards/{dashboard.id}.yml" + (f", card {card.id}" if card else "")
    return f"Defined as code in {where}."


def _managed_id(description: str | None) -> tuple[str | None, str | None]:
    """(dashboard id, card id) from an object's marker line, or (None, None)."""
    match = _MARKER.search(description or "")
    return (match["file"], match["card"]) if match else (None, None)


def card_variables(card: defs.Card) -> list[str]:
    return [v for kind in card.filters for v in defs.FILTER_KINDS[kind].variables]


def template_tags(card: defs.Card) -> dict[str, dict[str, Any]]:
    return {
        variable: {
            "id": str(uuid.uuid5(_TAG_NAMESPACE, f"{card.id}/{variable}")),
            "name": variable,
            "display-name": VARIABLE_TITLES[variable],
            "type": TAG_TYPES[variable],
            "required": False,
        }
        for variable in card_variables(card)
    }


def card_parameters(tags: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": tag["id"],
            "type": CARD_PARAMETER_TYPES[tag["type"]],
            "target": ["variable", ["template-tag", name]],
            "name": tag["display-name"],
            "slug": name,
        }
        for name, tag in tags.items()
    ]


def _column_key(column: str) -> str:
    # Metabase keys a column's settings by the JSON of its reference, without spaces.
    return json.dumps(["name", column], separators=(",", ":"))


def visualization_settings(card: defs.Card) -> dict[str, Any]:
    columns = [(d.column, d.title, d.format) for d in card.dimensions]
    columns += [(m.name, m.title, m.format) for m in card.measures]
    settings: dict[str, Any] = {
        "column_settings": {
            _column_key(name): {"column_title": title, **FORMAT_SETTINGS[fmt]}
            for name, title, fmt in columns
        }
    }
    dimensions = [d.column for d in card.dimensions]
    measures = [m.name for m in card.measures]
    if card.chart in _GRAPHS:
        settings |= {
            "graph.dimensions": dimensions,
            "graph.metrics": measures,
            "graph.x_axis.title_text": card.dimensions[0].title,
            "graph.y_axis.title_text": card.value_title
            or " / ".join(m.title for m in card.measures),
        }
        if card.chart == "stacked_bar":
            settings["stackable.stack_type"] = "stacked"
    elif card.chart == "map":
        settings |= {
            "map.type": "region",
            "map.region": REGION_KEY,
            "map.dimension": dimensions[0],
            "map.metric": measures[0],
        }
    elif card.chart == "scatter":
        x, y, *size = card.measures
        settings |= {
            "graph.dimensions": [x.name],
            "graph.metrics": [y.name],
            "graph.x_axis.title_text": x.title,
            "graph.y_axis.title_text": y.title,
        }
        if size:
            settings["scatter.bubble"] = size[0].name
    elif card.chart == "heatmap":
        settings |= {
            "table.pivot": True,
            "table.pivot_column": dimensions[1],
            "table.cell_column": measures[0],
            "table.column_formatting": [
                {
                    "id": 0,
                    "type": "range",
                    "columns": [measures[0]],
                    "colors": ["#FFFFFF", "#509EE3"],
                    "operator": "=",
                    "value": "",
                    "color": "#509EE3",
                    "highlight_row": False,
                }
            ],
        }
    return settings


def card_payload(
    dashboard: defs.Dashboard,
    card: defs.Card,
    sql: str,
    database_id: int,
    collection_id: int,
) -> dict[str, Any]:
    tags = template_tags(card)
    return {
        "name": card.title,
        "description": f"{card.description}\n\n{marker(dashboard, card)}",
        "display": DISPLAYS[card.chart],
        "type": "question",
        "collection_id": collection_id,
        "dataset_query": {
            "type": "native",
            "database": database_id,
            "native": {"query": sql, "template-tags": tags},
        },
        "parameters": card_parameters(tags),
        "visualization_settings": visualization_settings(card),
    }


def dashboard_parameters(dashboard: defs.Dashboard) -> list[dict[str, Any]]:
    parameters = []
    for kind in dashboard.filters:
        for variable in defs.FILTER_KINDS[kind].variables:
            kind_type, section = DASHBOARD_PARAMETER_TYPES[variable]
            parameters.append(
                {
                    "id": variable,
                    "name": VARIABLE_TITLES[variable],
                    "slug": variable,
                    "type": kind_type,
                    "sectionId": section,
                }
            )
    return parameters


def dashcard(card: defs.Card, card_id: int) -> dict[str, Any]:
    box = card.layout
    return {
        "card_id": card_id,
        "row": box.row,
        "col": box.col,
        "size_x": box.width,
        "size_y": box.height,
        "parameter_mappings": [
            {
                "parameter_id": variable,
                "card_id": card_id,
                "target": ["variable", ["template-tag", variable]],
            }
            for variable in card_variables(card)
        ],
    }


# --- comparing --------------------------------------------------------------------------------


def _matches(actual: Any, desired: Any) -> bool:
    """Whether ``actual`` holds everything ``desired`` says; keys Metabase adds are ignored."""
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(
            key in actual and _matches(actual[key], value) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(desired)
            and all(_matches(a, d) for a, d in zip(actual, desired, strict=True))
        )
    return actual == desired


def native_query(dataset_query: dict | None) -> dict[str, Any]:
    """``{"database", "query", "template-tags"}`` of a legacy or an MBQL 5 native query."""
    dataset_query = dataset_query or {}
    if "stages" in dataset_query:
        stage = (dataset_query.get("stages") or [{}])[0]
        sql, tags = stage.get("native"), stage.get("template-tags") or {}
    else:
        native = dataset_query.get("native") or {}
        sql, tags = native.get("query"), native.get("template-tags") or {}
    if isinstance(tags, list):
        tags = {tag.get("name"): tag for tag in tags}
    return {"database": dataset_query.get("database"), "query": sql, "template-tags": tags}


def card_matches(actual: dict, desired: dict) -> bool:
    simple = {k: v for k, v in desired.items() if k not in ("dataset_query", "type")}
    if not _matches(actual, simple) or actual.get("archived"):
        return False
    return _matches(
        native_query(actual.get("dataset_query")), native_query(desired["dataset_query"])
    )


def _layout(dashcards: list[dict]) -> list[dict]:
    keys = ("card_id", "row", "col", "size_x", "size_y", "parameter_mappings")
    return sorted(
        ({key: d.get(key) for key in keys} for d in dashcards),
        key=lambda d: (d["row"], d["col"]),
    )


def dashboard_matches(actual: dict, desired: dict, dashcards: list[dict]) -> bool:
    return (
        not actual.get("archived")
        and _matches(actual, desired)
        and not actual.get("tabs")
        and _matches(_layout(actual.get("dashcards") or []), _layout(dashcards))
    )


# --- provisioning -----------------------------------------------------------------------------


def provision(
    definitions: defs.Definitions,
    settings: MetabaseSettings,
    client: MetabaseClient | None = None,
) -> ProvisionReport:
    """Bring Metabase to the definitions' state; see the module's docstring."""
    client = client or MetabaseClient(settings.url)
    client.hide(settings.password, settings.warehouse.password)
    client.login(settings.user, settings.password)
    run = _Run(client, settings, ProvisionReport())
    database_id = run.database()
    collection_id = run.collection()
    run.region_map()
    card_ids = run.cards(definitions, database_id, collection_id)
    run.dashboards(definitions, card_ids, collection_id)
    return run.report


@dataclass
class _Run:
    client: MetabaseClient
    settings: MetabaseSettings
    report: ProvisionReport
    # The collection's cards that no definition claimed, archived after the dashboards.
    stale_cards: dict[str, list[dict]] = field(default_factory=dict)

    def database(self) -> int:
        name, warehouse = self.settings.database_name, self.settings.warehouse
        desired = {"name": name, "engine": warehouse.engine, "details": warehouse.details()}
        listing = self.client.get("/api/database")
        databases = listing["data"] if isinstance(listing, dict) else listing
        found = next((d for d in databases if d["name"] == name), None)
        entry = f"database {name}"
        if found is None:
            database_id = self.client.post("/api/database", desired)["id"]
            outcome = "created"
        else:
            database_id = found["id"]
            actual = self.client.get(f"/api/database/{database_id}")
            # GET answers "**MetabasePass**" for the password: compare everything else.
            visible = desired | {
                "details": {k: v for k, v in desired["details"].items() if k != "password"}
            }
            if _matches(actual, visible):
                self.report.unchanged.append(entry)
                return database_id
            self.client.put(f"/api/database/{database_id}", desired)
            outcome = "updated"
        # Metabase learns the warehouse's tables and columns (the SQL editor's completion).
        self.client.post(f"/api/database/{database_id}/sync_schema")
        self.report.record(outcome, entry)
        return database_id

    def collection(self) -> int:
        name = self.settings.collection
        desired = {"name": name, "description": COLLECTION_DESCRIPTION}
        items = self.client.get("/api/collection/root/items", models="collection")["data"]
        found = next((c for c in items if c["name"] == name and not c.get("archived")), None)
        entry = f"collection {name}"
        if found is None:
            self.report.created.append(entry)
            return self.client.post("/api/collection", desired)["id"]
        if _matches(self.client.get(f"/api/collection/{found['id']}"), desired):
            self.report.unchanged.append(entry)
        else:
            self.client.put(f"/api/collection/{found['id']}", desired)
            self.report.updated.append(entry)
        return found["id"]

    def region_map(self) -> None:
        desired = {**REGION, "url": self.settings.geojson_url}
        current = self.client.get("/api/setting/custom-geojson") or {}
        entry = f"region map {REGION['name']}"
        if _matches(current.get(REGION_KEY), desired):
            self.report.unchanged.append(entry)
            return
        # The setting is one JSON map: keep every other custom region, leave out the built-in
        # ones (Metabase adds them to what GET answers and refuses them in what PUT sends).
        others = {
            key: value
            for key, value in current.items()
            if key != REGION_KEY and not value.get("builtin")
        }
        self.client.put("/api/setting/custom-geojson", {"value": {**others, REGION_KEY: desired}})
        self.report.record("updated" if REGION_KEY in current else "created", entry)

    def _items(self, collection_id: int, model: str) -> dict[str, list[dict]]:
        """The collection's cards or dashboards as GET answers them, active ones first, by the
        definition id they carry (``name:<name>`` for those that carry none)."""
        items: dict[str, list[dict]] = {}
        for archived in ("false", "true"):
            listing = self.client.get(
                f"/api/collection/{collection_id}/items", models=model, archived=archived
            )
            for item in listing["data"]:
                # The full object: it is compared with the definition anyway.
                full = self.client.get(f"/api/{model}/{item['id']}")
                dashboard_id, card_id = _managed_id(full.get("description"))
                managed = card_id if model == "card" else dashboard_id
                full = {**full, "archived": archived == "true", "managed": managed}
                items.setdefault(managed or f"name:{full['name']}", []).append(full)
        return items

    def _claim(self, items: dict[str, list[dict]], key: str, name: str) -> dict | None:
        for candidates in (items.get(key), items.get(f"name:{name}")):
            if candidates:
                return candidates.pop(0)
        return None

    def cards(
        self, definitions: defs.Definitions, database_id: int, collection_id: int
    ) -> dict[str, int]:
        items = self._items(collection_id, "card")
        ids: dict[str, int] = {}
        for dashboard in definitions.dashboards:
            for card in dashboard.cards:
                query = definitions.query_sql(card.query)
                sql, _ = defs.card_sql(card, query, metabase=True)
                desired = card_payload(dashboard, card, sql, database_id, collection_id)
                ids[card.id] = self._card(card, desired, items)
        self.stale_cards = items
        return ids

    def _card(self, card: defs.Card, desired: dict, items: dict[str, list[dict]]) -> int:
        entry = f"card {card.title} [{card.id}]"
        found = self._claim(items, card.id, card.title)
        if found is None:
            self.report.created.append(entry)
            return self.client.post("/api/card", desired)["id"]
        if card_matches(found, desired):
            self.report.unchanged.append(entry)
        else:
            self.client.put(f"/api/card/{found['id']}", {**desired, "archived": False})
            self.report.updated.append(entry)
        return found["id"]

    def dashboards(
        self, definitions: defs.Definitions, card_ids: dict[str, int], collection_id: int
    ) -> None:
        items = self._items(collection_id, "dashboard")
        for dashboard in definitions.dashboards:
            desired = {
                "name": dashboard.title,
                "description": f"{dashboard.description}\n\n{marker(dashboard)}",
                "collection_id": collection_id,
                "parameters": dashboard_parameters(dashboard),
            }
            dashcards = [dashcard(card, card_ids[card.id]) for card in dashboard.cards]
            entry = f"dashboard {dashboard.title}"
            found = self._claim(items, dashboard.id, dashboard.title)
            if found is None:
                dashboard_id = self.client.post("/api/dashboard", desired)["id"]
                self._put_dashboard(dashboard_id, desired, dashcards, current=[])
                self.report.created.append(entry)
                continue
            if dashboard_matches(found, desired, dashcards):
                self.report.unchanged.append(entry)
                continue
            if found["archived"]:
                # Metabase refuses new dashcards on an archived dashboard: restore it first.
                self.client.put(f"/api/dashboard/{found['id']}", {"archived": False})
            current = found.get("dashcards") or []
            self._put_dashboard(found["id"], desired, dashcards, current)
            self.report.updated.append(entry)
        # After the dashboards, so that none of them still shows a card being archived.
        self._archive("dashboard", items)
        self._archive("card", self.stale_cards)

    def _put_dashboard(
        self, dashboard_id: int, desired: dict, dashcards: list[dict], current: list[dict]
    ) -> None:
        """Replace the dashboard's layout: an existing dashcard of the same question keeps its
        id (and whatever a user set on it), a new one gets a negative id, the rest go."""
        free: dict[int, list[int]] = {}
        for existing in current:
            free.setdefault(existing.get("card_id"), []).append(existing["id"])
        new_ids = iter(range(-1, -len(dashcards) - 1, -1))
        layout = [
            {"id": (free.get(d["card_id"]) or [next(new_ids)]).pop(0), **d} for d in dashcards
        ]
        self.client.put(
            f"/api/dashboard/{dashboard_id}",
            {**desired, "archived": False, "dashcards": layout, "tabs": []},
        )

    def _archive(self, kind: str, items: dict[str, list[dict]]) -> None:
        """Archive what a definition made and none names any more; objects made by hand in
        the collection are left alone."""
        for candidates in items.values():
            for item in candidates:
                if item["managed"] and not item["archived"]:
                    self.client.put(f"/api/{kind}/{item['id']}", {"archived": True})
                    label = f" [{item['managed']}]" if kind == "card" else ""
                    self.report.archived.append(f"{kind} {item['name']}{label}")


# --- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Provision from the environment's settings; print the report, or the error and 1."""
    pipeline = PipelineSettings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m olist_pipeline.dashboards metabase",
        description="Create or update the dashboards of dashboards/ in Metabase.",
    )
    parser.add_argument(
        "--dashboards",
        type=Path,
        default=pipeline.dashboards_dir,
        help="the definitions folder (default: DASHBOARDS_DIR, or dashboards/)",
    )
    args = parser.parse_args(argv)
    try:
        settings = MetabaseSettings.from_env()
        definitions = defs.load(args.dashboards)
        report = provision(definitions, settings)
    except (MissingSetting, ValueError, MetabaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0
