"""The shop's schema keeps its own integrity and change history, whoever writes to it.

Rows are written with raw SQL on purpose: these rules must hold for COPY and for any client,
not only for the Django ORM.
"""

import pytest
from core.domain import OLIST_ID_PATTERN, ZIP_PREFIX_PATTERN
from core.models import TrackedModel
from django.apps import apps
from django.db import IntegrityError, connection, transaction

pytestmark = pytest.mark.django_db

HEX_A, HEX_B, HEX_C, HEX_D = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def insert_customer(customer_id=HEX_A, zip_prefix="01037", state="SP", unique_id=HEX_B):
    sql(
        "insert into customers (customer_id, customer_unique_id, customer_zip_code_prefix,"
        " customer_city, customer_state) values (%s, %s, %s, 'sao paulo', %s)",
        (customer_id, unique_id, zip_prefix, state),
    )


def insert_order(order_id=HEX_C, customer_id=HEX_A, status="delivered"):
    sql(
        "insert into orders (order_id, customer_id, order_status, order_purchase_timestamp)"
        " values (%s, %s, %s, '2017-10-02 10:56:33-03')",
        (order_id, customer_id, status),
    )


def insert_catalogue():
    sql("insert into product_categories (product_category_name) values ('perfumaria')")
    sql(
        "insert into sellers (seller_id, seller_zip_code_prefix, seller_city, seller_state)"
        " values (%s, '13023', 'campinas', 'SP')",
        (HEX_D,),
    )
    sql(
        "insert into products (product_id, product_category_name) values (%s, 'perfumaria')",
        (HEX_B,),
    )


def insert_item(price="58.90", freight="13.29", product_id=HEX_B):
    sql(
        "insert into order_items (order_id, order_item_id, product_id, seller_id,"
        " shipping_limit_date, price, freight_value)"
        " values (%s, 1, %s, %s, '2017-10-06 11:07:15-03', %s, %s)",
        (HEX_C, product_id, HEX_D, price, freight),
    )


def rejected(statement_thunk) -> bool:
    """True when the database refuses the write (checked immediately, deferred FKs included)."""
    try:
        with transaction.atomic():
            sql("set constraints all immediate")
            statement_thunk()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("label", "write"),
    [
        ("id not 32-hex", lambda: insert_customer(customer_id="not-a-hex-id")),
        ("upper-case hex id", lambda: insert_customer(customer_id="A" * 32)),
        ("zip prefix of 4 digits", lambda: insert_customer(zip_prefix="1037")),
        ("zip prefix with letters", lambda: insert_customer(zip_prefix="0103A")),
        ("state that is not a UF", lambda: insert_customer(state="XX")),
        ("lower-case state", lambda: insert_customer(state="sp")),
    ],
)
def test_customer_rules_are_enforced_by_the_database(label, write):
    assert rejected(write), label


def test_valid_customer_is_accepted():
    assert not rejected(insert_customer)


@pytest.mark.parametrize(
    ("label", "write"),
    [
        ("status outside the Olist set", lambda: insert_order(status="lost")),
        ("order of an unknown customer", lambda: insert_order(customer_id=HEX_D)),
        ("negative price", lambda: insert_item(price="-0.01")),
        ("negative freight", lambda: insert_item(freight="-1.00")),
        ("item of an unknown product", lambda: insert_item(product_id=HEX_A)),
        (
            "installments below 1",
            lambda: sql(
                "insert into payments (order_id, payment_sequential, payment_type,"
                " payment_installments, payment_value) values (%s, 1, 'credit_card', 0, 10)",
                (HEX_C,),
            ),
        ),
        (
            "unknown payment type",
            lambda: sql(
                "insert into payments (order_id, payment_sequential, payment_type,"
                " payment_installments, payment_value) values (%s, 1, 'pix', 1, 10)",
                (HEX_C,),
            ),
        ),
        (
            "negative payment",
            lambda: sql(
                "insert into payments (order_id, payment_sequential, payment_type,"
                " payment_installments, payment_value) values (%s, 1, 'boleto', 1, -5)",
                (HEX_C,),
            ),
        ),
        (
            "review score 6",
            lambda: sql(
                "insert into reviews (review_id, order_id, review_score, review_creation_date)"
                " values (%s, %s, 6, '2017-10-12')",
                (HEX_A, HEX_C),
            ),
        ),
        (
            "review score 0",
            lambda: sql(
                "insert into reviews (review_id, order_id, review_score, review_creation_date)"
                " values (%s, %s, 0, '2017-10-12')",
                (HEX_A, HEX_C),
            ),
        ),
        (
            "geolocation outside the globe",
            lambda: sql(
                "insert into geolocation (geolocation_zip_code_prefix, geolocation_lat,"
                " geolocation_lng, geolocation_city, geolocation_state)"
                " values ('01037', -123.5, -46.6, 'sao paulo', 'SP')"
            ),
        ),
    ],
)
def test_order_rules_are_enforced_by_the_database(label, write):
    insert_customer()
    insert_order()
    insert_catalogue()
    assert rejected(write), label


