"""What the orders API reads (input, checked for shape only) and writes (output)."""

from core.domain import OLIST_ID_PATTERN, PAYMENT_TYPES, STATE_CODES, ZIP_PREFIX_PATTERN
from core.fields import MoneyField, StrictIntegerField, StrictRegexField, TextField
from customers.serializers import CustomerSerializer
from django.conf import settings
from django.db import models
from django.utils import timezone
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


# A serializer's docstring is its component's description in the OpenAPI schema (drf-spectacular
# takes the first docstring of its class hierarchy), so the mixin below explains itself in
# comments, and each serializer has a docstring written for the API's clients.
class SharedFields:
    # A serializer's fields, built once per class instead of once per instance. DRF builds
    # them for every instance: for a ModelSerializer by introspecting the model, for any
    # serializer by deep-copying every declared field, nested serializers included. For an
    # order's detail, with its five nested serializers, that cost more than serializing the
    # order; for a placement's input, about half the cost of validating it. Here a prototype
    # instance builds them once and every instance shares them. That is safe for serializers
    # whose fields keep no per-request state and never read the serializer's context or
    # ``partial`` (their ``root`` is the prototype): plain model fields on output; plain fields
    # and nested serializers on input, whose validation keeps its results in local variables
    # and raises its errors (only the outermost serializer keeps ``validated_data`` and
    # ``errors``, on its own instance). Once built, the fields are only read, so the threads of
    # a process share them too (two may build them at once the first time; either result is
    # right).
    #
    # The readable and writable fields are listed once too: DRF filters them out of the
    # fields on every serialization or validation (about a tenth of serializing an order's
    # detail).

    @property
    def fields(self) -> BindingDict:
        return self._shared_fields()[0]

    @property
    def _readable_fields(self) -> tuple:
        return self._shared_fields()[1]

    @property
    def _writable_fields(self) -> tuple:
        return self._shared_fields()[2]

    def _shared_fields(self) -> tuple[BindingDict, tuple, tuple]:
        cls = type(self)
        shared = cls.__dict__.get("_shared")
        if shared is None:
            prototype = cls()
            fields = BindingDict(prototype)
            for name, field in prototype.get_fields().items():
                fields[name] = field
            shared = (
                fields,
                tuple(field for field in fields.values() if not field.write_only),
                tuple(field for field in fields.values() if not field.read_only),
            )
            cls._shared = shared
        return shared


class ShopTimeDateTimeField(serializers.DateTimeField):
    """A timestamp rendered in the shop's time zone (``settings.TIME_ZONE``), as DRF renders it.

    DRF's field looks up Django's *current* time zone for every value it renders (a
    context-local read and two caught AttributeErrors, more than half the cost of rendering a
    timestamp, and an order's detail has a dozen or more). The API never activates another
    time zone, so the current one is always the default one; this field takes it once, when
    it is built (once per process: the output serializers' fields are built once).
    """

    def __init__(self, **kwargs):
        if settings.USE_TZ:
            kwargs.setdefault("default_timezone", timezone.get_default_timezone())
        super().__init__(**kwargs)


class OutputModelSerializer(SharedFields, serializers.ModelSerializer):
    # An output serializer of model fields: built once (SharedFields), its timestamps in
    # the shop's time zone (ShopTimeDateTimeField).
    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.DateTimeField: ShopTimeDateTimeField
    }


class OrderItemSerializer(OutputModelSerializer):
    """An item of an order: the product, its seller, the price and the freight."""

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


class PaymentSerializer(OutputModelSerializer):
    """A payment of an order: its type, instalments and value."""

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


class DeliverySerializer(OutputModelSerializer):
    """An order's delivery: the promised date and when the carrier and the customer got it."""

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


class ReviewSerializer(OutputModelSerializer):
    """A customer's review of an order: the score, and an optional title and comment."""

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


class OrderListSerializer(OutputModelSerializer):
    """An order as the list shows it: its status, timestamps and customer's state."""

    customer_id = serializers.CharField(read_only=True)
    customer_state = serializers.CharField(source="customer.customer_state", read_only=True)

    class Meta:
        model = Order
        fields = [*ORDER_FIELDS, "customer_state"]


class OrderDetailSerializer(OutputModelSerializer):
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


# The input serializers share their fields too: they take no context and are never partial.
class OrderPlacementSerializer(SharedFields, serializers.Serializer):
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


class ReviewInputSerializer(SharedFields, serializers.Serializer):
    review_score = StrictIntegerField(min_value=1, max_value=5)
    review_comment_title = TextField(
        max_length=200, required=False, allow_null=True, allow_blank=True
    )
    review_comment_message = TextField(
        max_length=10_000, required=False, allow_null=True, allow_blank=True
    )
