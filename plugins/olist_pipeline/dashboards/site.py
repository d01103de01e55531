"""The dashboards as a static site that works offline: open ``index.html`` from disk.

``render`` writes one HTML page per dashboard with its cards' rows embedded as JSON: one set of
rows per query the page's cards share (``definitions.site_datasets``), pre-summarised in the
warehouse. ``static/dashboard.js`` filters, summarises and draws them in the browser with the
same rule as the SQL (``definitions.card_sql``), so the filters work without a server.
Everything a page needs is in the site's ``assets/`` folder and referenced by relative paths:
Plotly, the Brazil states' GeoJSON (also as a script, because a page opened from disk may not
fetch a file), the script and the stylesheet. Nothing is loaded from elsewhere.

The site is written next to its destination and then swapped in, so a failing query leaves the
previous site as it was. ``serve`` serves the folder over HTTP (``make dashboards-serve``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import http.server
import importlib.resources
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from olist_pipeline import static_sites
from olist_pipeline.dashboards import geometry
from olist_pipeline.dashboards.definitions import (
    FILTER_KINDS,
    Card,
    Dashboard,
    Definitions,
    dataset_sql,
    site_datasets,
)
from olist_pipeline.dashboards.definitions import load as load_definitions
from olist_pipeline.settings import PipelineSettings
from olist_pipeline.warehouse.protocol import Warehouse

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
ASSETS = "assets"
SOURCE = "Olist e-commerce warehouse (core star schema and marts)"
# The latest purchase day in the warehouse (São Paulo calendar day, any order status), shown as
# the data's "as of" date. fact_sales keys each item to its purchase's São Paulo day in dim_time
# (purchase_date_key, yyyymmdd, so the largest key is the latest day; -1, the unknown day, has no
# date), so the day is read, not recomputed with a time-zone expression that Redshift and
# PostgreSQL write differently. An aggregate: one row, null before the first order.
# Not marts.mart_rfm's as_of_date: that is the day after the latest counted purchase (or the
# run's day if earlier), the day RFM measures from, not the data's last day.
_AS_OF_SQL = """\
select max(dim_time.calendar_date) as as_of_date
from core.dim_time as dim_time
where dim_time.date_key = (
    select max(fact_sales.purchase_date_key) as purchase_date_key
    from core.fact_sales as fact_sales
)"""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class SiteSummary:
    out_dir: Path
    index: Path
    pages: tuple[Path, ...]
    rows: dict[str, int]  # "<dashboard>/<dataset>" -> rows embedded
    seconds: float


def _json_value(value: Any) -> Any:
    """A warehouse value as the browser reads it: numbers, ISO dates, text or null."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return value


