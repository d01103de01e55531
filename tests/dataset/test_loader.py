"""The Olist loader against the real PostgreSQL, on small folders in the exact Kaggle format.

The fixtures (tests/dataset/fixtures/) reproduce the release's quirks: a translation file with a
UTF-8 BOM, CRLF and no final newline; ids quoted only when they start with a digit; a multi-line
review comment with commas and quotes; a review_id shared by two orders; a product without a
category and a category without a translation. ``bad_rows`` holds one broken row per rule.

The loader runs its own transaction, so these tests use ``transaction=True``.
"""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from support.shop_tables import SHOP_TABLE_KEYS, SHOP_TABLES

from dataset import loader, olist_format
from dataset.loader import LoadError, NoOlistFilesError, load_folder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

TABLES, KEYS = SHOP_TABLES, SHOP_TABLE_KEYS


def hid(prefix: str, n: int) -> str:
    """The fixtures' ids: a prefix, zeros, a two-digit number (32 hex characters)."""
    return (prefix + "0" * 32)[:30] + f"{n:02d}"


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def counts() -> dict[str, int]:
    return {t: sql(f"select count(*) from {t}")[0][0] for t in TABLES}


def snapshot() -> dict[str, list]:
    """Every row of every table, with its timestamps, in key order."""
    return {t: sql(f"select * from {t} order by {KEYS[t]}") for t in TABLES}


def updated_at() -> dict[str, list]:
    return {t: sql(f"select {KEYS[t]}, updated_at from {t} order by {KEYS[t]}") for t in TABLES}


def load(folder, **kwargs):
    return load_folder(folder, progress=False, **kwargs)


