"""A Metabase stand-in for the tests: an HTTP server in a thread, with state and a request log.

It implements the endpoints ``olist_pipeline.dashboards.metabase`` uses, with Metabase's
documented validation: 400 with ``{"errors": {...}, "specific-errors": {...}}`` for a missing or
malformed field, 401 for a refused login or an unknown session, 404 for a missing or archived
object, the GeoJSON URL rules of the ``custom-geojson`` setting, and ``PUT /api/dashboard/:id``'s
layout replacement (negative ids create dashcards, absent ones are deleted). Responses start from
the shapes in ``metabase_api/*.json``. ``mbql5=True`` answers questions' queries in Metabase
v0.57's MBQL 5 form instead of the legacy one.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import itertools
import json
import random
import re
import string
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHAPES = Path(__file__).with_name("metabase_api")
REDACTED = "**MetabasePass**"
ENGINES = {
    "h2": ("db",),
    "postgres": ("host", "dbname", "user"),
    "redshift": ("host", "db", "user"),
}
TAG_TYPES = {"text", "number", "date", "dimension", "snippet", "card", "temporal-unit"}


def shape(name: str) -> Any:
    return json.loads((SHAPES / f"{name}.json").read_text(encoding="utf-8"))


ERRORS = shape("errors")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


class ApiError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(status)
        self.status, self.body = status, body


def invalid(**errors: str) -> ApiError:
    """Metabase's answer to a request whose parameters fail its schema."""
    return ApiError(
        400,
        {"errors": errors, "specific-errors": {key: [value] for key, value in errors.items()}},
    )


def not_found() -> ApiError:
    return ApiError(404, ERRORS["not_found_404"])


