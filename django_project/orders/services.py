"""Writes of orders: placing one, moving it through its lifecycle, reviewing it.

Each service writes in one transaction (placing an order: in one statement), so a refused
request writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NotRequired, TypedDict

from core.exceptions import Conflict, InvalidInput
from customers.models import Customer
from django.db import connection, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from orders.models import Delivery, Order, OrderItem, Payment, Review

# Olist promises delivery 24 days after purchase on average (23.4 days over its 2016-2018
# orders); an order placed without an explicit promise gets that one.
ESTIMATED_DELIVERY_DAYS = 24
# Days the seller has to hand an item to the carrier, as in Olist's shipping_limit_date.
SHIPPING_LIMIT_DAYS = 6

Status = Order.Status


class CustomerInput(TypedDict):
    customer_unique_id: NotRequired[str | None]
    customer_zip_code_prefix: str
    customer_city: str
    customer_state: str


class ItemInput(TypedDict):
    product_id: str
    seller_id: str
    price: Decimal
    freight_value: Decimal


class PaymentInput(TypedDict):
    payment_type: str
    payment_installments: int
    payment_value: Decimal


def new_olist_id() -> str:
    return uuid.uuid4().hex


def default_estimated_delivery_date(purchased_at: datetime) -> date:
    """The promise made when the client makes none: the purchase's local date plus 24 days."""
    return timezone.localdate(purchased_at) + timedelta(days=ESTIMATED_DELIVERY_DAYS)


def order_place(
    *,
    customer: CustomerInput,
    items: Sequence[ItemInput],
    payments: Sequence[PaymentInput],
    estimated_delivery_date: date | None = None,
) -> Order:
    """Place an order as Olist records one: a fresh ``customer_id`` for this order (the person
    is ``customer_unique_id``: the given one, or a new person), the order in ``created`` status,
    its delivery promise, its items numbered 1..n and its payments numbered 1..n.

    The payments must add up to the items' price plus freight, to the cent. Unknown products,
    sellers or persons are reported per item, all at once.

    The order comes back as ``selectors.order_get`` reads one (customer, delivery and the
    ``item_list``, ``payment_list`` and ``review_list`` it wrote), ready for the detail.

    One statement whatever the order's size (``PLACEMENT_SQL``): it looks up everything the
    order names and, only if all of it is known, writes the order with everything that hangs
    off it. A single statement is atomic on its own, so a failure anywhere in it writes
    nothing, without the two extra round trips of BEGIN and COMMIT; the lookup sees the same
    snapshot as the write (and the foreign keys still refuse a product deleted meanwhile). An
    order that fails the checks made here first costs the lookup alone (``KNOWN_REFERENCES_SQL``),
    so that every problem is reported at once.
    """
    purchased_at = timezone.now()
    estimated_delivery_date = estimated_delivery_date or default_estimated_delivery_date(
        purchased_at
    )
    errors = _payment_errors(items, payments)
    if estimated_delivery_date < timezone.localdate(purchased_at):
        errors["order_estimated_delivery_date"] = ["The promise cannot be before the purchase."]
    if errors:
        raise InvalidInput(
            errors | _unknown_reference_errors(customer, items, _known(customer, items))
        )

    order = Order(
        order_id=new_olist_id(),
        customer=Customer(
            customer_id=new_olist_id(),
            customer_unique_id=customer.get("customer_unique_id") or new_olist_id(),
            customer_zip_code_prefix=customer["customer_zip_code_prefix"],
            customer_city=customer["customer_city"],
            customer_state=customer["customer_state"],
        ),
        order_status=Status.CREATED,
        order_purchase_timestamp=purchased_at,
    )
    order.delivery = Delivery(order=order, order_estimated_delivery_date=estimated_delivery_date)
    shipping_limit = purchased_at + timedelta(days=SHIPPING_LIMIT_DAYS)
    order.item_list = [
        OrderItem(
            order=order,
            order_item_id=number,
            product_id=item["product_id"],
            seller_id=item["seller_id"],
            shipping_limit_date=shipping_limit,
            price=item["price"],
            freight_value=item["freight_value"],
        )
        for number, item in enumerate(items, start=1)
    ]
    order.payment_list = [
        Payment(
            order=order,
            payment_sequential=number,
            payment_type=payment["payment_type"],
            payment_installments=payment["payment_installments"],
            payment_value=payment["payment_value"],
        )
        for number, payment in enumerate(payments, start=1)
    ]
    order.review_list = []
    known = _insert_placement(order, customer.get("customer_unique_id"))
    if known is not None:
        raise InvalidInput(_unknown_reference_errors(customer, items, known))
    return order


