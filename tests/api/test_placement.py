"""Placing an order: everything written in one go, or nothing at all."""

from datetime import timedelta
from decimal import Decimal

import pytest
from customers.models import Customer
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from orders.models import Delivery, Order, OrderItem
from shop_builder import hex_id, placement, row_counts

pytestmark = pytest.mark.django_db


def test_placing_an_order_writes_customer_order_delivery_items_and_payments(shop, writer):
    before = row_counts()
    started = timezone.now()
    response = writer.post("/api/orders/", placement(shop), format="json")
    assert response.status_code == 201, response.content
    body = response.json()

    order = Order.objects.select_related("customer", "delivery").get(pk=body["order_id"])
    assert len(order.order_id) == 32
    assert order.order_status == "created"
    assert started <= order.order_purchase_timestamp <= timezone.now()
    assert order.order_approved_at is None
    customer = order.customer
    assert customer.customer_unique_id != customer.customer_id  # a new person, a new customer
    assert (customer.customer_zip_code_prefix, customer.customer_city, customer.customer_state) == (
        "01037",
        "sao paulo",
        "SP",
    )
    purchase_date = timezone.localdate(order.order_purchase_timestamp)
    assert order.delivery.order_estimated_delivery_date == purchase_date + timedelta(days=24)

    items = list(order.items.order_by("order_item_id"))
    assert [
        (i.order_item_id, i.product_id, i.seller_id, i.price, i.freight_value) for i in items
    ] == [
        (1, shop.perfume.pk, shop.seller_sp.pk, Decimal("29.99"), Decimal("8.72")),
        (2, shop.towel.pk, shop.seller_rj.pk, Decimal("118.70"), Decimal("22.76")),
    ]
    assert items[0].shipping_limit_date == order.order_purchase_timestamp + timedelta(days=6)
    payments = list(order.payments.order_by("payment_sequential"))
    assert [(p.payment_sequential, p.payment_type, p.payment_value) for p in payments] == [
        (1, "credit_card", Decimal("150.00")),
        (2, "voucher", Decimal("30.17")),
    ]
    assert sum(p.payment_value for p in payments) == sum(i.price + i.freight_value for i in items)

    after = row_counts()
    assert {table: after[table] - before[table] for table in after} == {
        "geolocation": 0,
        "product_categories": 0,
        "sellers": 0,
        "products": 0,
        "customers": 1,
        "orders": 1,
        "deliveries": 1,
        "order_items": 2,
        "payments": 2,
        "reviews": 0,
    }
    # The answer is the order's detail, as GET shows it.
    assert body == writer.get(f"/api/orders/{order.pk}/").json()
    assert body["customer"]["customer_id"] == customer.customer_id
    assert [item["order_item_id"] for item in body["items"]] == [1, 2]
    assert body["reviews"] == []


def test_a_returning_person_gets_a_new_customer_id_and_keeps_the_unique_id(shop, writer):
    body = placement(shop)
    body["customer"]["customer_unique_id"] = shop.ana.customer_unique_id
    body["order_estimated_delivery_date"] = "2099-01-31"
    response = writer.post("/api/orders/", body, format="json")
    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["order_id"])
    assert order.customer_id not in (shop.ana.pk, shop.ana_again.pk)
    assert order.customer.customer_unique_id == shop.ana.customer_unique_id
    assert Customer.objects.filter(customer_unique_id=shop.ana.customer_unique_id).count() == 3
    assert Delivery.objects.get(order=order).order_estimated_delivery_date.isoformat() == (
        "2099-01-31"
    )


def without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


def item_with(shop, **changes) -> list[dict]:
    return [placement(shop)["items"][0] | changes, placement(shop)["items"][1]]


def payment_with(shop, **changes) -> list[dict]:
    return [placement(shop)["payments"][0] | changes, placement(shop)["payments"][1]]


