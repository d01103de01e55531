"""The API against abuse, on the real gunicorn server in production mode.

Throttling and the body limit depend on what the test client does not run: gunicorn's processes
(each has its own throttle counters), its keep-alive connections and the WSGI input stream. The
production settings are checked by running ``manage.py`` the way a deployment does.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys

import psycopg
import pytest
import requests
from live_server import (
    DJANGO_PROJECT,
    HOST,
    PRODUCT_ID,
    SELLER_ID,
    gunicorn,
    manage,
    shop_database,
)

pytestmark = pytest.mark.integration

ANON_RATE, USER_RATE = 3, 5


@pytest.fixture(scope="module")
def live_api():
    """A shop with low throttle rates; its URL, a writer's token and a reader's token."""
    with shop_database() as url:
        writer = manage(url, "create_api_token", "abuse-writer", "--writer").strip()
        reader = manage(url, "create_api_token", "abuse-reader").strip()
        rates = {
            "API_THROTTLE_ANON": f"{ANON_RATE}/minute",
            "API_THROTTLE_USER": f"{USER_RATE}/minute",
        }
        with gunicorn(url, **rates) as port:
            yield {"url": url, "base": f"http://{HOST}:{port}", "writer": writer, "reader": reader}


def statuses_until_throttled(session: requests.Session, url: str, limit: int) -> list:
    """Status codes of requests on one kept-alive connection, up to the first 429."""
    answers = []
    for _ in range(limit):
        response = session.get(url, timeout=30)
        answers.append(response)
        if response.status_code == 429:
            break
    return answers


def assert_throttled_after(answers: list, rate: int) -> None:
    # One connection stays with one gunicorn process, whose counter sees every request.
    assert [a.status_code for a in answers[:rate]] == [200] * rate
    refused = answers[rate]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # JSON (the schema view answers in its own JSON media type).
    assert refused.headers["Content-Type"].split(";")[0].endswith("json")
    assert "throttled" in refused.json()["detail"].lower()


def test_an_anonymous_client_is_throttled_with_retry_after(live_api):
    with requests.Session() as session:
        # The schema is the one /api/ page open to anonymous clients.
        answers = statuses_until_throttled(
            session, f"{live_api['base']}/api/schema/?format=json", ANON_RATE + 1
        )
    assert_throttled_after(answers, ANON_RATE)


def test_an_authenticated_client_is_throttled_with_retry_after(live_api):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Token {live_api['reader']}"
        answers = statuses_until_throttled(
            session, f"{live_api['base']}/api/categories/", USER_RATE + 1
        )
    assert_throttled_after(answers, USER_RATE)


def order_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("select count(*) from orders").fetchone()[0]


def oversized_placement(size: int) -> bytes:
    """A valid placement padded with JSON whitespace to ``size`` bytes: read, it would be
    placed, so "nothing written" shows the body really was refused unread."""
    body = {
        "customer": {
            "customer_zip_code_prefix": "01037",
            "customer_city": "sao paulo",
            "customer_state": "SP",
        },
        "items": [
            {
                "product_id": PRODUCT_ID,
                "seller_id": SELLER_ID,
                "price": "10.00",
                "freight_value": "2.50",
            }
        ],
        "payments": [
            {"payment_type": "boleto", "payment_installments": 1, "payment_value": "12.50"}
        ],
    }
    encoded = json.dumps(body).encode()
    return encoded + b" " * (size - len(encoded))


def place(live_api, body: bytes) -> requests.Response:
    return requests.post(
        f"{live_api['base']}/api/orders/",
        data=body,
        headers={
            "Authorization": f"Token {live_api['writer']}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )


def test_a_body_within_the_limit_is_read(live_api):
    """The padded placement itself is valid: the limit is what refuses the larger one."""
    before = order_count(live_api["url"])
    assert place(live_api, oversized_placement(200 * 1024)).status_code == 201
    assert order_count(live_api["url"]) == before + 1


def test_an_oversized_body_is_refused_with_json_413_and_nothing_written(live_api):
    before = order_count(live_api["url"])
    body = oversized_placement(300 * 1024)
    response = place(live_api, body)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert str(len(body)) in response.json()["detail"]
    assert order_count(live_api["url"]) == before


def test_a_chunked_body_without_length_is_not_read_past_the_limit(live_api):
    """Without Content-Length there is no declared size to check: such a body must not be
    read into a placement either (Django reads it as empty)."""
    before = order_count(live_api["url"])
    body = oversized_placement(300 * 1024)
    port = int(live_api["base"].rsplit(":", 1)[1])
    with socket.create_connection((HOST, port), timeout=30) as conn:
        conn.sendall(
            b"POST /api/orders/ HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n"
            b"Authorization: Token " + live_api["writer"].encode() + b"\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n" + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 413), answer[:500]
    assert order_count(live_api["url"]) == before


def production_env(**overrides: str | None) -> dict[str, str]:
    env = os.environ | {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgresql://shop@db.internal:5432/olist",
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    # A developer's machine may set these; production must not depend on them.
    env.pop("DJANGO_DEBUG", None)
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    env.pop("DJANGO_SECURE_HSTS_SECONDS", None)
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=DJANGO_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_production_settings_pass_the_deployment_checklist():
    """HTTPS redirect, HSTS, secure cookies, no debug, a strong key: not one warning."""
    result = run_manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secret(variable):
    result = run_manage(production_env(**{variable: None}), "check")
    assert result.returncode != 0
    assert f"Set the environment variable {variable} (DJANGO_ENV=production)." in result.stderr


def test_production_keeps_the_database_urls_tls_requirement():
    url = "postgresql://shop@db.internal:5432/olist?sslmode=require"
    code = (
        "from django.conf import settings;"
        " print(settings.DATABASES['default']['OPTIONS']['sslmode'])"
    )
    result = run_manage(production_env(DATABASE_URL=url), "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "require"


def test_a_request_line_over_the_servers_limit_gets_the_documented_414(live_api):
    """gunicorn refuses it before the API runs (so nothing is counted or written); the schema
    declares that answer on every operation, so a client knows it."""
    long_query = "city=" + "a" * 5_000
    response = requests.get(f"{live_api['base']}/api/customers/?{long_query}", timeout=30)
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("text/html")

    schema = json.loads(manage(live_api["url"], "spectacular", "--format", "openapi-json"))
    operations = [
        operation
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for operation in item.values()
    ]
    assert operations
    assert all("text/html" in op["responses"]["414"]["content"] for op in operations)
