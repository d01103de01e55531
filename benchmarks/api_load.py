"""Benchmark: the API under gunicorn (the production settings), loaded at 16 connections.

``run()`` makes sure a dedicated database (``olist_bench_api``, never the demo's ``olist``)
holds an Olist-sized shop, starts ``gunicorn -c config/gunicorn.conf.py`` on a free loopback
port with ``DJANGO_ENV=production``, and drives it with a small asyncio HTTP/1.1 keep-alive
client for two scenarios, one after the other:

* ``order_detail_get``: ``GET /api/orders/{id}/`` over 20,000 different orders;
* ``order_placement_post``: ``POST /api/orders/`` with valid two-item, two-payment orders.

Each scenario reports requests/s, p50/p95/p99 latency (ms) and errors (any answer other than
the expected status, or a broken connection). The client runs in this process on the same
machine, so it is written to cost little: pre-built request bytes, one coroutine per connection.

``python -m benchmarks.api_load [--seconds S] [--concurrency C]`` prints one run as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from benchmarks import DJANGO_PROJECT
from config.postgres import ensure_database, resolve_database_url, with_database

BENCH_DATABASE = "olist_bench_api"
HOST = "127.0.0.1"
GUNICORN = [sys.executable, "-m", "gunicorn"]
# The size of Olist's release: orders (one customer_id each), persons, products, sellers.
SEED_ORDERS = 99_441
SEED_PERSONS = 96_096
SEED_PRODUCTS = 32_951
SEED_SELLERS = 3_095
SEED_CATEGORIES = 71
DISTINCT_ORDERS_READ = 20_000
DISTINCT_PLACEMENTS = 2_000
WARM_UP_SECONDS = 1.5
SERVER_START_TIMEOUT = 60.0
# Requests still unanswered this long after a scenario's end count as errors.
DRAIN_TIMEOUT = 10.0


def run(seconds: float = 10, concurrency: int = 16, database_url: str | None = None) -> dict:
    """Measure both scenarios once, for ``seconds`` each, and return the figures.

    ``database_url`` names a database that already holds a shop (it is migrated, not seeded);
    by default the dedicated benchmark database is created and seeded on first use.
    """
    if database_url is None:
        database_url = with_database(resolve_database_url(), BENCH_DATABASE)
        ensure_database(_libpq_url(database_url))
        _manage(database_url, "migrate", "--no-input", "-v", "0")
        seeded_seconds = _seed(database_url)
    else:
        _manage(database_url, "migrate", "--no-input", "-v", "0")
        seeded_seconds = 0.0
    token = _manage(database_url, "create_api_token", "api-benchmark", "--writer").strip()
    order_ids, products, sellers = _sample(database_url)
    detail_requests = [_request("GET", f"/api/orders/{order_id}/", token) for order_id in order_ids]
    placement_requests = [
        _request("POST", "/api/orders/", token, _placement(products, sellers))
        for _ in range(DISTINCT_PLACEMENTS)
    ]

    # Other work on the machine takes CPU from the server: the load average puts figures in context.
    load_average = os.getloadavg()[0]
    with _gunicorn(database_url) as port:
        asyncio.run(_drive(port, detail_requests, 200, WARM_UP_SECONDS, concurrency))
        detail = asyncio.run(_drive(port, detail_requests, 200, seconds, concurrency))
        placement = asyncio.run(_drive(port, placement_requests, 201, seconds, concurrency))
    return {
        "seconds_per_scenario": seconds,
        "concurrency": concurrency,
        "orders_in_database": _count_orders(database_url),
        "seed_seconds": round(seeded_seconds, 1),
        "load_average_before": round(load_average, 2),
        "order_detail_get": detail,
        "order_placement_post": placement,
    }


# DATABASE_URL query options that dj-database-url hands to Django, unknown to libpq.
DJANGO_ONLY_OPTIONS = {"server_side_binding", "prepare_threshold", "pool"}


def _libpq_url(database_url: str) -> str:
    """The URL without the options only Django reads (``?server_side_binding=true&...``, which
    ``DATABASE_URL`` may carry into the database OPTIONS), for this module's own connections."""
    parts = urlsplit(database_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in DJANGO_ONLY_OPTIONS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _manage(database_url: str, *args: str) -> str:
    """A ``manage.py`` command against the benchmark database; its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=DJANGO_PROJECT,
        env=os.environ | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


# The seed is written by PostgreSQL itself (a few seconds): ids are md5 hex of a counter, the
# shapes follow Olist's (about 1.13 items and 1.04 payments per order, 97% delivered).
SEED_SQL = f"""
insert into product_categories (product_category_name, product_category_name_english)
select 'category_' || g, 'category ' || g from generate_series(1, {SEED_CATEGORIES}) g;

insert into sellers (seller_id, seller_zip_code_prefix, seller_city, seller_state)
select md5('seller' || g), lpad((g * 7919 % 99999)::text, 5, '0'), 'city ' || g % 600,
       (string_to_array('SP,SP,SP,MG,PR,RJ,SC,RS,GO,BA', ','))[1 + g % 10]
from generate_series(1, {SEED_SELLERS}) g;

insert into products (product_id, product_category_name, product_name_length,
                      product_description_length, product_photos_qty, product_weight_g,
                      product_length_cm, product_height_cm, product_width_cm)
select md5('product' || g), 'category_' || (1 + g % {SEED_CATEGORIES}), 20 + g % 50,
       100 + g % 3000, 1 + g % 6, 50 + g * 37 % 20000, 10 + g % 90, 2 + g % 60, 8 + g % 100
from generate_series(1, {SEED_PRODUCTS}) g;

insert into customers (customer_id, customer_unique_id, customer_zip_code_prefix,
                       customer_city, customer_state)
select md5('customer' || g), md5('person' || (1 + g % {SEED_PERSONS})),
       lpad((g::bigint * 104729 % 99999)::text, 5, '0'), 'city ' || g % 4000,
       (string_to_array('SP,SP,SP,SP,RJ,RJ,MG,MG,RS,PR,SC,BA,DF,ES,GO', ','))[1 + g % 15]
from generate_series(1, {SEED_ORDERS}) g;

insert into orders (order_id, customer_id, order_status, order_purchase_timestamp,
                    order_approved_at)
select md5('order' || g), md5('customer' || g),
       case when g % 100 < 97 then 'delivered' when g % 100 = 97 then 'shipped'
            when g % 100 = 98 then 'canceled' else 'invoiced' end,
       timestamptz '2016-09-04 21:15:19-03' + g * interval '9 minutes 47 seconds',
       timestamptz '2016-09-05 09:00:00-03' + g * interval '9 minutes 47 seconds'
from generate_series(1, {SEED_ORDERS}) g;

insert into deliveries (order_id, order_delivered_carrier_date, order_delivered_customer_date,
                        order_estimated_delivery_date)
select order_id, order_approved_at + interval '2 days',
       case when order_status = 'delivered' then order_approved_at + interval '12 days' end,
       (order_purchase_timestamp + interval '24 days')::date
from orders;

insert into order_items (order_id, order_item_id, product_id, seller_id, shipping_limit_date,
                         price, freight_value)
select md5('order' || g), n, md5('product' || (1 + (g * 31 + n) % {SEED_PRODUCTS})),
       md5('seller' || (1 + (g * 17 + n) % {SEED_SELLERS})),
       timestamptz '2016-09-10 21:15:19-03' + g * interval '9 minutes 47 seconds',
       9.90 + (g * 37 + n) % 400, 7.39 + (g * 13 + n) % 20
from generate_series(1, {SEED_ORDERS}) g
cross join lateral generate_series(1, case when g % 9 = 0 then 2 when g % 50 = 0 then 3
                                           else 1 end) n;

insert into payments (order_id, payment_sequential, payment_type, payment_installments,
                      payment_value)
select order_id, 1,
       case when right(order_id, 1) < '4' then 'boleto' else 'credit_card' end,
       case when right(order_id, 1) < '4' then 1 else 1 + ascii(order_id) % 10 end,
       sum(price + freight_value)
from order_items group by order_id;

insert into reviews (review_id, order_id, review_score, review_comment_title,
                     review_creation_date, review_answer_timestamp)
select md5('review' || order_id), order_id, 1 + ascii(right(order_id, 1)) % 5,
       case when ascii(order_id) % 3 = 0 then 'recomendo' end,
       date_trunc('day', order_approved_at + interval '13 days'),
       order_approved_at + interval '14 days'
from orders where order_status = 'delivered';
"""


def _seed(database_url: str) -> float:
    """Write the Olist-sized shop unless it is there already; the seconds it took."""
    with psycopg.connect(_libpq_url(database_url)) as conn:
        last_order = conn.execute(
            "select 1 from orders where order_id = md5(%s)", (f"order{SEED_ORDERS}",)
        ).fetchone()
        if last_order:
            return 0.0
        started = time.perf_counter()
        database = urlsplit(database_url).path.lstrip("/")
        print(f"[bench] seeding {database} ({SEED_ORDERS:,} orders)", file=sys.stderr)
        conn.execute("set statement_timeout = '5min'")
        conn.execute(SEED_SQL)
        conn.commit()
    # Set the rows' hint bits and statistics now, not during the first measured requests.
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as conn:
        conn.execute("vacuum analyze")
    return time.perf_counter() - started


def _sample(database_url: str) -> tuple[list[str], list[str], list[str]]:
    """Orders to read (random, distinct), and products and sellers to order from."""
    with psycopg.connect(_libpq_url(database_url)) as conn:

        def column(query: str) -> list[str]:
            return [row[0] for row in conn.execute(query)]

        orders = column(
            f"select order_id from orders tablesample system (50) limit {DISTINCT_ORDERS_READ}"
        )
        products = column("select product_id from products limit 5000")
        sellers = column("select seller_id from sellers limit 2000")
    if not (orders and products and sellers):
        raise RuntimeError("The benchmark database has no orders, products or sellers.")
    random.shuffle(orders)
    return orders, products, sellers


def _count_orders(database_url: str) -> int:
    with psycopg.connect(_libpq_url(database_url)) as conn:
        return conn.execute("select count(*) from orders").fetchone()[0]


def _placement(products: list[str], sellers: list[str]) -> dict:
    items = [
        {
            "product_id": random.choice(products),
            "seller_id": random.choice(sellers),
            "price": f"{random.randint(990, 50000) / 100:.2f}",
            "freight_value": f"{random.randint(500, 4000) / 100:.2f}",
        }
        for _ in range(2)
    ]
    total = sum(Decimal(item["price"]) + Decimal(item["freight_value"]) for item in items)
    voucher = Decimal("10.00")
    return {
        "customer": {
            "customer_zip_code_prefix": f"{random.randint(1000, 99999):05d}",
            "customer_city": "sao paulo",
            "customer_state": random.choice(["SP", "RJ", "MG", "RS", "PR"]),
        },
        "items": items,
        "payments": [
            {
                "payment_type": "credit_card",
                "payment_installments": 3,
                "payment_value": str(total - voucher),
            },
            {"payment_type": "voucher", "payment_installments": 1, "payment_value": str(voucher)},
        ],
    }


def _request(method: str, path: str, token: str, body: dict | None = None) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Token {token}\r\n"
        "Accept: application/json\r\n"
    )
    if body is None:
        return f"{head}\r\n".encode()
    payload = json.dumps(body).encode()
    return (
        f"{head}Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


@contextlib.contextmanager
def _gunicorn(database_url: str) -> Iterator[int]:
    """gunicorn with the repository's configuration and production settings, on a free port;
    stopped (and its workers with it) when the block ends, whatever happens."""
    port = _free_port()
    env = os.environ | {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "HOST": HOST,
        "PORT": str(port),
        "DJANGO_LOG_LEVEL": "WARNING",
        # Plain HTTP on loopback, no TLS terminator in front: without this every request would
        # be a redirect to https://.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # The benchmark is one client sending thousands of requests on purpose; at the
        # production rates it would measure the throttle's 429s, not the API.
        "API_THROTTLE_USER": "100000000/minute",
        "API_THROTTLE_ANON": "100000000/minute",
    }
    # The repository's settings; only the start-up chatter is silenced.
    server = subprocess.Popen(
        [*GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py", "--log-level", "warning"],
        cwd=DJANGO_PROJECT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_until_healthy(server, port)
        yield port
    finally:
        _stop(server)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_healthy(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(
                f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
            )
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {SERVER_START_TIMEOUT:.0f} s")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM the master (a graceful stop of its workers); kill the group if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def error(self, description: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or description


async def _drive(
    port: int, requests: list[bytes], expected_status: int, seconds: float, concurrency: int
) -> dict:
    """Send ``requests`` (cycling) over ``concurrency`` keep-alive connections for ``seconds``."""
    tally = Tally()
    cycle = itertools.cycle(requests)
    started = time.perf_counter()
    deadline = started + seconds
    tasks = [
        asyncio.create_task(_connection(port, cycle, expected_status, deadline, tally))
        for _ in range(concurrency)
    ]
    _, unfinished = await asyncio.wait(tasks, timeout=seconds + DRAIN_TIMEOUT)
    for task in unfinished:
        task.cancel()
        tally.error("no answer before the drain timeout")
    elapsed = time.perf_counter() - started
    return _figures(tally, elapsed)


async def _connection(
    port: int, requests: Iterator[bytes], expected_status: int, deadline: float, tally: Tally
) -> None:
    reader = writer = None
    try:
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, port)
                request = next(requests)
                sent = time.perf_counter()
                writer.write(request)
                status, body, keep_alive = await _response(reader)
            except (
                OSError,
                ValueError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
            ) as exc:
                tally.error(f"connection: {exc!r}")
                if writer is not None:
                    writer.close()
                    writer = None
                await asyncio.sleep(0.01)  # a refused connection must not become a busy loop
                continue
            tally.latencies.append(time.perf_counter() - sent)
            if status != expected_status:
                tally.error(f"HTTP {status}: {body[:300].decode(errors='replace')}")
            if not keep_alive:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection stays open, of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = head.lower()
    keep_alive = b"\r\nconnection: close" not in headers
    if b"\r\ntransfer-encoding: chunked" in headers:
        body = bytearray()
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
        return status, bytes(body), keep_alive
    start = headers.find(b"\r\ncontent-length:")
    if start < 0:
        raise ValueError("a response without Content-Length")
    length = int(headers[start + 17 : headers.index(b"\r\n", start + 2)])
    return status, await reader.readexactly(length), keep_alive


def _figures(tally: Tally, elapsed: float) -> dict:
    latencies = sorted(tally.latencies)

    def percentile(fraction: float) -> float:
        if not latencies:
            return 0.0
        return round(latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "errors": tally.errors,
        "first_error": tally.first_error,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_load")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", help="an existing shop database (default: seeded)")
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.concurrency, args.database_url), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