REFUSALS = {
    "unknown product": (
        lambda shop: {"items": item_with(shop, product_id=hex_id("999"))},
        lambda errors: (
            "No product has product_id" in errors["items"]["0"]["product_id"][0]
            and "1" not in errors["items"]
        ),
    ),
    "unknown seller": (
        lambda shop: {"items": item_with(shop, seller_id=hex_id("999"))},
        lambda errors: hex_id("999") in errors["items"]["0"]["seller_id"][0],
    ),
    "unknown person": (
        lambda shop: {
            "customer": placement(shop)["customer"] | {"customer_unique_id": hex_id("999")}
        },
        lambda errors: "customer_unique_id" in errors["customer"],
    ),
    "malformed product id": (
        lambda shop: {"items": item_with(shop, product_id="not-an-id")},
        lambda errors: "product_id" in errors["items"]["0"],
    ),
    "empty items": (
        lambda shop: {"items": []},
        lambda errors: "items" in errors,
    ),
    "no payments": (
        lambda shop: {"payments": []},
        lambda errors: "payments" in errors,
    ),
    "payments short by a cent": (
        lambda shop: {"payments": payment_with(shop, payment_value="149.99")},
        lambda errors: "180.16" in errors["payments"][0] and "180.17" in errors["payments"][0],
    ),
    "payments over by a cent": (
        lambda shop: {"payments": payment_with(shop, payment_value="150.01")},
        lambda errors: "must be equal to the cent" in errors["payments"][0],
    ),
    "invalid state": (
        lambda shop: {"customer": placement(shop)["customer"] | {"customer_state": "XX"}},
        lambda errors: "customer_state" in errors["customer"],
    ),
    "lower-case state": (
        lambda shop: {"customer": placement(shop)["customer"] | {"customer_state": "sp"}},
        lambda errors: "customer_state" in errors["customer"],
    ),
    "zip of 4 digits": (
        lambda shop: {
            "customer": placement(shop)["customer"] | {"customer_zip_code_prefix": "1037"}
        },
        lambda errors: "customer_zip_code_prefix" in errors["customer"],
    ),
    "zip with a letter": (
        lambda shop: {
            "customer": placement(shop)["customer"] | {"customer_zip_code_prefix": "0103A"}
        },
        lambda errors: "customer_zip_code_prefix" in errors["customer"],
    ),
    "missing city": (
        lambda shop: {"customer": without(placement(shop)["customer"], "customer_city")},
        lambda errors: "customer_city" in errors["customer"],
    ),
    "missing customer": (
        lambda shop: {"customer": None},
        lambda errors: "customer" in errors,
    ),
    "invalid payment type": (
        lambda shop: {"payments": payment_with(shop, payment_type="pix")},
        lambda errors: "payment_type" in errors["payments"]["0"],
    ),
    "undefined payment type": (
        lambda shop: {"payments": payment_with(shop, payment_type="not_defined")},
        lambda errors: "payment_type" in errors["payments"]["0"],
    ),
    "zero installments": (
        lambda shop: {"payments": payment_with(shop, payment_installments=0)},
        lambda errors: "payment_installments" in errors["payments"]["0"],
    ),
    "more installments than Olist offers": (
        lambda shop: {"payments": payment_with(shop, payment_installments=25)},
        lambda errors: "payment_installments" in errors["payments"]["0"],
    ),
    "negative price": (
        lambda shop: {"items": item_with(shop, price="-29.99")},
        lambda errors: "price" in errors["items"]["0"],
    ),
    "negative freight": (
        lambda shop: {"items": item_with(shop, freight_value="-1.00")},
        lambda errors: "freight_value" in errors["items"]["0"],
    ),
    "negative payment": (
        lambda shop: {"payments": payment_with(shop, payment_value="-150.00")},
        lambda errors: "payment_value" in errors["payments"]["0"],
    ),
    "fraction of a cent": (
        lambda shop: {"items": item_with(shop, price="29.995")},
        lambda errors: "price" in errors["items"]["0"],
    ),
    "money too large": (
        lambda shop: {"items": item_with(shop, price="12345678901234.00")},
        lambda errors: "price" in errors["items"]["0"],
    ),
    "price as text": (
        lambda shop: {"items": item_with(shop, price="cheap")},
        lambda errors: "price" in errors["items"]["0"],
    ),
    "installments as text": (
        lambda shop: {"payments": payment_with(shop, payment_installments="three")},
        lambda errors: "payment_installments" in errors["payments"]["0"],
    ),
    "items not a list": (
        lambda shop: {"items": {"product_id": shop.perfume.pk}},
        lambda errors: "items" in errors,
    ),
    "item not an object": (
        lambda shop: {"items": ["perfume"]},
        lambda errors: "items" in errors,
    ),
    "promise before the purchase": (
        lambda shop: {"order_estimated_delivery_date": "2001-01-01"},
        lambda errors: "order_estimated_delivery_date" in errors,
    ),
    "promise not a date": (
        lambda shop: {"order_estimated_delivery_date": "next week"},
        lambda errors: "order_estimated_delivery_date" in errors,
    ),
    "NUL in the city": (
        lambda shop: {"customer": placement(shop)["customer"] | {"customer_city": "sao\x00paulo"}},
        lambda errors: "customer_city" in errors["customer"],
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_placements_are_400_with_field_errors_and_write_nothing(shop, writer, case):
    change, errors_are_right = REFUSALS[case]
    before = row_counts()
    response = writer.post("/api/orders/", placement(shop, **change(shop)), format="json")
    assert response.status_code == 400, response.content
    assert errors_are_right(response.json()), response.json()
    assert row_counts() == before


def test_every_problem_is_reported_at_once(shop, writer):
    body = placement(
        shop,
        items=item_with(shop, product_id=hex_id("998"), seller_id=hex_id("999")),
        payments=payment_with(shop, payment_value="1.00"),
    )
    errors = writer.post("/api/orders/", body, format="json").json()
    assert set(errors) == {"items", "payments"}
    assert set(errors["items"]["0"]) == {"product_id", "seller_id"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('{"customer": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"an order"', "application/json"),
        ("null", "application/json"),
        ("customer=x", "text/plain"),
    ],
)
def test_malformed_bodies_are_400_or_415_and_write_nothing(shop, writer, content, content_type):
    before = row_counts()
    response = writer.generic("POST", "/api/orders/", content, content_type=content_type)
    assert response.status_code in (400, 415)
    assert row_counts() == before


@pytest.fixture
def payments_refused():
    """The database refuses every payment row, so a placement fails in its last insert, after
    customer, order, delivery and items went in. Committed (for a test in autocommit mode, as
    the server runs), and dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "create function test_refuse_payment() returns trigger language plpgsql"
            " as $$ begin raise exception 'the disk is full'; end $$"
        )
        cursor.execute(
            "create trigger test_refuse_payment before insert on payments"
            " for each row execute function test_refuse_payment()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("drop trigger test_refuse_payment on payments")
        cursor.execute("drop function test_refuse_payment()")


# Autocommit, as under gunicorn: no test transaction around the request to roll anything back.
@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_first_insert_leaves_nothing_behind(shop, writer, payments_refused):
    """Atomicity: the payments' insert fails after customer, order, delivery and items went
    in; the database must show none of them."""
    before = row_counts()
    writer.raise_request_exception = False
    response = writer.post("/api/orders/", placement(shop), format="json")
    assert response.status_code == 500
    assert row_counts() == before
    assert (
        not OrderItem.objects.filter(product=shop.perfume, price=Decimal("29.99"))
        .exclude(order=shop.delivered)
        .exists()
    )
    # The failure left the connection usable: the next placement goes through.
    with connection.cursor() as cursor:
        cursor.execute("alter table payments disable trigger test_refuse_payment")
    assert writer.post("/api/orders/", placement(shop), format="json").status_code == 201
    assert Order.objects.count() == before["orders"] + 1


def test_placement_costs_the_same_number_of_queries_for_one_item_or_many(shop, writer):
    def queries_for(item_count: int) -> int:
        item = placement(shop)["items"][0]
        body = placement(
            shop,
            items=[item] * item_count,
            payments=[
                {
                    "payment_type": "boleto",
                    "payment_installments": 1,
                    "payment_value": str(item_count * Decimal("38.71")),
                }
            ],
        )
        with CaptureQueriesContext(connection) as queries:
            assert writer.post("/api/orders/", body, format="json").status_code == 201
        return len(queries)

    assert queries_for(1) == queries_for(8)


def test_placement_costs_two_queries(shop, writer, django_assert_num_queries):
    """The token with its user and permissions, and one statement that looks up everything
    the order names and writes the order with everything that hangs off it (so no BEGIN and
    COMMIT either); a returning person is looked up in the same statement."""
    body = placement(shop)
    body["customer"]["customer_unique_id"] = shop.ana.customer_unique_id
    with django_assert_num_queries(2):
        assert writer.post("/api/orders/", body, format="json").status_code == 201


@pytest.mark.parametrize(
    "total_is_wrong",
    # False: found unknown by the statement that would have written the order. True: refused
    # before any write is tried (the payments do not add up), by the lookup alone.
    [False, True],
    ids=["unknown reference", "unknown reference and a wrong total"],
)
def test_a_refused_placement_costs_two_queries_and_writes_nothing(
    shop, writer, django_assert_num_queries, total_is_wrong
):
    body = placement(shop, items=item_with(shop, product_id=hex_id("999")))
    if total_is_wrong:
        body["payments"] = payment_with(shop, payment_value="1.00")
    before = row_counts()
    with django_assert_num_queries(2):
        response = writer.post("/api/orders/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == ({"items", "payments"} if total_is_wrong else {"items"})
    assert "No product has product_id" in response.json()["items"]["0"]["product_id"][0]
    assert row_counts() == before


def test_a_product_and_seller_named_twice_count_once(shop, writer):
    """Each known product and seller is found once however often the order names it, so an
    order naming the same ones twice is complete, and an unknown one named twice is reported
    at both positions."""
    item = placement(shop)["items"][0]
    payments = [{"payment_type": "boleto", "payment_installments": 1, "payment_value": "77.42"}]
    response = writer.post(
        "/api/orders/", placement(shop, items=[item, item], payments=payments), format="json"
    )
    assert response.status_code == 201, response.content
    assert [i["product_id"] for i in response.json()["items"]] == [shop.perfume.pk] * 2

    before = row_counts()
    unknown = item | {"seller_id": hex_id("999")}
    response = writer.post(
        "/api/orders/", placement(shop, items=[unknown, unknown], payments=payments), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["items"]) == {"0", "1"}
    assert all(set(errors) == {"seller_id"} for errors in response.json()["items"].values())
    assert row_counts() == before


def test_a_returning_person_with_an_unknown_product_writes_nothing(shop, writer):
    body = placement(shop, items=item_with(shop, product_id=hex_id("999")))
    body["customer"]["customer_unique_id"] = shop.ana.customer_unique_id
    before = row_counts()
    response = writer.post("/api/orders/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"items"}  # the person is known
    assert set(response.json()["items"]) == {"0"}
    assert row_counts() == before


def test_write_permission_through_a_group_and_its_withdrawal_count_at_once(shop, reader):
    """The permission check reads the token's user's permissions in the token's query, fresh
    on every request: given through a group it lets the next write in, withdrawn it refuses
    the next one."""
    user = User.objects.get(username="reader")
    assert reader.post("/api/orders/", placement(shop), format="json").status_code == 403
    app_label, codename = settings.SHOP_WRITE_PERMISSION.split(".")
    staff = Group.objects.create(name="shop staff")
    staff.permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    user.groups.add(staff)
    assert reader.post("/api/orders/", placement(shop), format="json").status_code == 201
    user.groups.remove(staff)
    assert reader.post("/api/orders/", placement(shop), format="json").status_code == 403


def test_a_deactivated_users_token_is_refused_at_once(shop, writer):
    assert writer.post("/api/orders/", placement(shop), format="json").status_code == 201
    User.objects.filter(username="writer").update(is_active=False)
    assert writer.post("/api/orders/", placement(shop), format="json").status_code == 401
    assert writer.get("/api/orders/").status_code == 401