OLIST_IDS = [
    HEX_A,
    "0123456789abcdef" * 2,
    "A" * 32,
    "a" * 31,
    "a" * 33,
    "g" + "a" * 31,
    " " + "a" * 31,
    "a" * 31 + "\n",
    "a" * 32 + "\n",
    "\uff41" * 32,  # fullwidth "a"
    "a" * 16 + "-" + "a" * 15,
    "",
]
ZIP_PREFIXES = [
    "01037",
    "99999",
    "0103",
    "010370",
    "0103a",
    " 1037",
    "01037\n",
    "\uff10\uff11\uff10\uff13\uff17",  # fullwidth digits
    "\u0661\u0662\u0663\u0664\u0665",  # Arabic-Indic digits
    "-1037",
    "",
]


@pytest.mark.parametrize(
    ("suffix", "pattern", "values", "checks", "valid"),
    [
        ("_is_olist_id", OLIST_ID_PATTERN, OLIST_IDS, 6, 2),
        ("_5_digits", ZIP_PREFIX_PATTERN, ZIP_PREFIXES, 3, 2),
    ],
    ids=["olist id", "zip prefix"],
)
def test_every_check_stands_for_its_regular_expression(suffix, pattern, values, checks, valid):
    """The tables' id and zip prefix checks, written as a length and a character class, stand
    for ``~ OLIST_ID_PATTERN`` and ``~ ZIP_PREFIX_PATTERN``: the same answer for any text."""
    found = sql(
        "select conname, conrelid::regclass::text, pg_get_expr(conbin, conrelid)"
        " from pg_constraint where contype = 'c' and conname like %s order by 1",
        ["%" + suffix],
    )
    assert len(found) == checks
    for name, table, expression in found:
        column = name.removesuffix(suffix).removeprefix(table + "_")
        rows = sql(
            f"select {column}, {expression}, {column} ~ %s from unnest(%s::text[]) as v({column})",
            [pattern, values],
        )
        assert [(x, check) for x, check, _ in rows] == [(x, regex) for x, _, regex in rows], name
        assert [x for x, check, _ in rows if check] == values[:valid], name


def test_a_review_id_may_cover_two_orders_but_not_twice_the_same_order():
    insert_customer()
    insert_order()
    insert_customer(customer_id=HEX_D)
    insert_order(order_id=HEX_B, customer_id=HEX_D)
    review = (
        "insert into reviews (review_id, order_id, review_score, review_creation_date)"
        " values (%s, %s, 5, '2017-10-12')"
    )
    sql(review, (HEX_A, HEX_C))
    sql(review, (HEX_A, HEX_B))
    assert rejected(lambda: sql(review, (HEX_A, HEX_C)))


def test_every_tracked_table_has_indexed_timestamps():
    tracked = [m for m in apps.get_models() if issubclass(m, TrackedModel)]
    assert {m._meta.db_table for m in tracked} == {
        "geolocation", "product_categories", "sellers", "products", "customers",
        "orders", "deliveries", "order_items", "payments", "reviews",
    }  # fmt: skip
    indexed = {
        (table, column)
        for table, column in sql(
            "select t.relname, a.attname from pg_index i"
            " join pg_class t on t.oid = i.indrelid"
            " join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]"
        )
    }
    for model in tracked:
        for column in ("created_at", "updated_at"):
            assert (model._meta.db_table, column) in indexed, (model._meta.db_table, column)


@pytest.mark.django_db(transaction=True)
class TestChangeTracking:
    """Separate transactions: now() is the transaction's start time."""

    def timestamps(self):
        return sql("select created_at, updated_at from customers where customer_id = %s", (HEX_A,))[
            0
        ]

    def test_insert_sets_both_timestamps(self):
        insert_customer()
        created_at, updated_at = self.timestamps()
        assert created_at is not None and created_at == updated_at

    def test_a_real_change_moves_updated_at_and_keeps_created_at(self):
        insert_customer()
        created_at, first_updated_at = self.timestamps()
        sql(
            "update customers set customer_city = 'campinas', created_at = '2000-01-01'"
            " where customer_id = %s",
            (HEX_A,),
        )
        kept_created_at, updated_at = self.timestamps()
        assert kept_created_at == created_at
        assert updated_at > first_updated_at

    def test_rewriting_identical_values_leaves_updated_at_alone(self):
        insert_customer()
        before = self.timestamps()
        sql("update customers set customer_city = 'sao paulo' where customer_id = %s", (HEX_A,))
        assert self.timestamps() == before

    def test_orm_save_moves_updated_at(self):
        from customers.models import Customer

        insert_customer()
        _, before = self.timestamps()
        customer = Customer.objects.get(pk=HEX_A)
        customer.customer_city = "santos"
        customer.save()
        assert self.timestamps()[1] > before

    def test_hard_deletes_leave_tombstones_including_cascades(self):
        insert_customer()
        insert_order()
        insert_catalogue()
        insert_item()
        from orders.models import Order

        Order.objects.filter(pk=HEX_C).delete()  # Django cascades to the items
        tombstones = sql(
            "select table_name, row_key, row_data->>'order_id' from deleted_rows"
            " order by table_name"
        )
        assert [(t, d) for t, _, d in tombstones] == [("order_items", HEX_C), ("orders", HEX_C)]
        assert tombstones[1][1] == HEX_C  # the order's key is its order_id