def read_rejects(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def reasons(report, table: str) -> list[tuple[int, str]]:
    return [
        (int(row["line_number"]), row["reject_reason"])
        for row in read_rejects(report[table].rejects_file)
    ]


COMPLETE_COUNTS = {
    "geolocation": 4,
    "product_categories": 4,  # 3 translated + pc_gamer, used by a product
    "sellers": 3,
    "products": 4,
    "customers": 4,
    "orders": 4,
    "deliveries": 4,
    "order_items": 5,
    "payments": 6,
    "reviews": 4,
}


# --------------------------------------------------------------------------------------------
# A complete folder
# --------------------------------------------------------------------------------------------


def test_complete_folder_loads_every_row(olist_folder):
    folder = olist_folder("complete")

    report = load(folder)

    assert [t.table for t in report.tables] == [f.table for f in olist_format.ALL_FILES]
    assert counts() == COMPLETE_COUNTS
    for table in report.tables:
        assert table.rejected == 0, table
        assert table.read == table.loaded == table.inserted, table
    assert report["product_categories"].read == 3
    assert report["products"].also["product_categories"].inserted == 1
    assert report["orders"].also["deliveries"].inserted == 4
    assert report.read == report.loaded == 37
    assert not (folder / "rejects").exists()


def test_values_are_mapped_and_typed(olist_folder):
    load(olist_folder("complete"))

    # São Paulo wall-clock: UTC-3 in October 2017, UTC-2 (summer time) in January 2018.
    o1, o2 = hid("e", 1), hid("2e", 2)
    assert sql("select order_purchase_timestamp from orders where order_id = %s", [o1]) == [
        (datetime(2017, 10, 2, 13, 56, 33, tzinfo=UTC),)
    ]
    assert sql("select order_purchase_timestamp from orders where order_id = %s", [o2]) == [
        (datetime(2018, 1, 10, 14, 0, 0, tzinfo=UTC),)
    ]
    assert sql(
        "select order_status, order_approved_at, order_invoiced_at, order_canceled_at"
        " from orders where order_id = %s",
        [hid("2e", 4)],
    ) == [("canceled", None, None, None)]
    # Deliveries come from the orders file; the estimated date keeps its date part.
    assert sql(
        "select order_delivered_carrier_date, order_delivered_customer_date,"
        " order_estimated_delivery_date from deliveries where order_id = %s",
        [hid("e", 3)],
    ) == [(datetime(2018, 7, 26, 17, 31, 0, tzinfo=UTC), None, date(2018, 8, 13))]
    # The release's misspelled "lenght" headers land in the "length" columns.
    products = dict(
        sql(
            "select product_id, row(product_category_name, product_name_length,"
            " product_description_length, product_photos_qty, product_weight_g)::text"
            " from products"
        )
    )
    assert products[hid("b", 1)] == "(perfumaria,40,287,1,225)"
    assert products[hid("b", 3)] == "(pc_gamer,59,1893,2,2450)"
    assert products[hid("3b", 4)] == "(,,,,650)"  # no category, as 610 real products
    assert sql(
        "select price, freight_value from order_items where order_id = %s and order_item_id = 2",
        [o1],
    ) == [(Decimal("118.70"), Decimal("22.76"))]
    assert sql(
        "select payment_type, payment_installments, payment_value from payments"
        " where order_id = %s order by payment_sequential",
        [o1],
    ) == [
        ("credit_card", 1, Decimal("18.12")),
        ("voucher", 1, Decimal("2.00")),
        ("voucher", 1, Decimal("159.07")),
    ]
    # Values quoted in the file (they start with a digit) lose their quotes.
    assert sql("select seller_city from sellers where seller_id = %s", [hid("f", 3)]) == [
        ("04482255",)
    ]
    assert sql("select customer_id from customers where customer_id like '0c%%' order by 1") == [
        (hid("0c", 2),),
        (hid("0c", 4),),
    ]
    assert sql(
        "select geolocation_zip_code_prefix, geolocation_lat, geolocation_lng from geolocation"
        " where geolocation_city = 'são paulo'"
    ) == [("01037", -23.54608112703553, -46.64482029837157)]


def test_translation_file_with_bom_crlf_and_no_final_newline(olist_folder):
    load(olist_folder("complete", only=[olist_format.CATEGORY_TRANSLATION.file_name]))

    assert sql(
        "select product_category_name, product_category_name_english"
        " from product_categories order by 1"
    ) == [("artes", "art"), ("beleza_saude", "health_beauty"), ("perfumaria", "perfumery")]


def test_category_without_translation_is_created_without_english_name(olist_folder):
    load(olist_folder("complete"))

    assert sql(
        "select product_category_name_english from product_categories"
        " where product_category_name = 'pc_gamer'"
    ) == [(None,)]


def test_multi_line_review_comment_and_review_id_shared_by_two_orders(olist_folder):
    load(olist_folder("complete"))

    assert sql("select review_comment_message from reviews where review_id = %s", [hid("5a", 2)])[
        0
    ][0] == ('Chegou antes do prazo, muito bom.\nO "vendedor" respondeu rapido,\r\nrecomendo!')
    assert sql(
        "select order_id, review_comment_message from reviews where review_id = %s order by 1",
        [hid("a", 3)],
    ) == [(hid("2e", 4), "nao recebi, ainda"), (hid("e", 3), "nao recebi, ainda")]


# --------------------------------------------------------------------------------------------
# Idempotency and updates
# --------------------------------------------------------------------------------------------


@pytest.fixture(params=["upsert", "bulk"])
def write_path(request, monkeypatch) -> str:
    """Both ways rows reach a table: ``upsert`` (row by row, the fixtures are far below
    ``REBUILD_MIN_ROWS``) and ``bulk`` (every table that holds no more rows than the load
    brings is locked, its plain indexes and foreign keys dropped and built again)."""
    if request.param == "bulk":
        monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 1)
    return request.param


def test_second_load_of_the_same_files_changes_nothing(olist_folder, write_path):
    folder = olist_folder("complete")
    load(folder)
    before = snapshot()

    report = load(folder)

    assert snapshot() == before  # updated_at included
    for table in report.tables:
        assert (table.inserted, table.updated, table.unchanged) == (0, 0, table.read), table
        for name, extra in table.also.items():
            assert (extra.inserted, extra.updated) == (0, 0), name
    assert report["orders"].also["deliveries"].unchanged == 4