# Every product, seller and person an order names that the shop knows, each tagged with its
# kind: one row per known product and seller (each is a key, however often the order names it)
# and at most one for the returning person. Plain SQL, like PLACEMENT_SQL: the ORM spent more
# CPU building this union than PostgreSQL spends running it.
KNOWN_REFERENCES_SQL = """
select 'product', product_id from products where product_id = any(%(product_ids)s::varchar[])
union all
select 'seller', seller_id from sellers where seller_id = any(%(seller_ids)s::varchar[])
union all
(select 'person', customer_unique_id from customers
 where customer_unique_id = %(returning_person)s::varchar
 limit 1)
"""

# The lookup above, then customer, order, delivery, items and payments, in one statement where
# the ORM would send six (each a round trip, and each costing more CPU to build than to run),
# the writes wrapped in BEGIN and COMMIT. The writes happen only if the lookup found as many
# rows as the order names distinct references (``reference_count``); otherwise nothing is
# written and the statement returns what it found, for the errors. PostgreSQL checks the
# foreign keys between the new rows at the statement's end, when all are there. Items and
# payments arrive as parallel arrays (one query text whatever the order's size, so it is
# prepared once per connection), numbered by their position. The rows' created_at and
# updated_at are the statement's timestamp (TrackedModel's database default), the same for
# all of them.
PLACEMENT_SQL = f"""
with known (kind, key) as ({KNOWN_REFERENCES_SQL}),
complete as (
    select count(*) = %(reference_count)s::bigint as ok from known
),
new_customer as (
    insert into customers (customer_id, customer_unique_id, customer_zip_code_prefix,
                           customer_city, customer_state)
    select %(customer_id)s::varchar, %(customer_unique_id)s::varchar,
           %(customer_zip_code_prefix)s::varchar, %(customer_city)s::varchar,
           %(customer_state)s::varchar
    from complete where ok
),
new_order as (
    insert into orders (order_id, customer_id, order_status, order_purchase_timestamp)
    select %(order_id)s::varchar, %(customer_id)s::varchar, %(order_status)s::varchar,
           %(order_purchase_timestamp)s::timestamptz
    from complete where ok
    returning created_at, updated_at
),
new_delivery as (
    insert into deliveries (order_id, order_estimated_delivery_date)
    select %(order_id)s::varchar, %(order_estimated_delivery_date)s::date
    from complete where ok
),
new_items as (
    insert into order_items (order_id, order_item_id, product_id, seller_id,
                             shipping_limit_date, price, freight_value)
    select %(order_id)s::varchar, item.number, item.product_id, item.seller_id,
           %(shipping_limit_date)s::timestamptz, item.price, item.freight_value
    from complete,
         unnest(%(product_ids)s::varchar[], %(seller_ids)s::varchar[], %(prices)s::numeric[],
                %(freight_values)s::numeric[])
         with ordinality as item (product_id, seller_id, price, freight_value, number)
    where complete.ok
    returning id, order_item_id
),
new_payments as (
    insert into payments (order_id, payment_sequential, payment_type, payment_installments,
                          payment_value)
    select %(order_id)s::varchar, payment.number, payment.payment_type, payment.installments,
           payment.payment_value
    from complete,
         unnest(%(payment_types)s::varchar[], %(installments)s::smallint[],
                %(payment_values)s::numeric[])
         with ordinality as payment (payment_type, installments, payment_value, number)
    where complete.ok
    returning id, payment_sequential
)
select (select ok from complete),
       (select array_agg(array[kind, key]) from known),
       (select created_at from new_order), (select updated_at from new_order),
       (select array_agg(id order by order_item_id) from new_items),
       (select array_agg(id order by payment_sequential) from new_payments)
"""


