"""Property-based fuzzing of every operation of the served OpenAPI schema (schemathesis).

The real gunicorn server, a writer token, every check schemathesis has: no 5xx, every answer
documented with a valid body, no schema-valid request refused, no schema-violating request
accepted, plus the stateful phase along the links schemathesis infers (an order placed, then
read and moved). Generation is deterministic and the run has no time limit: each phase runs
once, to its number of examples, so every machine sends the same cases (about 3,000 requests,
a minute here); a faster or slower one only takes less or more time. (Under a time limit,
schemathesis repeats its phases until the time is up: a busy machine then reached fewer cases
and the test failed on a count, not on a finding.) Rerun by hand with ``pytest
tests/api/test_fuzz.py -s`` (schemathesis' report is printed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_server import (
    CUSTOMER_UNIQUE_ID,
    HOST,
    PRODUCT_ID,
    SELLER_ID,
    gunicorn,
    manage,
    shop_database,
)

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
MAX_EXAMPLES = 25
# 3,081 with this schema (each phase once, deterministic); fewer means a phase stopped short.
MIN_REQUESTS = 2_500
# The links the stateful phase follows depend on what the earlier phases' answers taught it
# (6 here); following some is what must hold.
MIN_LINKS = 1
# A hang, not a slow machine: the run takes about a minute here.
TIME_BUDGET_S = 600


def test_every_operation_survives_fuzzing_and_matches_its_schema(tmp_path):
    with shop_database() as url:
        token = manage(url, "create_api_token", "fuzzer", "--writer").strip()
        rates = {"API_THROTTLE_USER": "1000000/minute", "API_THROTTLE_ANON": "1000000/minute"}
        with gunicorn(url, **rates) as port:
            started = time.monotonic()
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "schemathesis.cli",
                    "--config-file",
                    str(HERE / "schemathesis.toml"),
                    "run",
                    f"http://{HOST}:{port}/api/schema/",
                    "--header",
                    f"Authorization: Token {token}",
                    "--checks",
                    "all",
                    "--max-examples",
                    str(MAX_EXAMPLES),
                    "--generation-deterministic",
                    "--continue-on-failure",
                    # One worker: with two threads, Hypothesis' lambda descriptions call
                    # ast.parse concurrently, which CPython 3.11 does not survive (a
                    # SystemError, "AST constructor recursion depth mismatch").
                    "--workers",
                    "1",
                    "--no-color",
                ],
                # Schemathesis and Hypothesis leave their caches in the working folder.
                cwd=tmp_path,
                env=os.environ
                | {
                    "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                    "PYTHONPATH": str(HERE),
                    "FUZZ_PRODUCT_ID": PRODUCT_ID,
                    "FUZZ_SELLER_ID": SELLER_ID,
                    "FUZZ_CUSTOMER_UNIQUE_ID": CUSTOMER_UNIQUE_ID,
                },
                capture_output=True,
                text=True,
                timeout=TIME_BUDGET_S,
                check=False,
            )
            seconds = time.monotonic() - started
    report = result.stdout + result.stderr
    print(report)
    generated = re.search(r"(\d+) generated", report)
    print(f"fuzz: {generated and generated.group(1)} requests in {seconds:.0f} s")
    assert result.returncode == 0, report[-20_000:]
    assert generated and int(generated.group(1)) >= MIN_REQUESTS
    assert "Tested: 27" in report, "every operation of the schema is fuzzed"
    links = re.search(r"API Links: +(\d+) covered", report)
    scenarios = re.search(r"Scenarios: +(\d+)", report)
    print(
        f"fuzz: {links and links.group(1)} links covered, {scenarios and scenarios.group(1)}"
        " stateful scenarios"
    )
    assert scenarios and int(scenarios.group(1)) > 0, "the stateful phase ran"
    assert links and int(links.group(1)) >= MIN_LINKS, "sequences followed the schema's links"