def test_changed_values_update_the_row_and_move_updated_at(olist_folder, write_path):
    folder = olist_folder("complete")
    load(folder)
    before = updated_at()
    created = sql("select created_at from sellers where seller_id = %s", [hid("f", 1)])

    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text(sellers.read_text().replace(",campinas,SP", ",valinhos,SP"))
    payments = folder / olist_format.PAYMENTS.file_name
    payments.write_text(payments.read_text().replace(',boleto,1,"179.12"', ',boleto,1,"179.13"'))
    assert "valinhos" in sellers.read_text() and "179.13" in payments.read_text()

    report = load(folder)

    assert (report["sellers"].inserted, report["sellers"].updated) == (0, 1)
    assert report["sellers"].unchanged == 2
    assert (report["payments"].updated, report["payments"].unchanged) == (1, 5)
    assert report["orders"].updated == 0
    assert sql("select seller_city from sellers where seller_id = %s", [hid("f", 1)]) == [
        ("valinhos",)
    ]
    assert sql("select created_at from sellers where seller_id = %s", [hid("f", 1)]) == created
    after = updated_at()
    moved = {
        t: [row[:-1] for row, old in zip(after[t], before[t], strict=True) if row != old]
        for t in TABLES
    }
    assert moved == {t: [] for t in TABLES} | {
        "sellers": [(hid("f", 1),)],
        "payments": [(hid("2e", 2), 1)],
    }


def test_reload_keeps_shop_rows_and_shop_only_columns(olist_folder, write_path):
    folder = olist_folder("complete")
    load(folder)
    shop_customer = hid("ab", 99)
    sql(
        "insert into customers (customer_id, customer_unique_id, customer_zip_code_prefix,"
        " customer_city, customer_state) values (%s, %s, '01037', 'sao paulo', 'SP')"
        " returning 1",
        [shop_customer, shop_customer],
    )
    sql(
        "update orders set order_invoiced_at = '2017-10-03 10:00:00-03' where order_id = %s"
        " returning 1",
        [hid("e", 1)],
    )

    report = load(folder)

    assert report["orders"].updated == 0
    assert sql("select count(*) from customers where customer_id = %s", [shop_customer]) == [(1,)]
    assert sql("select order_invoiced_at from orders where order_id = %s", [hid("e", 1)]) == [
        (datetime(2017, 10, 3, 13, 0, tzinfo=UTC),)
    ]
    assert sql("select count(*) from deleted_rows") == [(0,)]


# --------------------------------------------------------------------------------------------
# Bad rows
# --------------------------------------------------------------------------------------------