def _insert_placement(order: Order, returning_person: str | None) -> list | None:
    """Write the unsaved ``order`` built by ``order_place`` (its customer, delivery,
    ``item_list`` and ``payment_list``) and give every object the values the database chose;
    None then. If the shop does not know some product, seller or returning person it names,
    write nothing and return the ``(kind, key)`` pairs it does know instead."""
    customer, delivery = order.customer, order.delivery
    items, payments = order.item_list, order.payment_list
    product_ids = [item.product_id for item in items]
    seller_ids = [item.seller_id for item in items]
    with connection.cursor() as cursor:
        cursor.execute(
            PLACEMENT_SQL,
            {
                "product_ids": product_ids,
                "seller_ids": seller_ids,
                "returning_person": returning_person,
                "reference_count": (
                    len(set(product_ids)) + len(set(seller_ids)) + bool(returning_person)
                ),
                "customer_id": customer.customer_id,
                "customer_unique_id": customer.customer_unique_id,
                "customer_zip_code_prefix": customer.customer_zip_code_prefix,
                "customer_city": customer.customer_city,
                "customer_state": customer.customer_state,
                "order_id": order.order_id,
                "order_status": order.order_status,
                "order_purchase_timestamp": order.order_purchase_timestamp,
                "order_estimated_delivery_date": delivery.order_estimated_delivery_date,
                "shipping_limit_date": items[0].shipping_limit_date,
                "prices": [item.price for item in items],
                "freight_values": [item.freight_value for item in items],
                "payment_types": [payment.payment_type for payment in payments],
                "installments": [payment.payment_installments for payment in payments],
                "payment_values": [payment.payment_value for payment in payments],
            },
        )
        written, known, created_at, updated_at, item_ids, payment_ids = cursor.fetchone()
    if not written:
        return known or []
    for row in (customer, order, delivery, *items, *payments):
        row.created_at, row.updated_at = created_at, updated_at
        # Loaded from the database, as far as Django is concerned: a later save() updates.
        row._state.adding, row._state.db = False, connection.alias
    for row, row_id in zip(items, item_ids, strict=True):
        row.id = row_id
    for row, row_id in zip(payments, payment_ids, strict=True):
        row.id = row_id
    return None


def _payment_errors(items: Sequence[ItemInput], payments: Sequence[PaymentInput]) -> dict:
    due = sum((item["price"] + item["freight_value"] for item in items), Decimal(0))
    paid = sum((payment["payment_value"] for payment in payments), Decimal(0))
    if paid == due:
        return {}
    return {
        "payments": [
            f"The payments add up to {paid:.2f} but the items' price and freight add up to "
            f"{due:.2f}; they must be equal to the cent."
        ]
    }


def _known(customer: CustomerInput, items: Sequence[ItemInput]) -> list:
    """The ``(kind, key)`` pairs ``KNOWN_REFERENCES_SQL`` finds for an order refused before
    its write is tried, so that its errors name the unknown references too."""
    with connection.cursor() as cursor:
        cursor.execute(
            KNOWN_REFERENCES_SQL,
            {
                "product_ids": list({item["product_id"] for item in items}),
                "seller_ids": list({item["seller_id"] for item in items}),
                "returning_person": customer.get("customer_unique_id"),
            },
        )
        return cursor.fetchall()


def _unknown_reference_errors(
    customer: CustomerInput, items: Sequence[ItemInput], known: Iterable[Sequence[str]]
) -> dict:
    """Errors for every product, seller and person the order names that is not among the
    ``known`` ``(kind, key)`` pairs."""
    unique_id = customer.get("customer_unique_id")
    known_ids = {kind: set() for kind in ("product", "seller", "person")}
    for kind, key in known:
        known_ids[kind].add(key)

    errors: dict = {}
    if unique_id and unique_id not in known_ids["person"]:
        errors["customer"] = {
            "customer_unique_id": [f"No customer has customer_unique_id {unique_id}."]
        }
    # Keyed by the item's position, like the serializers' errors for a list.
    item_errors = {}
    for position, item in enumerate(items):
        problems = {}
        if item["product_id"] not in known_ids["product"]:
            problems["product_id"] = [f"No product has product_id {item['product_id']}."]
        if item["seller_id"] not in known_ids["seller"]:
            problems["seller_id"] = [f"No seller has seller_id {item['seller_id']}."]
        if problems:
            item_errors[position] = problems
    if item_errors:
        errors["items"] = item_errors
    return errors


