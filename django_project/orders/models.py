"""Orders and what hangs off them: items, payments, the delivery and reviews."""

from catalog.models import Product, Seller
from core import constraints
from core.domain import ORDER_STATUSES, PAYMENT_TYPES
from core.models import TrackedModel
from customers.models import Customer
from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 12, "decimal_places": 2}


class Order(TrackedModel):
    class Status(models.TextChoices):
        CREATED = "created"
        APPROVED = "approved"
        PROCESSING = "processing"
        INVOICED = "invoiced"
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELED = "canceled"
        UNAVAILABLE = "unavailable"

    order_id = models.CharField(primary_key=True, max_length=32)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    order_status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    order_purchase_timestamp = models.DateTimeField(db_index=True)
    order_approved_at = models.DateTimeField(null=True, blank=True)
    # Not in the Olist release (which has no such events); the shop's lifecycle records them.
    order_invoiced_at = models.DateTimeField(null=True, blank=True)
    order_canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders"
        permissions = [("write_orders", "Can place orders, move them and review them")]
        constraints = [
            constraints.olist_id("order_id", "orders"),
            models.CheckConstraint(
                condition=Q(order_status__in=ORDER_STATUSES), name="orders_order_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.order_status})"


class Delivery(TrackedModel):
    """The logistics side of an order: handed to the carrier, delivered, and the promise."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="delivery"
    )
    order_delivered_carrier_date = models.DateTimeField(null=True, blank=True)
    order_delivered_customer_date = models.DateTimeField(null=True, blank=True)
    order_estimated_delivery_date = models.DateField(db_index=True)

    class Meta:
        db_table = "deliveries"
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"delivery of {self.order_id}"


class OrderItem(TrackedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    order_item_id = models.PositiveSmallIntegerField(help_text="1, 2, ... within the order")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="order_items")
    shipping_limit_date = models.DateTimeField()
    price = models.DecimalField(**MONEY)
    freight_value = models.DecimalField(**MONEY)

    class Meta:
        db_table = "order_items"
        constraints = [
            models.UniqueConstraint(fields=["order", "order_item_id"], name="order_items_key"),
            models.CheckConstraint(
                condition=Q(order_item_id__gte=1), name="order_items_order_item_id_positive"
            ),
            constraints.non_negative("price", "order_items"),
            constraints.non_negative("freight_value", "order_items"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} #{self.order_item_id}"


class Payment(TrackedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    payment_sequential = models.PositiveSmallIntegerField()
    payment_type = models.CharField(max_length=12, choices=constraints.choices(PAYMENT_TYPES))
    payment_installments = models.PositiveSmallIntegerField()
    payment_value = models.DecimalField(**MONEY)

    class Meta:
        db_table = "payments"
        constraints = [
            models.UniqueConstraint(fields=["order", "payment_sequential"], name="payments_key"),
            models.CheckConstraint(
                condition=Q(payment_type__in=PAYMENT_TYPES), name="payments_payment_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(payment_installments__gte=1),
                name="payments_payment_installments_at_least_1",
            ),
            constraints.non_negative("payment_value", "payments"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} payment {self.payment_sequential}"


class Review(TrackedModel):
    """A customer review. Olist's ``review_id`` is not unique on its own (a few reviews cover
    several orders), so the key is the pair (review_id, order)."""

    review_id = models.CharField(max_length=32, db_index=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reviews")
    review_score = models.PositiveSmallIntegerField()
    review_comment_title = models.CharField(max_length=200, null=True, blank=True)
    review_comment_message = models.TextField(null=True, blank=True)
    review_creation_date = models.DateTimeField()
    review_answer_timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews"
        constraints = [
            models.UniqueConstraint(fields=["review_id", "order"], name="reviews_key"),
            constraints.olist_id("review_id", "reviews"),
            models.CheckConstraint(
                condition=Q(review_score__gte=1, review_score__lte=5),
                name="reviews_review_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.review_id} of {self.order_id}: {self.review_score}"
