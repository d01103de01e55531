"""The admin pages a support agent uses render, searches and filters included."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

HEX = "e" * 32


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("support", "support@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def one_order():
    from catalog.models import Product, Seller
    from customers.models import Customer
    from orders.models import Delivery, Order, OrderItem

    customer = Customer.objects.create(
        customer_id=HEX,
        customer_unique_id=HEX,
        customer_zip_code_prefix="01037",
        customer_city="sao paulo",
        customer_state="SP",
    )
    order = Order.objects.create(
        order_id=HEX,
        customer=customer,
        order_status="delivered",
        order_purchase_timestamp="2017-10-02T10:56:33-03:00",
    )
    Delivery.objects.create(
        order=order,
        order_delivered_customer_date="2017-10-20T10:00:00-03:00",
        order_estimated_delivery_date="2017-10-18",
    )
    OrderItem.objects.create(
        order=order,
        order_item_id=1,
        product=Product.objects.create(product_id=HEX),
        seller=Seller.objects.create(
            seller_id=HEX, seller_zip_code_prefix="13023", seller_city="campinas", seller_state="SP"
        ),
        shipping_limit_date="2017-10-06T11:07:15-03:00",
        price="58.90",
        freight_value="13.29",
    )
    return order


def test_every_table_has_a_changelist_with_search(staff_client, one_order):
    registered = list(admin.site._registry)
    assert {m._meta.db_table for m in registered} >= {
        "geolocation", "product_categories", "sellers", "products", "customers",
        "orders", "deliveries", "order_items", "payments", "reviews", "deleted_rows",
    }  # fmt: skip
    for model in registered:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff_client.get(url).status_code == 200, url
        if admin.site._registry[model].search_fields:
            assert staff_client.get(url, {"q": HEX}).status_code == 200, url


@pytest.mark.parametrize(
    ("delivery", "found"), [("late", True), ("on_time", False), ("open", False)]
)
def test_orders_filter_by_late_delivery(staff_client, one_order, delivery, found):
    response = staff_client.get(reverse("admin:orders_order_changelist"), {"delivery": delivery})
    assert response.status_code == 200
    assert (HEX in response.content.decode()) is found


def test_order_page_shows_its_items_inline(staff_client, one_order):
    response = staff_client.get(reverse("admin:orders_order_change", args=[HEX]))
    assert response.status_code == 200
    assert "58.90" in response.content.decode()
