from core.admin import TrackedAdmin, TrackedInline
from django.contrib import admin

from orders.models import Delivery, Order, OrderItem, Payment, Review


class OrderItemInline(TrackedInline, admin.TabularInline):
    model = OrderItem
    raw_id_fields = ("product", "seller")


class PaymentInline(TrackedInline, admin.TabularInline):
    model = Payment


class DeliveryInline(TrackedInline, admin.StackedInline):
    model = Delivery


class ReviewInline(TrackedInline, admin.StackedInline):
    model = Review


class LateDeliveryFilter(admin.SimpleListFilter):
    """What support is asked about most: orders delivered after the promised date."""

    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("late", "Delivered late"), ("on_time", "Delivered on time"), ("open", "Not yet")]

    def queryset(self, request, queryset):
        from django.db.models import F

        if self.value() == "late":
            return queryset.filter(
                delivery__order_delivered_customer_date__date__gt=F(
                    "delivery__order_estimated_delivery_date"
                )
            )
        if self.value() == "on_time":
            return queryset.filter(
                delivery__order_delivered_customer_date__date__lte=F(
                    "delivery__order_estimated_delivery_date"
                )
            )
        if self.value() == "open":
            return queryset.filter(delivery__order_delivered_customer_date__isnull=True)
        return queryset


@admin.register(Order)
class OrderAdmin(TrackedAdmin):
    list_display = (
        "order_id",
        "order_status",
        "order_purchase_timestamp",
        "customer",
        "customer_state",
    )
    list_filter = ("order_status", LateDeliveryFilter, "customer__customer_state")
    list_select_related = ("customer",)
    search_fields = ("=order_id", "=customer__customer_id", "=customer__customer_unique_id")
    date_hierarchy = "order_purchase_timestamp"
    raw_id_fields = ("customer",)
    inlines = (DeliveryInline, OrderItemInline, PaymentInline, ReviewInline)

    @admin.display(ordering="customer__customer_state", description="state")
    def customer_state(self, order: Order) -> str:
        return order.customer.customer_state


@admin.register(OrderItem)
class OrderItemAdmin(TrackedAdmin):
    list_display = ("order", "order_item_id", "product", "seller", "price", "freight_value")
    list_filter = ("seller__seller_state", "product__product_category")
    search_fields = ("=order__order_id", "=product__product_id", "=seller__seller_id")
    raw_id_fields = ("order", "product", "seller")


@admin.register(Payment)
class PaymentAdmin(TrackedAdmin):
    list_display = (
        "order",
        "payment_sequential",
        "payment_type",
        "payment_installments",
        "payment_value",
    )
    list_filter = ("payment_type", "payment_installments")
    search_fields = ("=order__order_id",)
    raw_id_fields = ("order",)


@admin.register(Delivery)
class DeliveryAdmin(TrackedAdmin):
    list_display = (
        "order",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    )
    list_filter = (("order_delivered_customer_date", admin.EmptyFieldListFilter),)
    search_fields = ("=order__order_id",)
    raw_id_fields = ("order",)


@admin.register(Review)
class ReviewAdmin(TrackedAdmin):
    list_display = ("review_id", "order", "review_score", "review_comment_title")
    list_filter = ("review_score", ("review_comment_message", admin.EmptyFieldListFilter))
    search_fields = ("=review_id", "=order__order_id", "review_comment_message")
    raw_id_fields = ("order",)
