"""Many clients writing at once through the real gunicorn server, while the lake extract runs.

Sixteen clients each place orders and move them created → approved → invoiced → shipped →
delivered → reviewed; meanwhile each also tries to cancel an order another client is moving, so
two requests race for the same order row. The extract reads the shop in one repeatable-read
snapshot meanwhile. What must hold: everything ends in bounded time (no deadlock), the database
holds exactly what the successful answers announced (no lost or doubled write, a race has one
winner), and every extract is a consistent snapshot (each extracted order comes with all its
items and payments, each extracted part with its order).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import requests
from live_server import HOST, PRODUCT_ID, SELLER_ID, gunicorn, manage, shop_database

from olist_pipeline.lake.extract import extract_tables
from olist_pipeline.lake.partitions import Lake

pytestmark = pytest.mark.integration

CLIENTS = 16
ORDERS_PER_CLIENT = 8
DEADLINE_S = 60
STEPS = {"approve": "approved", "invoice": "invoiced", "ship": "shipped", "deliver": "delivered"}
CANCELABLE = {"created", "approved", "processing", "invoiced"}
FIRST_DAY = date(2026, 1, 1)


class Ledger:
    """What the server answered, per order; shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.placed: dict[str, tuple[int, int]] = {}  # order id -> (items, payments)
        self.moves: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.reviews: Counter = Counter()
        self.unexpected: list[str] = []

    def record_move(self, order_id: str, step: str, status: int) -> None:
        with self.lock:
            self.moves[order_id].append((step, status))


def placement(rng: random.Random) -> tuple[dict, int, int]:
    items = [
        {
            "product_id": PRODUCT_ID,
            "seller_id": SELLER_ID,
            "price": f"{rng.randint(100, 9_999) / 100:.2f}",
            "freight_value": f"{rng.randint(0, 2_000) / 100:.2f}",
        }
        for _ in range(rng.randint(1, 3))
    ]
    total = sum(Decimal(i["price"]) + Decimal(i["freight_value"]) for i in items)
    first = (total / 2).quantize(Decimal("0.01"))
    payments = [
        {"payment_type": "credit_card", "payment_installments": 3, "payment_value": str(first)},
        {"payment_type": "voucher", "payment_installments": 1, "payment_value": str(total - first)},
    ][: rng.randint(1, 2)]
    if len(payments) == 1:
        payments[0]["payment_value"] = str(total)
    body = {
        "customer": {
            "customer_zip_code_prefix": "01037",
            "customer_city": "sao paulo",
            "customer_state": "SP",
        },
        "items": items,
        "payments": payments,
    }
    return body, len(items), len(payments)


def client(number: int, base: str, token: str, ledger: Ledger, stop: float) -> None:
    rng = random.Random(number)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Token {token}"

        def post(path: str, body: dict | None = None) -> requests.Response:
            response = session.post(f"{base}{path}", json=body, timeout=max(stop - time.time(), 1))
            if response.status_code not in (200, 201, 409):
                with ledger.lock:
                    ledger.unexpected.append(f"{path}: {response.status_code} {response.text}")
            return response

        for _ in range(ORDERS_PER_CLIENT):
            body, item_count, payment_count = placement(rng)
            placed = post("/api/orders/", body)
            if placed.status_code != 201:
                continue
            order_id = placed.json()["order_id"]
            with ledger.lock:
                ledger.placed[order_id] = (item_count, payment_count)
                others = [o for o in ledger.placed if o != order_id]
            for step in STEPS:
                # Race another client's order: cancel it while its owner moves it on.
                if others and rng.random() < 0.5:
                    victim = rng.choice(others[-CLIENTS:])
                    ledger.record_move(
                        victim, "cancel", post(f"/api/orders/{victim}/cancel/").status_code
                    )
                status = post(f"/api/orders/{order_id}/{step}/").status_code
                ledger.record_move(order_id, step, status)
                if status != 200:
                    break
            else:
                review = post(
                    f"/api/orders/{order_id}/reviews/", {"review_score": rng.randint(1, 5)}
                )
                if review.status_code == 201:
                    with ledger.lock:
                        ledger.reviews[order_id] += 1


def expected_status(moves: list[tuple[str, int]]) -> str:
    """The one status the successful moves lead to; fails if they do not form one path.

    The ledger's order is when each client heard back, not when the server moved the order, so
    the check is on the set of moves that won: the owner's steps in lifecycle order, at most one
    cancel, and a cancel only if the order never got past a cancelable status.
    """
    won = [step for step, code in moves if code == 200]
    lifecycle = [step for step in won if step != "cancel"]
    assert lifecycle == list(STEPS)[: len(lifecycle)], moves
    assert won.count("cancel") <= 1, moves
    reached = STEPS[lifecycle[-1]] if lifecycle else "created"
    if "cancel" in won:
        assert reached in CANCELABLE, f"canceled, yet {reached}: {moves}"
        return "canceled"
    return reached