@dataclass(frozen=True)
class Transition:
    """One lifecycle step: the statuses it leaves from, the status it reaches, and the
    timestamp it records (on the order or on its delivery)."""

    action: str
    allowed_from: tuple[str, ...]
    target: str
    order_timestamp: str | None = None
    delivery_timestamp: str | None = None


APPROVE = Transition("approve", (Status.CREATED,), Status.APPROVED, "order_approved_at")
INVOICE = Transition(
    "invoice", (Status.APPROVED, Status.PROCESSING), Status.INVOICED, "order_invoiced_at"
)
SHIP = Transition(
    "ship", (Status.INVOICED,), Status.SHIPPED, delivery_timestamp="order_delivered_carrier_date"
)
DELIVER = Transition(
    "deliver",
    (Status.SHIPPED,),
    Status.DELIVERED,
    delivery_timestamp="order_delivered_customer_date",
)
CANCEL = Transition(
    "cancel",
    (Status.CREATED, Status.APPROVED, Status.PROCESSING, Status.INVOICED),
    Status.CANCELED,
    "order_canceled_at",
)


def order_approve(*, order_id: str) -> Order:
    return _order_move(order_id, APPROVE)


def order_invoice(*, order_id: str) -> Order:
    return _order_move(order_id, INVOICE)


def order_ship(*, order_id: str) -> Order:
    return _order_move(order_id, SHIP)


def order_deliver(*, order_id: str) -> Order:
    return _order_move(order_id, DELIVER)


def order_cancel(*, order_id: str) -> Order:
    return _order_move(order_id, CANCEL)


def _order_move(order_id: str, transition: Transition) -> Order:
    """Apply one lifecycle step. The order's row is locked while its status is checked and
    changed, so two concurrent steps on one order cannot both pass the check."""
    now = timezone.now()
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.order_status not in transition.allowed_from:
            allowed = ", ".join(transition.allowed_from)
            raise Conflict(
                f"Cannot {transition.action} order {order_id}: its status is "
                f"{order.order_status}, and {transition.action} needs one of: {allowed}.",
                code="invalid_transition",
                current_status=order.order_status,
                allowed_statuses=list(transition.allowed_from),
            )
        order.order_status = transition.target
        changed = ["order_status"]
        if transition.order_timestamp:
            setattr(order, transition.order_timestamp, now)
            changed.append(transition.order_timestamp)
        order.save(update_fields=changed)
        if transition.delivery_timestamp:
            stamped = Delivery.objects.filter(order=order).update(
                **{transition.delivery_timestamp: now}
            )
            if not stamped:
                raise Conflict(
                    f"Cannot {transition.action} order {order_id}: it has no delivery record.",
                    code="no_delivery",
                )
    return order


def review_create(
    *, order_id: str, score: int, title: str | None = None, message: str | None = None
) -> Review:
    """Record the customer's review of a delivered order.

    Olist's ``review_creation_date`` is the midnight of the day the survey was sent and
    ``review_answer_timestamp`` the moment it was answered; a review posted here is sent and
    answered at once, so it gets today's midnight (São Paulo) and the current time.
    """
    now = timezone.now()
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.order_status != Status.DELIVERED:
            raise Conflict(
                f"Cannot review order {order_id}: its status is {order.order_status}; only a "
                "delivered order can be reviewed.",
                code="not_delivered",
                current_status=order.order_status,
            )
        return Review.objects.create(
            review_id=new_olist_id(),
            order=order,
            review_score=score,
            review_comment_title=title,
            review_comment_message=message,
            review_creation_date=timezone.make_aware(
                datetime.combine(timezone.localdate(now), time.min)
            ),
            review_answer_timestamp=now,
        )


def _locked_order(order_id: str) -> Order:
    return get_object_or_404(Order.objects.select_for_update(), pk=order_id)
