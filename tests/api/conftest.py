"""Fixtures for the API tests: clients with and without the write permission, and a shop."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from catalog.models import Product
from customers.models import Customer
from django.conf import settings
from django.contrib.auth.models import Permission, User
from orders.models import Delivery, Order, OrderItem, Payment, Review
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from shop_builder import Shop, hex_id, sp_time


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def reader(db):
    return client_for(User.objects.create(username="reader"))


@pytest.fixture
def writer(db):
    user = User.objects.create(username="writer")
    app_label, codename = settings.SHOP_WRITE_PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return client_for(user)


@pytest.fixture
def shop(db) -> Shop:
    return Shop()


@pytest.fixture
def many_orders(shop) -> int:
    """60 more orders (each with a customer, a product, an item, a payment, a delivery and a
    review), so that a page of 50 has more rows than a page of 5 and an N+1 shows in the
    query count."""
    count = 60
    products = Product.objects.bulk_create(
        Product(
            product_id=hex_id(f"fb{n}"),
            product_category=shop.perfumaria if n % 2 else shop.cama,
            product_weight_g=n,
        )
        for n in range(count)
    )
    customers = Customer.objects.bulk_create(
        Customer(
            customer_id=hex_id(f"f{n}"),
            customer_unique_id=hex_id(f"f{n}"),
            customer_zip_code_prefix="01037",
            customer_city="sao paulo",
            customer_state="SP",
        )
        for n in range(count)
    )
    orders = Order.objects.bulk_create(
        Order(
            order_id=hex_id(f"fd{n}"),
            customer=customer,
            order_status=Order.Status.DELIVERED,
            order_purchase_timestamp=sp_time(2018, 1, 1) + timedelta(hours=n),
        )
        for n, customer in enumerate(customers)
    )
    Delivery.objects.bulk_create(
        Delivery(order=order, order_estimated_delivery_date=date(2018, 2, 1)) for order in orders
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            order_item_id=1,
            product=product,
            seller=shop.seller_sp,
            shipping_limit_date=sp_time(2018, 1, 8),
            price=Decimal("10.00"),
            freight_value=Decimal("1.00"),
        )
        for order, product in zip(orders, products, strict=True)
    )
    Payment.objects.bulk_create(
        Payment(
            order=order,
            payment_sequential=1,
            payment_type="boleto",
            payment_installments=1,
            payment_value=Decimal("11.00"),
        )
        for order in orders
    )
    Review.objects.bulk_create(
        Review(
            review_id=hex_id(f"fe{n}"),
            order=order,
            review_score=5,
            review_creation_date=sp_time(2018, 1, 20),
        )
        for n, order in enumerate(orders)
    )
    return count