BAD_ROWS = {
    "geolocation": [
        (3, "duplicate of line 2"),
        (4, "geolocation_zip_code_prefix must be 5 digits (got '1234')"),
        (5, "geolocation_lat must be between -90 and 90 (got 91.5)"),
        (6, "geolocation_lng must be a number (got 'abc')"),
        (7, "geolocation_state must be a Brazilian state code (UF) (got 'XX')"),
        (9, "duplicate of line 2"),
    ],
    "sellers": [
        (3, "seller_id must be 32 lowercase hex characters (got 'XYZ')"),
        (4, f"seller_id must be 32 lowercase hex characters (got '{hid('4f', 2).upper()}')"),
        (5, "duplicate of line 2"),
        (6, "seller_city is required"),
        (7, "seller_zip_code_prefix must be 5 digits (got '4482')"),
    ],
    "products": [
        (3, "product_weight_g must be >= 0 (got -5)"),
        (4, "product_photos_qty must be an integer (got '1.5')"),
        (5, "product_category_name must be at most 100 characters (got 101)"),
        (6, "product_weight_g must be <= 2147483647 (got 99999999999)"),
    ],
    "customers": [
        (3, "customer_state must be a Brazilian state code (UF) (got 'sp')"),
        (4, "customer_zip_code_prefix must be 5 digits (got 'ABCDE')"),
        (5, "customer_unique_id is required"),
    ],
    "orders": [
        (3, "customer_id not found in customers"),
        (
            4,
            "order_status must be one of created, approved, processing, invoiced, shipped,"
            " delivered, canceled, unavailable (got 'lost')",
        ),
        (5, "order_purchase_timestamp is not a calendar date (got '2017-02-30 10:00:00')"),
        (6, "order_approved_at is not a valid date and time (got '2017-13-01 00:00:00')"),
        (7, "order_estimated_delivery_date is required"),
        (
            8,
            "order_purchase_timestamp must be a timestamp like 2017-10-02 10:56:33"
            " (got '02/10/2017 10:56')",
        ),
    ],
    "order_items": [
        (3, "order_id not found in orders"),
        (4, "product_id not found in products"),
        (5, "seller_id not found in sellers"),
        (6, "price must be >= 0 (got -1.00)"),
        (7, "freight_value must be a decimal number (got 'abc')"),
        (8, "order_item_id must be >= 1 (got 0)"),
        (9, "duplicate of line 2"),
    ],
    "payments": [
        (3, "payment_installments must be >= 1 (got 0)"),
        (
            4,
            "payment_type must be one of credit_card, boleto, voucher, debit_card, not_defined"
            " (got 'pix')",
        ),
        (5, "payment_value must be a decimal number (got '12,50')"),
        (6, "order_id not found in orders"),
    ],
    "reviews": [
        # The review on lines 3-4 has a two-line comment; the one on lines 7-9 three lines.
        (3, "review_score must be between 1 and 5 (got 6)"),
        (5, "order_id not found in orders"),
        (6, "review_comment_title must be at most 200 characters (got 201)"),
        (7, "review_creation_date is required"),
    ],
}
BAD_ROWS_LOADED = {
    "geolocation": 2,
    "sellers": 1,
    "products": 1,
    "customers": 2,
    "orders": 2,
    "order_items": 2,
    "payments": 2,
    "reviews": 2,
}


def test_bad_rows_go_to_the_rejects_files_with_their_reason(olist_folder):
    folder = olist_folder("bad_rows")

    report = load(folder)

    assert {t.table: reasons(report, t.table) for t in report.tables} == BAD_ROWS
    for table in report.tables:
        assert table.rejects_file == folder / "rejects" / table.file_name
        assert table.rejected == len(BAD_ROWS[table.table]), table.table
        assert table.loaded == table.inserted == BAD_ROWS_LOADED[table.table], table.table
        assert table.read == table.loaded + table.rejected, table.table
    loaded = counts()
    assert {t: loaded[t] for t in BAD_ROWS_LOADED} == BAD_ROWS_LOADED
    assert loaded["deliveries"] == 2
    assert report["geolocation"].top_reasons[0] == ("duplicate of an earlier line", 2)


def test_rejects_keep_the_original_columns(olist_folder):
    folder = olist_folder("bad_rows")

    report = load(folder)

    rows = read_rejects(report["reviews"].rejects_file)
    assert list(rows[0]) == [*olist_format.REVIEWS.header, "line_number", "reject_reason"]
    assert rows[3]["review_comment_message"] == 'um "b",\nc\nd'
    assert rows[3]["review_creation_date"] == ""
    products = read_rejects(report["products"].rejects_file)
    assert list(products[0])[:4] == [
        "product_id",
        "product_category_name",
        "product_name_lenght",
        "product_description_lenght",
    ]
    assert products[1]["product_photos_qty"] == "1.5"


def test_exact_duplicate_geolocation_rows_load_once(olist_folder):
    load(olist_folder("bad_rows", only=[olist_format.GEOLOCATION.file_name]))

    assert sql("select count(*) from geolocation where geolocation_zip_code_prefix = '01037'") == [
        (1,)
    ]


def test_a_clean_rerun_removes_stale_rejects(olist_folder):
    folder = olist_folder("bad_rows", only=[olist_format.SELLERS.file_name])
    assert load(folder)["sellers"].rejected == 5
    stale = folder / "rejects" / olist_format.SELLERS.file_name
    assert stale.exists()

    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text("\n".join(sellers.read_text().splitlines()[:2]) + "\n")
    report = load(folder)

    assert report["sellers"].rejected == 0 and report["sellers"].rejects_file is None
    assert not stale.exists()


