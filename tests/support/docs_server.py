"""The Airflow UI's docs plugin serving one published site, its apps mounted as the api-server
mounts them, by uvicorn on a free loopback port (the sites' browser tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def serve_docs_site(title: str, site: Path, url_prefix: str) -> Iterator[tuple[str, str]]:
    """(origin, the plugin's link to the site) while the server runs."""
    import uvicorn
    from docs_plugin import Site, _plugin_parts
    from fastapi import FastAPI

    apps, views = _plugin_parts([Site(title, str(site), url_prefix)])
    host = FastAPI()
    for app in apps:
        host.mount(app["url_prefix"], app["app"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(host, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", views[0]["href"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
