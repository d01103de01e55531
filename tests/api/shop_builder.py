"""Test data for the API tests, written straight through the ORM (so the read tests do not
depend on the write services), and helpers to name and count it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from catalog.models import Product, ProductCategory, Seller
from customers.models import Customer
from django.apps import apps
from geo.models import Geolocation
from orders.models import Delivery, Order, OrderItem, Payment, Review

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
SHOP_APPS = ("geo", "catalog", "customers", "orders")


def hex_id(label: str | int) -> str:
    """A readable, valid 32-hex id: ``hex_id(7)`` is ``0000...0007``."""
    return format(int(str(label), 16), "032x")


def sp_time(*args) -> datetime:
    return datetime(*args, tzinfo=SAO_PAULO)


def row_counts() -> dict[str, int]:
    """Rows in every shop table: compared before and after a refused write."""
    return {
        model._meta.db_table: model.objects.count()
        for app_label in SHOP_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


def placement(shop: Shop, **changes) -> dict:
    """A valid order: two items (29.99 + 8.72, 118.70 + 22.76) paid in two payments."""
    body = {
        "customer": {
            "customer_zip_code_prefix": "01037",
            "customer_city": "sao paulo",
            "customer_state": "SP",
        },
        "items": [
            {
                "product_id": shop.perfume.pk,
                "seller_id": shop.seller_sp.pk,
                "price": "29.99",
                "freight_value": "8.72",
            },
            {
                "product_id": shop.towel.pk,
                "seller_id": shop.seller_rj.pk,
                "price": "118.70",
                "freight_value": "22.76",
            },
        ],
        "payments": [
            {"payment_type": "credit_card", "payment_installments": 3, "payment_value": "150.00"},
            {"payment_type": "voucher", "payment_installments": 1, "payment_value": "30.17"},
        ],
    }
    return body | changes


class Shop:
    """A small shop with known contents; the tests read these attributes for ids."""

    def __init__(self):
        self.perfumaria = ProductCategory.objects.create(
            product_category_name="perfumaria", product_category_name_english="perfumery"
        )
        self.cama = ProductCategory.objects.create(
            product_category_name="cama_mesa_banho", product_category_name_english="bed_bath"
        )
        self.untranslated = ProductCategory.objects.create(product_category_name="pc_gamer")
        self.seller_sp = Seller.objects.create(
            seller_id=hex_id("5a"),
            seller_zip_code_prefix="13023",
            seller_city="campinas",
            seller_state="SP",
        )
        self.seller_rj = Seller.objects.create(
            seller_id=hex_id("5b"),
            seller_zip_code_prefix="20031",
            seller_city="rio de janeiro",
            seller_state="RJ",
        )
        self.perfume = Product.objects.create(
            product_id=hex_id("b1"), product_category=self.perfumaria, product_weight_g=300
        )
        self.towel = Product.objects.create(
            product_id=hex_id("b2"), product_category=self.cama, product_weight_g=900
        )
        self.mystery = Product.objects.create(product_id=hex_id("b3"), product_weight_g=50)
        self.ana = Customer.objects.create(
            customer_id=hex_id("c1"),
            customer_unique_id=hex_id("a1"),
            customer_zip_code_prefix="01037",
            customer_city="sao paulo",
            customer_state="SP",
        )
        self.ana_again = Customer.objects.create(
            customer_id=hex_id("c2"),
            customer_unique_id=hex_id("a1"),
            customer_zip_code_prefix="01037",
            customer_city="sao paulo",
            customer_state="SP",
        )
        self.bruno = Customer.objects.create(
            customer_id=hex_id("c3"),
            customer_unique_id=hex_id("a2"),
            customer_zip_code_prefix="30130",
            customer_city="belo horizonte",
            customer_state="MG",
        )
        # Ana's delivered order: two perfumes from the SP seller, one towel from the RJ one.
        self.delivered = self.order(
            "d1",
            self.ana,
            Order.Status.DELIVERED,
            sp_time(2017, 10, 2, 10, 56),
            items=[
                (self.perfume, self.seller_sp, "29.99", "8.72"),
                (self.perfume, self.seller_sp, "29.99", "8.72"),
                (self.towel, self.seller_rj, "118.70", "22.76"),
            ],
        )
        Review.objects.create(
            review_id=hex_id("e1"),
            order=self.delivered,
            review_score=4,
            review_comment_title="bom",
            review_creation_date=sp_time(2017, 10, 11),
            review_answer_timestamp=sp_time(2017, 10, 12, 3, 43),
        )
        # Ana's second order, still to be approved; Bruno's shipped order from the RJ seller.
        self.created = self.order(
            "d2",
            self.ana_again,
            Order.Status.CREATED,
            sp_time(2018, 7, 24, 20, 41),
            items=[(self.mystery, self.seller_sp, "10.00", "5.00")],
        )
        self.shipped = self.order(
            "d3",
            self.bruno,
            Order.Status.SHIPPED,
            sp_time(2018, 8, 8, 8, 38),
            items=[(self.towel, self.seller_rj, "159.90", "19.22")],
        )
        Review.objects.create(
            review_id=hex_id("e3"),
            order=self.shipped,
            review_score=1,
            review_creation_date=sp_time(2018, 8, 18),
        )
        for number, (lat, city) in enumerate([(-23.54, "sao paulo"), (-23.55, "sao paulo")]):
            Geolocation.objects.create(
                geolocation_zip_code_prefix=f"0103{number}",
                geolocation_lat=lat,
                geolocation_lng=-46.63,
                geolocation_city=city,
                geolocation_state="SP",
            )
        Geolocation.objects.create(
            geolocation_zip_code_prefix="30130",
            geolocation_lat=-19.92,
            geolocation_lng=-43.94,
            geolocation_city="belo horizonte",
            geolocation_state="MG",
        )

    @staticmethod
    def order(label, customer, status, purchased_at, items) -> Order:
        order = Order.objects.create(
            order_id=hex_id(label),
            customer=customer,
            order_status=status,
            order_purchase_timestamp=purchased_at,
        )
        Delivery.objects.create(
            order=order,
            order_estimated_delivery_date=purchased_at.date() + timedelta(days=24),
            order_delivered_customer_date=(
                purchased_at + timedelta(days=8) if status == Order.Status.DELIVERED else None
            ),
        )
        for number, (product, seller, price, freight) in enumerate(items, start=1):
            OrderItem.objects.create(
                order=order,
                order_item_id=number,
                product=product,
                seller=seller,
                shipping_limit_date=purchased_at + timedelta(days=6),
                price=Decimal(price),
                freight_value=Decimal(freight),
            )
        total = sum(Decimal(price) + Decimal(freight) for _, _, price, freight in items)
        Payment.objects.create(
            order=order,
            payment_sequential=1,
            payment_type="credit_card",
            payment_installments=2,
            payment_value=total,
        )
        return order
