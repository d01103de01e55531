"""A corpus of broken Olist folders through ``manage.py load_olist``: bad input never loses data.

Each case is the ``complete`` fixture with one thing broken (the files are written here, at test
time: the 10 MB field is never committed). ``CASES`` is the table of expected outcomes, one of
two kinds:

- ``Loads``: the run succeeds; the good rows are loaded (``COMPLETE_COUNTS`` with the given
  changes) and every bad row is in ``rejects/<file>`` with its line number and reason;
- ``Refused``: the command fails with one line naming the file and the line, and the database
  is unchanged: the complete folder is loaded first, the broken folder also carries a new
  category (a change a partial commit would leave behind), and every table's row count and
  checksum (every column, ``updated_at`` included) are the same afterwards; no rejects file is
  written.

The same table is in docs/shop.md ("Bad input").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from support.shop_tables import SHOP_TABLE_KEYS, SHOP_TABLES

from dataset import olist_format as fmt
from dataset.loader import REVIEW_MESSAGE_MAX_LENGTH

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

TEN_MB = 10 * 1024 * 1024
TABLES, KEYS = SHOP_TABLES, SHOP_TABLE_KEYS
COMPLETE_COUNTS = {
    "geolocation": 4,
    "product_categories": 4,
    "sellers": 3,
    "products": 4,
    "customers": 4,
    "orders": 4,
    "deliveries": 4,
    "order_items": 5,
    "payments": 6,
    "reviews": 4,
}


def hid(prefix: str, n: int) -> str:
    """The fixtures' ids: a prefix, zeros, a two-digit number (32 hex characters)."""
    return (prefix + "0" * 32)[:30] + f"{n:02d}"


def read_rejects(path: Path) -> list[dict[str, str]]:
    limit = csv.field_size_limit(2 * TEN_MB)  # the 10 MB field's rejects (default: 128 KB)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    finally:
        csv.field_size_limit(limit)


@dataclass(frozen=True)
class Loads:
    """The run loads: ``counts`` change ``COMPLETE_COUNTS``; ``rejects``: file -> (line, reason)."""

    counts: dict[str, int] = field(default_factory=dict)
    rejects: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Refused:
    """The run fails with this message (a regular expression) and changes nothing."""

    message: str


@dataclass(frozen=True)
class Case:
    file: fmt.OlistFile
    breaks: Callable[[bytes], bytes]  # the file's bytes -> the broken bytes
    outcome: Loads | Refused


# --- How the files are broken -----------------------------------------------------------------


def lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def replace(old: bytes, new: bytes, count: int = 1) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        assert data.count(old) >= count, old
        return data.replace(old, new, count)

    return edit


def header_only(data: bytes) -> bytes:
    return lines(data)[0] + b"\n"


def cut_last_line(keep: bytes) -> Callable[[bytes], bytes]:
    """The last record ends right after ``keep`` (no final newline), as a copy cut short."""

    def edit(data: bytes) -> bytes:
        body = data.rstrip(b"\n")
        return body[: body.rindex(keep) + len(keep)]

    return edit


def columns(edit_row: Callable[[list[str]], list[str]]) -> Callable[[bytes], bytes]:
    """Rewrite every record (header included) with ``edit_row``: a well-formed CSV whose columns
    are not the release's."""

    def edit(data: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(data.decode())))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(edit_row(row) for row in rows)
        return out.getvalue().encode()

    return edit


def repeat_line(n: int) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        return data + lines(data)[n - 1] + b"\n"

    return edit


def to_crlf(data: bytes) -> bytes:
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


# --- The corpus -------------------------------------------------------------------------------

