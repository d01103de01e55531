"""What the orders API reads (input, checked for shape only) and writes (output)."""

from core.domain import OLIST_ID_PATTERN, PAYMENT_TYPES, STATE_CODES, ZIP_PREFIX_PATTERN
from core.fields import MoneyField, StrictIntegerField, StrictRegexField, TextField
from customers.serializers import CustomerSerializer
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from orders.models import MONEY, Delivery, Order, OrderItem, Payment, Review

# Olist's largest order has 21 items and 29 payments; the bounds keep a request small.
MAX_ITEMS_PER_ORDER = 100
MAX_PAYMENTS_PER_ORDER = 30
# Brazilian card instalment plans go up to 24 (Olist's largest).
MAX_INSTALLMENTS = 24
# "not_defined" marks a few historical Olist payments; a new order says how it is paid.
PLACEABLE_PAYMENT_TYPES = tuple(kind for kind in PAYMENT_TYPES if kind != "not_defined")


def olist_id_field(**kwargs) -> serializers.RegexField:
    return StrictRegexField(
        OLIST_ID_PATTERN,
        error_messages={"invalid": "Must be 32 lower-case hexadecimal characters."},
        **kwargs,
    )


def money_field() -> serializers.DecimalField:
    return MoneyField(**MONEY)


class FieldsBuiltOnce:
    """Build an output serializer's fields once per class instead of once per response.

    DRF builds a serializer's fields (for a ModelSerializer, by introspecting the model) every
    time one is instantiated; for an order's detail, with its five nested serializers, that
    costs more than serializing the order. Here a prototype instance builds them once and
    every instance shares them. That is safe for output-only serializers whose fields keep no
    per-request state and never read the serializer's context (true of plain model fields):
    once built, the fields are only read, so threads share them too (two threads may build
    them at once the first time; either result is right).
    """

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        if "_shared_fields" not in cls.__dict__:
            prototype = cls()
            shared = BindingDict(prototype)
            for name, field in prototype.get_fields().items():
                shared[name] = field
            cls._shared_fields = shared
        return cls._shared_fields


class OrderItemSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)
    product_id = serializers.CharField(read_only=True)
    seller_id = serializers.CharField(read_only=True)

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
            "created_at",
            "updated_at",
        ]


class PaymentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "payment_sequential",
            "payment_type",
            "payment_installments",
            "payment_value",
            "created_at",
            "updated_at",
        ]


class DeliverySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "order_id",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
            "created_at",
            "updated_at",
        ]


class ReviewSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "review_id",
            "order_id",
            "review_score",
            "review_comment_title",
            "review_comment_message",
            "review_creation_date",
            "review_answer_timestamp",
            "created_at",
            "updated_at",
        ]


ORDER_FIELDS = [
    "order_id",
    "customer_id",
    "order_status",
    "order_purchase_timestamp",
    "order_approved_at",
    "order_invoiced_at",
    "order_canceled_at",
    "created_at",
    "updated_at",
]


class OrderListSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    customer_id = serializers.CharField(read_only=True)
    customer_state = serializers.CharField(source="customer.customer_state", read_only=True)

    class Meta:
        model = Order
        fields = [*ORDER_FIELDS, "customer_state"]


class OrderDetailSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """An order with everything that hangs off it. The delivery is null only for an order
    loaded without one."""

    customer_id = serializers.CharField(read_only=True)
    customer = CustomerSerializer(read_only=True)
    delivery = DeliverySerializer(read_only=True, allow_null=True)
    # The sorted lists selectors.order_get reads (see there).
    items = OrderItemSerializer(many=True, read_only=True, source="item_list")
    payments = PaymentSerializer(many=True, read_only=True, source="payment_list")
    reviews = ReviewSerializer(many=True, read_only=True, source="review_list")

    class Meta:
        model = Order
        fields = [*ORDER_FIELDS, "customer", "delivery", "items", "payments", "reviews"]


class CustomerInputSerializer(serializers.Serializer):
    customer_unique_id = olist_id_field(
        required=False,
        allow_null=True,
        help_text="The person placing the order, from an earlier order; absent: a new person.",
    )
    customer_zip_code_prefix = StrictRegexField(
        ZIP_PREFIX_PATTERN, error_messages={"invalid": "Must be 5 digits."}
    )
    customer_city = TextField(max_length=100)
    customer_state = serializers.ChoiceField(STATE_CODES)


class ItemInputSerializer(serializers.Serializer):
    product_id = olist_id_field()
    seller_id = olist_id_field()
    price = money_field()
    freight_value = money_field()


class PaymentInputSerializer(serializers.Serializer):
    payment_type = serializers.ChoiceField(PLACEABLE_PAYMENT_TYPES)
    payment_installments = StrictIntegerField(min_value=1, max_value=MAX_INSTALLMENTS)
    payment_value = money_field()


class OrderPlacementSerializer(serializers.Serializer):
    customer = CustomerInputSerializer()
    items = ItemInputSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_ITEMS_PER_ORDER,
        help_text="Numbered 1..n.",
    )
    payments = PaymentInputSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_PAYMENTS_PER_ORDER,
        help_text="Numbered 1..n; must add up to the items' price plus freight, to the cent.",
    )
    order_estimated_delivery_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=(
            "The delivery promise, not before the purchase (today); absent: the purchase "
            "date plus 24 days (Olist's mean)."
        ),
    )


class ReviewInputSerializer(serializers.Serializer):
    review_score = StrictIntegerField(min_value=1, max_value=5)
    review_comment_title = TextField(
        max_length=200, required=False, allow_null=True, allow_blank=True
    )
    review_comment_message = TextField(
        max_length=10_000, required=False, allow_null=True, allow_blank=True
    )