def _non_blank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class FakeMetabase:
    def __init__(self, users: dict[str, str] | None = None, *, mbql5: bool = False):
        self.users = users or {"admin@example.com": "correct horse battery staple"}
        self.mbql5 = mbql5
        self.sessions: set[str] = set()
        self.calls: list[Call] = []
        self.databases = {d["id"]: d for d in shape("database_list")["data"]}
        self.collections: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.dashboards: dict[int, dict] = {}
        self.custom_geojson: dict[str, dict] = {}
        self.synced: list[int] = []
        self._ids = {
            kind: itertools.count(start)
            for kind, start in [
                ("database", 2),
                ("collection", 4),
                ("card", 12),
                ("dashboard", 3),
                ("dashcard", 21),
            ]
        }
        self._random = random.Random(7)
        self._clock = itertools.count()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- the server ---------------------------------------------------------------------------

    def __enter__(self) -> FakeMetabase:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = fake.handle(
                    self.command, self.path, raw, self.headers.get("X-Metabase-Session")
                )
                if body is None:
                    self.send_response(status)
                    self.end_headers()
                    return
                is_text = isinstance(body, str)
                payload = (body if is_text else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/plain" if is_text else "application/json;charset=utf-8"
                )
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- the log ------------------------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method)
            and (path is None or re.fullmatch(path, c.path))
        ]

    def writes(self) -> list[Call]:
        """Every request but the reads and the login."""
        return [c for c in self.calls if c.method != "GET" and c.path != "/api/session"]

    # --- dispatch -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, raw: bytes, token: str | None) -> tuple[int, Any]:
        parts = urlsplit(target)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        path = parts.path.rstrip("/") or "/"
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            try:
                status, answer = self._route(method, path, query, body, token)
            except ApiError as error:
                status, answer = error.status, error.body
            self.calls.append(Call(method, path, query, body, status))
        return status, answer

    def _route(self, method, path, query, body, token) -> tuple[int, Any]:
        if (method, path) == ("POST", "/api/session"):
            return 200, self._login(body or {})
        if token not in self.sessions:
            raise ApiError(401, ERRORS["session_401"])
        routes = [
            ("GET", r"/api/database", self._databases),
            ("POST", r"/api/database", self._create_database),
            ("GET", r"/api/database/(\d+)", self._database),
            ("PUT", r"/api/database/(\d+)", self._update_database),
            ("POST", r"/api/database/(\d+)/sync_schema", self._sync),
            ("GET", r"/api/collection/root/items", self._root_items),
            ("POST", r"/api/collection", self._create_collection),
            ("GET", r"/api/collection/(\d+)", self._collection),
            ("PUT", r"/api/collection/(\d+)", self._update_collection),
            ("GET", r"/api/collection/(\d+)/items", self._items),
            ("GET", r"/api/setting/custom-geojson", self._geojson),
            ("PUT", r"/api/setting/custom-geojson", self._set_geojson),
            ("POST", r"/api/card", self._create_card),
            ("GET", r"/api/card/(\d+)", self._card),
            ("PUT", r"/api/card/(\d+)", self._update_card),
            ("POST", r"/api/dashboard", self._create_dashboard),
            ("GET", r"/api/dashboard/(\d+)", self._dashboard),
            ("PUT", r"/api/dashboard/(\d+)", self._update_dashboard),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                args = [int(group) for group in match.groups()]
                return handler(*args, query=query, body=body or {})
        raise not_found()

    def _stamp(self) -> str:
        moment = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC) + dt.timedelta(
            seconds=next(self._clock)
        )
        return moment.isoformat().replace("+00:00", "Z")

    def _entity_id(self) -> str:
        alphabet = string.ascii_letters + string.digits + "_-"
        return "".join(self._random.choice(alphabet) for _ in range(21))

    # --- session ------------------------------------------------------------------------------

    def _login(self, body: dict) -> dict:
        errors = {
            key: "value must be a non-blank string."
            for key in ("username", "password")
            if not _non_blank(body.get(key))
        }
        if errors:
            raise invalid(**errors)
        if self.users.get(body["username"]) != body["password"]:
            raise ApiError(401, ERRORS["login_401"])
        session = {**shape("session"), "id": str(uuid.uuid4())}
        self.sessions.add(session["id"])
        return session

    # --- databases ----------------------------------------------------------------------------

    def _public_database(self, database: dict) -> dict:
        answer = copy.deepcopy(database)
        if "password" in answer["details"]:
            answer["details"]["password"] = REDACTED
        return answer

    def _databases(self, *, query, body):
        data = [self._public_database(d) for d in self.databases.values()]
        return 200, {"data": data, "total": len(data)}

    def _database(self, database_id, *, query, body):
        if database_id not in self.databases:
            raise not_found()
        return 200, self._public_database(self.databases[database_id])

    def _check_connection(self, engine: str, details: dict) -> None:
        """Metabase connects before it saves; here, the driver's required details must be set."""
        missing = [key for key in ENGINES[engine] if not details.get(key)]
        if missing:
            raise ApiError(400, ERRORS["database_connection_400"])

    def _create_database(self, *, query, body):
        errors = {}
        if body.get("engine") not in ENGINES:
            errors["engine"] = "value must be a valid database engine."
        if not _non_blank(body.get("name")):
            errors["name"] = "value must be a non-blank string."
        if not isinstance(body.get("details"), dict):
            errors["details"] = "Value must be a map."
        if errors:
            raise invalid(**errors)
        self._check_connection(body["engine"], body["details"])
        database = {
            **shape("database"),
            "id": next(self._ids["database"]),
            "entity_id": self._entity_id(),
            "name": body["name"],
            "engine": body["engine"],
            "details": dict(body["details"]),
            "created_at": self._stamp(),
        }
        database["updated_at"] = database["created_at"]
        self.databases[database["id"]] = database
        return 200, self._public_database(database)

    def _update_database(self, database_id, *, query, body):
        if database_id not in self.databases:
            raise not_found()
        database = self.databases[database_id]
        if "name" in body and not _non_blank(body["name"]):
            raise invalid(name="nullable value must be a non-blank string.")
        if "details" in body:
            details = dict(body["details"])
            if details.get("password") == REDACTED:
                details["password"] = database["details"].get("password")
            self._check_connection(body.get("engine", database["engine"]), details)
            database["details"] = details
        database.update({k: body[k] for k in ("name", "engine") if k in body})
        database["updated_at"] = self._stamp()
        return 200, self._public_database(database)

    def _sync(self, database_id, *, query, body):
        if database_id not in self.databases:
            raise not_found()
        self.synced.append(database_id)
        return 200, {"status": "ok"}

    # --- collections --------------------------------------------------------------------------

    def _listing(self, data: list[dict], models: list[str]) -> dict:
        return {**shape("collection_items"), "total": len(data), "data": data, "models": models}

    def _item_shape(self, model: str) -> dict:
        return next(i for i in shape("collection_items")["data"] if i["model"] == model)

    def _root_items(self, *, query, body):
        models = query.get("models", "collection").split(",")
        data = [
            {
                **self._item_shape("collection"),
                **{k: c[k] for k in ("id", "name", "description", "entity_id", "location")},
            }
            for c in self.collections.values()
            if c["location"] == "/" and not c["archived"] and "collection" in models
        ]
        return 200, self._listing(data, models)

    def _create_collection(self, *, query, body):
        if not _non_blank(body.get("name")):
            raise invalid(name="value must be a non-blank string.")
        if body.get("description") is not None and not _non_blank(body["description"]):
            raise invalid(description="nullable value must be a non-blank string.")
        collection = {
            **shape("collection"),
            "id": next(self._ids["collection"]),
            "entity_id": self._entity_id(),
            "name": body["name"],
            "slug": re.sub(r"\W+", "_", body["name"].lower()),
            "description": body.get("description"),
            "created_at": self._stamp(),
        }
        self.collections[collection["id"]] = collection
        return 200, copy.deepcopy(collection)

    def _collection(self, collection_id, *, query, body):
        if collection_id not in self.collections:
            raise not_found()
        return 200, copy.deepcopy(self.collections[collection_id])

    def _update_collection(self, collection_id, *, query, body):
        if collection_id not in self.collections:
            raise not_found()
        for key in ("name", "description"):
            if key in body and not _non_blank(body[key]):
                raise invalid(**{key: "nullable value must be a non-blank string."})
        self.collections[collection_id].update(
            {k: body[k] for k in ("name", "description", "archived") if k in body}
        )
        return 200, copy.deepcopy(self.collections[collection_id])

    def _items(self, collection_id, *, query, body):
        if collection_id not in self.collections:
            raise not_found()
        models = query.get("models", "card,dashboard").split(",")
        archived = query.get("archived", "false") == "true"
        data = []
        for model, objects in (("card", self.cards), ("dashboard", self.dashboards)):
            if model not in models:
                continue
            for obj in objects.values():
                if obj["collection_id"] == collection_id and obj["archived"] == archived:
                    item = self._item_shape(model)
                    keys = ("id", "name", "description", "entity_id", "archived")
                    item.update({k: obj[k] for k in keys})
                    if model == "card":
                        item.update(display=obj["display"], database_id=obj["database_id"])
                    data.append(item)
        return 200, self._listing(data, models)

    # --- custom GeoJSON -----------------------------------------------------------------------

    def _geojson(self, *, query, body):
        return 200, {**copy.deepcopy(self.custom_geojson), **shape("setting_custom_geojson")}

    def _set_geojson(self, *, query, body):
        builtin = shape("setting_custom_geojson")
        value = {k: v for k, v in (body.get("value") or {}).items() if k not in builtin}
        allowed = {"name", "url", "region_key", "region_name", "builtin"}
        for entry in value.values():
            if (
                not isinstance(entry, dict)
                or set(entry) - allowed
                or not _non_blank(entry.get("name"))
                or not _non_blank(entry.get("url"))
                or not {"region_key", "region_name"} <= set(entry)
            ):
                raise ApiError(400, ERRORS["geojson_invalid_400"])
        for key, entry in value.items():
            if self.custom_geojson.get(key, {}).get("url") != entry["url"] and not _external(
                entry["url"]
            ):
                raise ApiError(400, ERRORS["geojson_location_400"])
        self.custom_geojson = copy.deepcopy(value)
        return 204, None

    # --- cards --------------------------------------------------------------------------------

    def _check_card(self, body: dict, *, creating: bool) -> None:
        errors = {}
        for key in ("name", "display"):
            if (creating or key in body) and not _non_blank(body.get(key)):
                errors[key] = "value must be a non-blank string."
        for key in ("dataset_query", "visualization_settings"):
            if (creating or key in body) and not isinstance(body.get(key), dict):
                errors[key] = "Value must be a map."
        if body.get("description") is not None and not _non_blank(body["description"]):
            errors["description"] = "nullable value must be a non-blank string."
        if body.get("collection_id") is not None and not _positive(body["collection_id"]):
            errors["collection_id"] = "nullable value must be an integer greater than zero."
        for parameter in body.get("parameters") or []:
            if not {"id", "type"} <= set(parameter):
                errors["parameters"] = "parameter must be a map with :id and :type keys"
        if errors:
            raise invalid(**errors)
        if "dataset_query" in body:
            self._check_query(body["dataset_query"])
        if body.get("collection_id") is not None and body["collection_id"] not in self.collections:
            raise not_found()

    def _check_query(self, dataset_query: dict) -> None:
        if dataset_query.get("database") not in self.databases:
            raise invalid(dataset_query="the query's database does not exist")
        native = dataset_query.get("native") or {}
        sql, tags = native.get("query"), native.get("template-tags") or {}
        if dataset_query.get("type") != "native" or not _non_blank(sql):
            raise invalid(dataset_query="a native query has type native and a non-blank query")
        for name, tag in tags.items():
            if not (
                tag.get("name") == name
                and tag.get("type") in TAG_TYPES
                and _non_blank(tag.get("display-name"))
                and _non_blank(tag.get("id"))
            ):
                raise invalid(dataset_query=f"invalid template tag {name!r}")
        used = set(re.findall(r"\{\{\s*([\w.-]+)\s*\}\}", sql))
        if used - set(tags):
            raise invalid(dataset_query=f"no template tag for {sorted(used - set(tags))}")

    def _public_card(self, card: dict) -> dict:
        answer = copy.deepcopy(card)
        answer["collection"] = copy.deepcopy(self.collections.get(card["collection_id"]))
        if self.mbql5:
            query = answer["dataset_query"]
            answer["dataset_query"] = {
                "lib/type": "mbql/query",
                "database": query["database"],
                "stages": [
                    {
                        "lib/type": "mbql.stage/native",
                        "native": query["native"]["query"],
                        "template-tags": query["native"].get("template-tags", {}),
                    }
                ],
            }
        return answer

    def _create_card(self, *, query, body):
        self._check_card(body, creating=True)
        stamp = self._stamp()
        card = {
            **shape("card"),
            "id": next(self._ids["card"]),
            "entity_id": self._entity_id(),
            "type": body.get("type") or "question",
            "description": body.get("description"),
            "collection_id": body.get("collection_id"),
            "parameters": body.get("parameters") or [],
            "database_id": body["dataset_query"]["database"],
            "dashboard_count": 0,
            "view_count": 0,
            "created_at": stamp,
            "updated_at": stamp,
        }
        card.update(
            {
                k: copy.deepcopy(body[k])
                for k in ("name", "display", "dataset_query", "visualization_settings")
            }
        )
        self.cards[card["id"]] = card
        return 200, self._public_card(card)

    def _card(self, card_id, *, query, body):
        if card_id not in self.cards:
            raise not_found()
        return 200, self._public_card(self.cards[card_id])

    def _update_card(self, card_id, *, query, body):
        if card_id not in self.cards:
            raise not_found()
        self._check_card(body, creating=False)
        card = self.cards[card_id]
        keys = (
            "name",
            "description",
            "display",
            "type",
            "collection_id",
            "dataset_query",
            "parameters",
            "visualization_settings",
            "archived",
        )
        card.update({k: copy.deepcopy(body[k]) for k in keys if k in body})
        if "dataset_query" in body:
            card["database_id"] = body["dataset_query"]["database"]
        if "archived" in body:
            card["archived_directly"] = body["archived"]
        card["updated_at"] = self._stamp()
        return 200, self._public_card(card)

    # --- dashboards ---------------------------------------------------------------------------

    def _check_parameters(self, parameters: Any) -> None:
        if parameters is not None and not (
            isinstance(parameters, list)
            and all(isinstance(p, dict) and {"id", "type"} <= set(p) for p in parameters)
        ):
            raise invalid(
                parameters="nullable sequence of parameter must be a map with :id and :type keys."
            )

    def _public_dashboard(self, dashboard: dict) -> dict:
        answer = copy.deepcopy(dashboard)
        answer["collection"] = copy.deepcopy(self.collections.get(dashboard["collection_id"]))
        for dashcard in answer["dashcards"]:
            public = self._public_card(self.cards[dashcard["card_id"]])
            embedded = shape("dashboard")["dashcards"][0]["card"]
            dashcard["card"] = {k: public.get(k) for k in embedded}
        return answer

    def _create_dashboard(self, *, query, body):
        if not _non_blank(body.get("name")):
            raise invalid(name="value must be a non-blank string.")
        self._check_parameters(body.get("parameters"))
        if body.get("collection_id") is not None and body["collection_id"] not in self.collections:
            raise not_found()
        stamp = self._stamp()
        dashboard = {
            **shape("dashboard"),
            "id": next(self._ids["dashboard"]),
            "entity_id": self._entity_id(),
            "name": body["name"],
            "description": body.get("description"),
            "collection_id": body.get("collection_id"),
            "parameters": copy.deepcopy(body.get("parameters") or []),
            "dashcards": [],
            "tabs": [],
            "view_count": 0,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.dashboards[dashboard["id"]] = dashboard
        return 200, self._public_dashboard(dashboard)

    def _dashboard(self, dashboard_id, *, query, body):
        if dashboard_id not in self.dashboards:
            raise not_found()
        return 200, self._public_dashboard(self.dashboards[dashboard_id])

    def _update_dashboard(self, dashboard_id, *, query, body):
        if dashboard_id not in self.dashboards:
            raise not_found()
        dashboard = self.dashboards[dashboard_id]
        if "name" in body and not _non_blank(body["name"]):
            raise invalid(name="nullable value must be a non-blank string.")
        self._check_parameters(body.get("parameters"))
        # Metabase checks the dashboard as it was before this request.
        if "dashcards" in body and dashboard["archived"]:
            raise ApiError(404, ERRORS["archived_404"])
        dashcards = self._new_layout(dashboard, body["dashcards"]) if "dashcards" in body else None
        keys = ("name", "description", "collection_id", "parameters", "archived")
        dashboard.update({k: copy.deepcopy(body[k]) for k in keys if k in body})
        if dashcards is not None:
            dashboard["dashcards"] = dashcards
            dashboard["tabs"] = copy.deepcopy(body.get("tabs") or [])
        dashboard["updated_at"] = self._stamp()
        return 200, self._public_dashboard(dashboard)

    def _new_layout(self, dashboard: dict, dashcards: Any) -> list[dict]:
        if not isinstance(dashcards, list) or len({d.get("id") for d in dashcards}) != len(
            dashcards
        ):
            raise invalid(dashcards="nullable value must be seq of maps in which ids are unique.")
        current = {d["id"]: d for d in dashboard["dashcards"]}
        layout = []
        for given in dashcards:
            if not (
                isinstance(given.get("id"), int)
                and _positive(given.get("size_x"))
                and _positive(given.get("size_y"))
                and isinstance(given.get("row"), int)
                and given["row"] >= 0
                and isinstance(given.get("col"), int)
                and given["col"] >= 0
            ):
                raise invalid(dashcards=f"invalid dashcard {given!r}")
            for mapping in given.get("parameter_mappings") or []:
                if not (_non_blank(mapping.get("parameter_id")) and "target" in mapping):
                    raise invalid(
                        dashcards="parameter_mapping must be a map with :parameter_id and :target"
                    )
            card = self.cards.get(given.get("card_id"))
            if card is None:
                raise not_found()
            if card["archived"]:
                raise ApiError(404, ERRORS["archived_404"])
            if given["id"] < 0:
                dashcard = {
                    **shape("dashboard")["dashcards"][0],
                    "id": next(self._ids["dashcard"]),
                    "entity_id": self._entity_id(),
                    "dashboard_id": dashboard["id"],
                    "created_at": self._stamp(),
                }
            elif given["id"] in current:
                dashcard = current[given["id"]]
            else:
                raise not_found()
            keys = (
                "card_id",
                "row",
                "col",
                "size_x",
                "size_y",
                "parameter_mappings",
                "visualization_settings",
                "series",
            )
            dashcard.update({k: copy.deepcopy(given[k]) for k in keys if k in given})
            dashcard["updated_at"] = self._stamp()
            layout.append(dashcard)
        return layout


def _external(url: str) -> bool:
    """Metabase's rule for a custom GeoJSON URL: http(s) and not a local or private host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost" or parts.hostname == "metadata.google.internal":
        return False
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private or address.is_link_local)