def render(definitions: Definitions, warehouse: Warehouse, out_dir: Path) -> SiteSummary:
    """Query every card and write the site to ``out_dir``, replacing the previous one whole."""
    started = time.monotonic()
    out_dir = Path(out_dir).resolve()
    _check_replaceable(out_dir)
    states = geometry.load()
    state_names = {f["id"]: f["properties"]["name"] for f in states["features"]}
    datasets = {
        dashboard.id: _datasets_payload(dashboard, definitions, warehouse)
        for dashboard in definitions.dashboards
    }
    (as_of,) = warehouse.query(_AS_OF_SQL)[0]
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    context = {
        "dashboards": definitions.dashboards,
        "generated_at": generated_at.strftime("%d/%m/%Y %H:%M UTC"),
        "as_of": as_of.strftime("%d/%m/%Y") if as_of else None,
        "source": SOURCE,
        "assets": ASSETS,
        "filter_titles": {kind: spec.title for kind, spec in FILTER_KINDS.items()},
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_unfinished_builds(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        _write_assets(staging / ASSETS, states)
        index = staging / "index.html"
        index.write_text(environment.get_template("index.html").render(context), "utf-8")
        pages = []
        for dashboard in definitions.dashboards:
            page_datasets = datasets[dashboard.id]
            payload = {
                "dashboard": _dashboard_payload(dashboard, page_datasets, state_names),
                "cards": [
                    _card_payload(card, _dataset_of(card, page_datasets))
                    for card in dashboard.cards
                ],
                "datasets": page_datasets,
                "generated_at": generated_at.isoformat(),
                "as_of": _json_value(as_of),
            }
            page = staging / f"{dashboard.id}.html"
            page.write_text(
                environment.get_template("dashboard.html").render(
                    context, dashboard=dashboard, payload=_script_json(payload)
                ),
                "utf-8",
            )
            pages.append(out_dir / page.name)
        _replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteSummary(
        out_dir=out_dir,
        index=out_dir / "index.html",
        pages=tuple(pages),
        rows={
            f"{dashboard_id}/{name}": len(dataset["rows"])
            for dashboard_id, page_datasets in datasets.items()
            for name, dataset in page_datasets.items()
        },
        seconds=time.monotonic() - started,
    )


def publish(
    settings: PipelineSettings, warehouse: Warehouse, *, s3_client_factory: Callable[[], Any]
) -> SiteSummary:
    """Render the dashboards of ``DASHBOARDS_DIR`` into ``DASHBOARDS_SITE_URI``: a folder, or
    S3, where the site is built in a temporary folder, then mirrored with
    ``s3_client_factory()``'s client (only the files that changed are uploaded)."""
    loaded = load_definitions(settings.dashboards_dir)
    uri = settings.dashboards_site_uri
    if not uri.startswith("s3://"):
        summary = render(loaded, warehouse, Path(uri))
    else:
        with tempfile.TemporaryDirectory() as folder:
            summary = render(loaded, warehouse, Path(folder) / "site")
            uploaded = static_sites.mirror_to_s3(summary.out_dir, uri, s3_client_factory())
        log.info("Uploaded %d changed files of the dashboard site to %s", uploaded, uri)
    log.info("Dashboards: %d pages, %s", len(summary.pages), static_sites.location(uri))
    return summary


def make_server(
    out_dir: Path, host: str = "127.0.0.1", port: int = 8765
) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the site folder, not yet serving (``serve_forever``, ``shutdown``)."""
    handler = functools.partial(_QuietHandler, directory=str(Path(out_dir).resolve()))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the site until interrupted."""
    with make_server(out_dir, host, port) as server:
        print(
            f"Serving {Path(out_dir).resolve()} at http://{host}:{server.server_port}/", flush=True
        )
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it stops
            server.serve_forever()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".geojson": "application/geo+json",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _datasets_payload(
    dashboard: Dashboard, definitions: Definitions, warehouse: Warehouse
) -> dict[str, dict]:
    """The page's datasets by name: their columns, rows and the cards that read them."""
    payload = {}
    for dataset in site_datasets(dashboard.cards):
        query = definitions.query_sql(dataset.query)
        rows = warehouse.query(dataset_sql(dataset, query))
        payload[dataset.name] = {
            "columns": list(dataset.columns),
            "rows": [[_json_value(value) for value in row] for row in rows],
            "cards": list(dataset.card_ids),
        }
    return payload


def _dataset_of(card: Card, page_datasets: dict[str, dict]) -> str:
    return next(name for name, dataset in page_datasets.items() if card.id in dataset["cards"])


def _card_payload(card: Card, dataset: str) -> dict:
    return {
        "id": card.id,
        "title": card.title,
        "description": card.description,
        "chart": card.chart,
        "layout": {
            "row": card.layout.row,
            "col": card.layout.col,
            "width": card.layout.width,
            "height": card.layout.height,
        },
        "dimensions": [
            {"column": d.column, "title": d.title, "format": d.format} for d in card.dimensions
        ],
        "measures": [
            {
                "name": m.name,
                "title": m.title,
                "format": m.format,
                "aggregation": m.aggregation,
                "column": m.column,
                "ratio": list(m.ratio) if m.ratio else None,
            }
            for m in card.measures
        ],
        "filters": card.filters,
        "sort": [{"column": k.column, "descending": k.descending} for k in card.sort],
        "limit": card.limit,
        "aggregate": card.aggregate,
        "value_title": card.value_title,
        "band": dataclasses.asdict(card.band) if card.band else None,
        "dataset": dataset,
    }


def _dashboard_payload(dashboard: Dashboard, page_datasets: dict, state_names: dict) -> dict:
    filters = []
    for kind in dashboard.filters:
        values = set()
        for card in dashboard.cards:
            if kind in card.filters:
                dataset = page_datasets[_dataset_of(card, page_datasets)]
                index = dataset["columns"].index(card.filters[kind])
                values.update(row[index] for row in dataset["rows"] if row[index] is not None)
        entry = {
            "kind": kind,
            "title": FILTER_KINDS[kind].title,
            "variables": list(FILTER_KINDS[kind].variables),
        }
        if kind == "date":
            entry["options"] = [
                {"value": month, "label": f"{_MONTHS[int(month[5:7]) - 1]} {month[:4]}"}
                for month in _months(values)
            ]
        elif kind == "state":
            entry["options"] = sorted(
                ({"value": uf, "label": state_names.get(uf, uf)} for uf in values),
                key=lambda option: option["label"],
            )
        else:
            entry["options"] = [{"value": value, "label": value} for value in sorted(values)]
        filters.append(entry)
    return {
        "id": dashboard.id,
        "title": dashboard.title,
        "description": dashboard.description,
        "filters": filters,
    }


def _months(values: set[str]) -> list[str]:
    """Every first-of-month date from the earliest value's month to the latest's."""
    if not values:
        return []
    first, last = min(values)[:7], max(values)[:7]
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}-01")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _script_json(payload: dict) -> str:
    """JSON safe inside a <script> element: "</" would end it early."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def _write_assets(assets: Path, states: dict) -> None:
    assets.mkdir()
    plotly = importlib.resources.files("plotly") / "package_data" / "plotly.min.js"
    (assets / "plotly.min.js").write_bytes(plotly.read_bytes())
    for name in ("dashboard.js", "dashboard.css"):
        shutil.copyfile(HERE / "static" / name, assets / name)
    geojson = json.dumps(states, ensure_ascii=False, separators=(",", ":"))
    (assets / "brazil_states.geojson").write_text(geojson + "\n", "utf-8")
    (assets / "brazil_states.js").write_text(f"window.BRAZIL_STATES = {geojson};\n", "utf-8")


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that is not a site: the whole folder would go."""
    is_site = (out_dir / "index.html").is_file() and (out_dir / ASSETS).is_dir()
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_site:
        raise FileExistsError(f"{out_dir} is not empty and holds no site to replace")


def _remove_unfinished_builds(out_dir: Path) -> None:
    """Remove the build folders a killed render left beside the site (a SIGKILL runs no
    ``except``): one render at a time writes a site, as the DAG runs one at a time."""
    for folder in out_dir.parent.glob(f".{out_dir.name}-*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def _replace(new: Path, out_dir: Path) -> None:
    """Put ``new`` at ``out_dir``; the old site, if any, is moved aside first, then removed."""
    os.chmod(new, 0o755)  # mkdtemp makes it private; a served site is read by others
    if not out_dir.exists():
        new.rename(out_dir)
        return
    old = new.with_name(f"{new.name}-old")
    out_dir.rename(old)
    new.rename(out_dir)
    shutil.rmtree(old)