def test_references_to_rows_missing_everywhere_are_rejected(olist_folder):
    folder = olist_folder(
        "complete",
        only=[olist_format.ORDER_ITEMS.file_name, olist_format.PAYMENTS.file_name],
    )

    report = load(folder)

    assert counts()["order_items"] == counts()["payments"] == 0
    assert {reason for _, reason in reasons(report, "order_items")} == {
        "order_id not found in orders"
    }
    assert report["payments"].top_reasons == [("order_id not found in orders", 6)]


def test_references_resolve_against_rows_of_an_earlier_load(olist_folder, write_path):
    parents = [f.file_name for f in olist_format.ALL_FILES[:6]]
    children = [f.file_name for f in olist_format.ALL_FILES[6:]]
    load(olist_folder("complete", only=parents, name="parents"))

    report = load(olist_folder("complete", only=children, name="children"))

    assert [t.table for t in report.tables] == ["order_items", "payments", "reviews"]
    assert report.rejected == 0
    assert counts() == COMPLETE_COUNTS


# --------------------------------------------------------------------------------------------
# Which files, and failures
# --------------------------------------------------------------------------------------------


def test_partial_catalogue_folder(olist_folder):
    report = load(olist_folder("catalogue"))

    assert [t.table for t in report.tables] == ["product_categories", "sellers", "products"]
    assert report["products"].also["product_categories"].inserted == 1  # cool_stuff
    assert counts() == {t: 0 for t in TABLES} | {
        "product_categories": 3,
        "sellers": 2,
        "products": 3,
    }


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not an Olist file")

    with pytest.raises(NoOlistFilesError, match="none of the Olist files"):
        load(tmp_path)
    with pytest.raises(NoOlistFilesError, match="not a folder"):
        load(tmp_path / "missing")


def test_wrong_header_fails_and_changes_nothing(olist_folder):
    folder = olist_folder("complete")
    load(folder)
    before = snapshot()
    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text(sellers.read_text().replace('"seller_city"', '"seller_town"', 1))

    with pytest.raises(LoadError, match=r"olist_sellers_dataset\.csv: unexpected header"):
        load(folder)

    assert snapshot() == before
    assert not (folder / "rejects").exists()


def test_unparsable_file_rolls_back_the_whole_run(olist_folder):
    folder = olist_folder("bad_rows")
    reviews = folder / olist_format.REVIEWS.file_name
    reviews.write_text(reviews.read_text() + f"{hid('a', 7)},{hid('e', 1)},5,,,x,y,extra\n")

    with pytest.raises(LoadError, match=r"olist_order_reviews_dataset\.csv: cannot load the CSV"):
        load(folder)

    assert counts() == {t: 0 for t in TABLES}
    assert not (folder / "rejects").exists()  # the rejects of the earlier files are gone too
    assert sql("select count(*) from pg_class where relname like 'olist\\_%%'") == [(0,)]


def test_empty_file_is_an_error(olist_folder):
    folder = olist_folder("catalogue")
    (folder / olist_format.SELLERS.file_name).write_bytes(b"")

    with pytest.raises(LoadError, match="empty"):
        load(folder)
    assert counts()["product_categories"] == 0


def test_indexes_and_foreign_keys_are_rebuilt_identically_on_a_bulk_load(olist_folder, monkeypatch):
    def schema():
        indexes = sql(
            "select tablename, indexname, indexdef from pg_indexes"
            " where schemaname = current_schema() order by 1, 2"
        )
        constraints = sql(
            "select conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
            " from pg_constraint where connamespace = current_schema()::regnamespace"
            " order by 1, 2"
        )
        return indexes, constraints

    before = schema()
    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 1)
    folder = olist_folder("complete")

    load(folder)  # into empty tables
    assert schema() == before
    assert counts() == COMPLETE_COUNTS

    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text(sellers.read_text() + f"{hid('f', 9)},13023,campinas,SP\n")
    report = load(folder)  # into tables that hold as many rows as the load brings, or fewer

    assert schema() == before
    assert (report["sellers"].inserted, report["sellers"].unchanged) == (1, 3)
    assert counts() == COMPLETE_COUNTS | {"sellers": COMPLETE_COUNTS["sellers"] + 1}