def extract_repeatedly(url: str, lake: Lake, until: threading.Event) -> list[date]:
    """Full extracts, one partition date each, until the clients are done (at least two)."""
    days = []
    while not until.is_set() or len(days) < 2:
        day = FIRST_DAY + timedelta(days=len(days))
        extract_tables(
            url,
            lake,
            ingest_date=day,
            run_id=f"concurrency-{len(days)}",
            interval_start=None,
            interval_end=datetime.now(UTC),
            full_refresh=True,
        )
        days.append(day)
    return days


def test_concurrent_clients_lose_nothing_while_an_extract_runs(tmp_path):
    with shop_database() as url:
        token = manage(url, "create_api_token", "crowd", "--writer").strip()
        rates = {"API_THROTTLE_USER": "1000000/minute", "API_THROTTLE_ANON": "1000000/minute"}
        with gunicorn(url, **rates) as port:
            base = f"http://{HOST}:{port}"
            ledger, done = Ledger(), threading.Event()
            lake = Lake.from_uri(str(tmp_path / "lake"))
            started = time.monotonic()
            stop = time.time() + DEADLINE_S
            with ThreadPoolExecutor(CLIENTS + 1) as pool:
                extracts = pool.submit(extract_repeatedly, url, lake, done)
                clients = [
                    pool.submit(client, n, base, token, ledger, stop) for n in range(CLIENTS)
                ]
                for future in clients:
                    future.result(timeout=DEADLINE_S)
                done.set()
                days = extracts.result(timeout=DEADLINE_S)
            seconds = time.monotonic() - started
        with psycopg.connect(url) as conn:
            orders = dict(conn.execute("select order_id, order_status from orders").fetchall())
            per_order = {
                table: Counter(
                    dict(conn.execute(f"select order_id, count(*) from {table} group by 1"))
                )
                for table in ("order_items", "payments", "reviews", "deliveries")
            }
            stamps = {
                row[0]: row[1:]
                for row in conn.execute(
                    "select o.order_id, o.order_approved_at is not null,"
                    " o.order_invoiced_at is not null, d.order_delivered_carrier_date is not null,"
                    " d.order_delivered_customer_date is not null,"
                    " o.order_canceled_at is not null"
                    " from orders o join deliveries d using (order_id)"
                )
            }

    print(
        f"concurrency: {len(ledger.placed)} orders, {sum(map(len, ledger.moves.values()))}"
        f" moves, {len(days)} extracts in {seconds:.1f} s"
    )
    assert seconds < DEADLINE_S
    assert ledger.unexpected == []
    # Every placement answered 201 is there once, whole; nothing else is.
    assert len(ledger.placed) == CLIENTS * ORDERS_PER_CLIENT
    assert set(orders) == set(ledger.placed)
    for order_id, (item_count, payment_count) in ledger.placed.items():
        assert per_order["order_items"][order_id] == item_count
        assert per_order["payments"][order_id] == payment_count
        assert per_order["deliveries"][order_id] == 1
        assert per_order["reviews"][order_id] == ledger.reviews[order_id]
    # Each order is where its successful moves took it, with the matching timestamps.
    races_lost = 0
    for order_id in ledger.placed:
        moves = ledger.moves[order_id]
        status = expected_status(moves)
        assert orders[order_id] == status, moves
        won = {step for step, code in moves if code == 200}
        assert stamps[order_id] == tuple(
            step in won for step in ("approve", "invoice", "ship", "deliver", "cancel")
        ), moves
        races_lost += sum(code == 409 for _, code in moves)
    assert races_lost > 0, "the clients really raced for the same orders"

    extracted = [assert_consistent_snapshot(lake, day, ledger) for day in days]
    assert any(0 < count < len(orders) for count in extracted), (
        f"an extract ran while the clients wrote: {extracted}"
    )


def assert_consistent_snapshot(lake: Lake, day: date, ledger: Ledger) -> int:
    """One extract: its orders are complete, its parts have their order; how many orders."""

    def keys(table: str) -> Counter:
        return Counter(lake.read_table("raw", table, day).column("order_id").to_pylist())

    orders = set(keys("orders"))
    items, payments, deliveries = keys("order_items"), keys("payments"), keys("deliveries")
    assert set(items) <= orders and set(payments) <= orders and set(deliveries) <= orders
    assert set(keys("reviews")) <= orders
    for order_id in orders:
        item_count, payment_count = ledger.placed[order_id]
        assert items[order_id] == item_count, order_id
        assert payments[order_id] == payment_count, order_id
        assert deliveries[order_id] == 1, order_id
    return len(orders)