SELLERS, PAYMENTS, REVIEWS = fmt.SELLERS, fmt.PAYMENTS, fmt.REVIEWS
LONG_MESSAGE = b"x" * TEN_MB
MESSAGE = 'Chegou antes do prazo, muito bom.\nO "vendedor" respondeu rapido,\r\nrecomendo!'
CASES: dict[str, Case] = {
    "empty file": Case(
        SELLERS,
        lambda data: b"",
        Refused(r"olist_sellers_dataset\.csv: the file is empty \(line 1: no header line\)"),
    ),
    "header only": Case(REVIEWS, header_only, Loads(counts={"reviews": 0})),
    "truncated last line, inside a quoted field": Case(
        PAYMENTS,
        cut_last_line(b'not_defined,1,"0.'),
        Refused(
            r"olist_order_payments_dataset\.csv: cannot load the CSV:"
            r" unterminated CSV quoted field \(line 7: .*"
        ),
    ),
    "truncated last line, fields missing": Case(
        PAYMENTS,
        cut_last_line(b",not_define"),
        Refused(
            r"olist_order_payments_dataset\.csv: cannot load the CSV:"
            r' missing data for column "payment_installments" \(line 7: .*'
        ),
    ),
    "truncated last line, after a separator": Case(
        PAYMENTS,
        cut_last_line(b"not_defined,1,"),
        Loads(
            counts={"payments": 5},
            rejects={PAYMENTS.file_name: [(7, "payment_value is required")]},
        ),
    ),
    "Latin-1 file": Case(
        fmt.GEOLOCATION,
        lambda data: data.decode("utf-8").encode("latin-1"),
        Refused(
            r"olist_geolocation_dataset\.csv: cannot load the CSV: invalid byte sequence for"
            r' encoding "UTF8": 0xe3 0x6f 0x20 \(line 3\): the files must be UTF-8 .*'
        ),
    ),
    "missing column": Case(
        SELLERS,
        columns(lambda row: row[:3]),
        Refused(
            r"olist_sellers_dataset\.csv: unexpected header \(missing seller_state, line 1\): .*"
        ),
    ),
    "extra column": Case(
        SELLERS,
        columns(lambda row: [*row, "seller_phone" if row[0] == "seller_id" else "11 5555"]),
        Refused(
            r"olist_sellers_dataset\.csv: unexpected header \(extra 'seller_phone', line 1\): .*"
        ),
    ),
    "reordered columns": Case(
        SELLERS,
        columns(lambda row: [row[0], row[1], row[3], row[2]]),
        Refused(
            r"olist_sellers_dataset\.csv: unexpected header"
            r" \(columns in another order, line 1\): .*"
        ),
    ),
    "NUL byte": Case(
        fmt.CUSTOMERS,
        replace(b"campinas", b"camp\x00inas"),
        Refused(
            r"olist_customers_dataset\.csv: cannot load the CSV: invalid byte sequence for"
            r' encoding "UTF8": 0x00 \(line 3\): a NUL byte cannot be loaded'
        ),
    ),
    "10 MB field": Case(
        REVIEWS,
        replace(b'otimo,"Chegou', b'otimo,"' + LONG_MESSAGE + b"Chegou"),
        Loads(
            counts={"reviews": 3},
            rejects={
                REVIEWS.file_name: [
                    (
                        3,
                        f"review_comment_message must be at most {REVIEW_MESSAGE_MAX_LENGTH}"
                        f" characters (got {TEN_MB + len(MESSAGE)})",
                    )
                ]
            },
        ),
    ),
    "CRLF line ends": Case(REVIEWS, to_crlf, Loads()),
    "duplicate keys": Case(
        SELLERS,
        repeat_line(2),
        Loads(rejects={SELLERS.file_name: [(5, "duplicate of line 2")]}),
    ),
    "id of the wrong length": Case(
        REVIEWS,
        replace(hid("a", 1).encode(), hid("a", 1)[1:].encode()),
        Loads(
            counts={"reviews": 3},
            rejects={
                REVIEWS.file_name: [
                    (2, f"review_id must be 32 lowercase hex characters (got '{hid('a', 1)[1:]}')")
                ]
            },
        ),
    ),
    "date in another format": Case(
        fmt.ORDER_ITEMS,
        replace(b'"2018-07-30 03:24:27"', b'"30/07/2018 03:24:27"'),
        Loads(
            counts={"order_items": 4},
            rejects={
                fmt.ORDER_ITEMS.file_name: [
                    (
                        5,
                        "shipping_limit_date must be a timestamp like 2017-10-02 10:56:33"
                        " (got '30/07/2018 03:24:27')",
                    )
                ]
            },
        ),
    ),
    "negative money": Case(
        PAYMENTS,
        replace(b'"72.20"', b'"-72.20"'),
        Loads(
            counts={"payments": 5},
            rejects={PAYMENTS.file_name: [(6, "payment_value must be >= 0 (got -72.20)")]},
        ),
    ),
}