def test_a_bulk_load_drops_only_the_unique_constraints_no_foreign_key_depends_on():
    with connection.cursor() as cursor:
        independent = {
            table: [name for name, _ in loader._independent_unique_constraints(cursor, table)]
            for table in ("geolocation", "orders", "customers", "order_items")
        }

    assert independent == {
        "geolocation": ["geolocation_pkey", "geolocation_point_unique"],
        "orders": [],  # referenced by deliveries, order_items, payments, reviews
        "customers": [],  # referenced by orders
        "order_items": ["order_items_key", "order_items_pkey"],
    }


def test_a_bulk_load_still_enforces_the_unique_constraints(olist_folder, monkeypatch):
    """The unique constraints a bulk load drops are added again before the commit."""
    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 1)
    load(olist_folder("complete"))

    with pytest.raises(IntegrityError, match="order_items_key"), transaction.atomic():
        sql(
            "insert into order_items (order_id, order_item_id, product_id, seller_id,"
            " shipping_limit_date, price, freight_value)"
            " select order_id, order_item_id, product_id, seller_id, shipping_limit_date,"
            " price, freight_value from order_items limit 1 returning 1"
        )
    with pytest.raises(IntegrityError, match="geolocation_point_unique"), transaction.atomic():
        sql(
            "insert into geolocation (geolocation_zip_code_prefix, geolocation_lat,"
            " geolocation_lng, geolocation_city, geolocation_state)"
            " select geolocation_zip_code_prefix, geolocation_lat, geolocation_lng,"
            " geolocation_city, geolocation_state from geolocation limit 1 returning 1"
        )

    assert counts() == COMPLETE_COUNTS


def test_a_bulk_load_still_enforces_the_foreign_keys(olist_folder, monkeypatch):
    """The foreign keys a bulk load drops are added again, checked, before the commit."""
    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 1)
    load(olist_folder("complete"))
    order = hid("e", 1)

    with pytest.raises(IntegrityError, match="foreign key"), transaction.atomic():
        sql("delete from deliveries where order_id = %s returning 1", [order])
        sql("delete from orders where order_id = %s returning 1", [order])

    assert sql("select count(*) from orders where order_id = %s", [order]) == [(1,)]


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def test_command_prints_the_summary(olist_folder):
    out = io.StringIO()

    call_command("load_olist", str(olist_folder("bad_rows")), "--no-progress", stdout=out)

    text = out.getvalue()
    assert "order_items" in text and "rejected" in text
    assert "payment_installments must be >= 1 (1)" in text
    assert "Total: 53 read, 14 loaded, 39 rejected." in text


def test_command_exit_codes(olist_folder, tmp_path):
    with pytest.raises(CommandError, match="none of the Olist files") as empty:
        call_command("load_olist", str(tmp_path))
    assert empty.value.returncode == 2

    folder = olist_folder("catalogue")
    products = folder / olist_format.PRODUCTS.file_name
    products.write_text(products.read_text().replace("lenght", "length"))
    with pytest.raises(CommandError, match="unexpected header") as header:
        call_command("load_olist", str(folder))
    assert header.value.returncode == 1
    assert "\n" not in str(header.value)


def test_rejects_folder_cannot_be_the_data_folder(olist_folder):
    folder = olist_folder("bad_rows")

    with pytest.raises(LoadError, match="rejects folder cannot be the data folder"):
        load(folder, rejects_dir=folder)


def test_rejects_folder_can_be_elsewhere(olist_folder, tmp_path):
    report = load(olist_folder("bad_rows"), rejects_dir=tmp_path / "out")

    assert report["payments"].rejects_file == tmp_path / "out" / olist_format.PAYMENTS.file_name
    assert len(read_rejects(report["payments"].rejects_file)) == 4


