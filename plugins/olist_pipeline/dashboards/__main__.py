"""``python -m olist_pipeline.dashboards``: render the site, serve it, provision Metabase.

- ``render``: the dashboards of ``DASHBOARDS_DIR`` against the local warehouse into
  ``DASHBOARDS_SITE_URI`` (what the DAG's last task does; ``make dashboards``);
- ``serve``: the rendered site on 127.0.0.1 (``make dashboards-serve``);
- ``metabase``: create or update the dashboards in Metabase (``make metabase``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from olist_pipeline.settings import PipelineSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m olist_pipeline.dashboards")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="render the static dashboard site")
    render.add_argument("--warehouse-url", help="libpq URL of the local warehouse")
    render.add_argument("--out", type=Path, help="the site's folder (default DASHBOARDS_SITE_URI)")
    serve = commands.add_parser("serve", help="serve the rendered site (on 127.0.0.1)")
    serve.add_argument("--host", default="127.0.0.1", help="0.0.0.0 inside a container only")
    serve.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARDS_PORT", "8765")))
    serve.add_argument("--out", type=Path, help="the site's folder (default DASHBOARDS_SITE_URI)")
    commands.add_parser("metabase", help="provision the dashboards into Metabase", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "metabase":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    settings = PipelineSettings.from_env()

    if args.command == "metabase":
        from olist_pipeline.dashboards import metabase

        return metabase.main(rest)

    if args.out:
        settings = dataclasses.replace(settings, dashboards_site_uri=str(args.out))
    if args.command == "serve":
        from olist_pipeline.dashboards import site

        folder = Path(settings.dashboards_site_uri)
        if not (folder / "index.html").is_file():
            print(f"No site under {folder}: run make dashboards first.", file=sys.stderr)
            return 1
        site.serve(folder, host=args.host, port=args.port)
        return 0

    from olist_pipeline import static_sites
    from olist_pipeline.dashboards.reader import local_bi_url
    from olist_pipeline.dashboards.site import publish
    from olist_pipeline.warehouse.postgres import PostgresWarehouse

    warehouse_url = args.warehouse_url or local_bi_url(settings)
    if not warehouse_url:
        print("No local warehouse: set WAREHOUSE_URL or pass --warehouse-url.", file=sys.stderr)
        return 1
    summary = publish(
        settings,
        PostgresWarehouse(warehouse_url),
        s3_client_factory=static_sites.default_s3_client,
    )
    location = static_sites.location(settings.dashboards_site_uri)
    print(f"Dashboards: {len(summary.pages)} pages, {location}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