# --- Running a case ---------------------------------------------------------------------------


def load_command(folder: Path) -> str:
    out = io.StringIO()
    call_command("load_olist", str(folder), "--no-progress", stdout=out)
    return out.getvalue()


def state() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows (every column, in key order)."""
    result = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"select count(*), md5(coalesce(string_agg(t::text, E'\\n'"
                f" order by {KEYS[table]}), '')) from {table} t"
            )
            result[table] = cursor.fetchone()
    return result


def broken_folder(olist_folder, case: Case, name: str) -> Path:
    folder = olist_folder("complete", name=name)
    path = folder / case.file.file_name
    path.write_bytes(case.breaks(path.read_bytes()))
    return folder


@pytest.mark.parametrize(
    "name", [n for n, c in CASES.items() if isinstance(c.outcome, Loads)], ids=str
)
def test_bad_rows_are_rejected_with_their_reason_and_the_rest_loads(name, olist_folder):
    case = CASES[name]
    folder = broken_folder(olist_folder, case, "broken")

    output = load_command(folder)

    expected = {**COMPLETE_COUNTS, **case.outcome.counts}
    assert {table: rows for table, (rows, _) in state().items()} == expected
    rejects = folder / "rejects"
    found = {
        path.name: [(int(r["line_number"]), r["reject_reason"]) for r in read_rejects(path)]
        for path in sorted(rejects.glob("*.csv"))
    }
    assert found == case.outcome.rejects
    rejected = sum(len(rows) for rows in case.outcome.rejects.values())
    assert re.search(rf"Total: [\d,]+ read, [\d,]+ loaded, {rejected} rejected\.", output)


@pytest.mark.parametrize(
    "name", [n for n, c in CASES.items() if isinstance(c.outcome, Refused)], ids=str
)
def test_a_broken_file_is_refused_with_its_line_and_nothing_changes(name, olist_folder):
    load_command(olist_folder("complete", name="baseline"))
    before = state()
    case = CASES[name]
    folder = broken_folder(olist_folder, case, "broken")
    # A change the run would commit if it committed anything.
    translation = folder / fmt.CATEGORY_TRANSLATION.file_name
    translation.write_bytes(translation.read_bytes() + b"\r\nbrinquedos,toys")

    with pytest.raises(CommandError) as refused:
        load_command(folder)

    message = str(refused.value)
    assert refused.value.returncode == 1
    assert "\n" not in message
    assert re.fullmatch(case.outcome.message, message), message
    assert state() == before
    assert not (folder / "rejects").exists()


def test_the_long_field_is_kept_whole_in_the_rejects_file(olist_folder):
    """Rejected, not lost: the 10 MB message is in the rejects file as it was read."""
    folder = broken_folder(olist_folder, CASES["10 MB field"], "broken")

    load_command(folder)

    (row,) = read_rejects(folder / "rejects" / REVIEWS.file_name)
    assert row["review_comment_message"] == "x" * TEN_MB + MESSAGE


def test_crlf_line_ends_keep_the_values(olist_folder):
    folder = broken_folder(olist_folder, CASES["CRLF line ends"], "broken")

    load_command(folder)

    with connection.cursor() as cursor:
        cursor.execute(
            "select review_comment_message from reviews where review_id = %s", [hid("5a", 2)]
        )
        assert cursor.fetchone() == (MESSAGE.replace(".\nO", ".\r\nO"),)