@pytest.mark.django_db(transaction=False)
def test_load_inside_a_callers_transaction(olist_folder):
    """Run inside the test's transaction (a savepoint): twice, then the session is as before."""
    assert connection.in_atomic_block
    folder = olist_folder("complete")
    settings = "select current_setting('work_mem'), current_setting('enable_nestloop')"
    before = sql(settings)

    load(folder)
    report = load(folder)

    assert report.loaded == report.read and report["orders"].unchanged == 4
    assert counts() == COMPLETE_COUNTS
    assert sql(settings) == before
    assert sql("select count(*) from pg_class where relname like 'olist\\_%%'") == [(0,)]


def test_trailing_empty_lines_are_ignored(olist_folder):
    folder = olist_folder("catalogue")
    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_bytes(sellers.read_bytes() + b"\n\r\n")

    report = load(folder)

    assert (report["sellers"].read, report["sellers"].rejected) == (2, 0)


def test_line_numbers_count_line_breaks_inside_any_quoted_field(olist_folder):
    folder = olist_folder("catalogue", only=[olist_format.SELLERS.file_name])
    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text(
        sellers.read_text() + '"bad\nid",13023,campinas,SP\n' + f"{hid('f', 9)},1302,x,SP\n"
    )

    report = load(folder)

    assert reasons(report, "sellers") == [
        (4, "seller_id must be 32 lowercase hex characters (got 'bad\nid')"),
        (6, "seller_zip_code_prefix must be 5 digits (got '1302')"),
    ]


def test_line_numbers_count_line_breaks_in_several_fields_of_a_record(olist_folder):
    folder = olist_folder("catalogue", only=[olist_format.SELLERS.file_name])
    sellers = folder / olist_format.SELLERS.file_name
    sellers.write_text(
        sellers.read_text()
        + f'{hid("f", 8)},13023,"campinas\r\ncentro","S\nP"\n'
        + f'{hid("f", 9)},,"a\n\nb",SP\n'
        + "bad,13023,x,SP\n"
    )

    report = load(folder)

    assert reasons(report, "sellers") == [
        (4, "seller_state must be a Brazilian state code (UF) (got 'S\nP')"),
        (7, "seller_zip_code_prefix is required"),
        (10, "seller_id must be 32 lowercase hex characters (got 'bad')"),
    ]


TIMESTAMPS = [
    "2017-10-02 10:56:33",
    "0000-00-00 00:00:00",
    "9999-99-99 99:99:99",
    "2017-10-02 10:56:3",
    "2017-10-02 10:56:333",
    "2017-10-02T10:56:33",
    "2017-10-02 10-56-33",
    "2017:10:02 10:56:33",
    "2017-10-0210:56:33 ",
    " 2017-10-02 10:56:3",
    "2017-10-02  0:56:33",
    "2017--0-02 10:56:33",
    "2017-10-02 10:5::33",
    "20 7-10-02 10:56:33",
    "2017-10-02 10:56:3a",
    "2017-1\n-02 10:56:33",
    "2017-10-02 10:56:33\n",
    "\uff12017-10-02 10:56:33",  # a fullwidth digit
    "2017-10-02 10:56:3é",
    "2017-10-02 10:56:3%",
    "2017-10-02 10:56:3_",
    "",
    "-- ::",
]


def test_the_timestamp_shape_check_is_the_regular_expression():
    """``_not_timestamp_shape`` stands for ``!~ TIMESTAMP_RE``: the same answer for any text."""
    check = loader._not_timestamp_shape("v.x").replace("%", "%%")  # not a placeholder
    rows = sql(
        f"select v.x, {check}, v.x !~ %s from unnest(%s::text[]) as v(x)",
        [loader.TIMESTAMP_RE, [*TIMESTAMPS, None]],
    )

    assert [(x, cheap) for x, cheap, _ in rows] == [(x, regex) for x, _, regex in rows]
    assert [x for x, cheap, _ in rows if cheap is False] == ["2017-10-02 10:56:33"] + [
        x for x in TIMESTAMPS[1:3]
    ]
    assert rows[-1][1:] == (None, None)
