import django_filters
from core.domain import ORDER_STATUSES, PAYMENT_TYPES, STATE_CODES
from core.filters import BooleanFilter, CountFilter, MoneyFilter, OlistIdFilter
from django.db.models import Exists, OuterRef

from orders.models import Delivery, Order, OrderItem, Payment, Review


def as_choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        field_name="order_status",
        choices=as_choices(ORDER_STATUSES),
        help_text="Repeat to match any of several statuses.",
    )
    purchased_after = django_filters.IsoDateTimeFilter(
        field_name="order_purchase_timestamp",
        lookup_expr="gte",
        help_text="Purchased at or after this ISO 8601 date-time (São Paulo time unless given).",
    )
    purchased_before = django_filters.IsoDateTimeFilter(
        field_name="order_purchase_timestamp",
        lookup_expr="lt",
        help_text="Purchased strictly before this ISO 8601 date-time.",
    )
    customer = OlistIdFilter(field_name="customer_id")
    customer_unique_id = OlistIdFilter(field_name="customer__customer_unique_id")
    customer_state = django_filters.ChoiceFilter(
        field_name="customer__customer_state", choices=as_choices(STATE_CODES)
    )
    seller = OlistIdFilter(
        method="filter_seller", help_text="Orders with at least one item sold by this seller."
    )

    class Meta:
        model = Order
        fields = []

    def filter_seller(self, queryset, name, value):
        # EXISTS, not a join: an order with two items of the seller must appear once.
        sold_by_seller = OrderItem.objects.filter(order=OuterRef("pk"), seller_id=value)
        return queryset.filter(Exists(sold_by_seller))


class OrderItemFilter(django_filters.FilterSet):
    order = OlistIdFilter(field_name="order_id")
    product = OlistIdFilter(field_name="product_id")
    seller = OlistIdFilter(field_name="seller_id")
    min_price = MoneyFilter(field_name="price", lookup_expr="gte")
    max_price = MoneyFilter(field_name="price", lookup_expr="lte")

    class Meta:
        model = OrderItem
        fields = []


class PaymentFilter(django_filters.FilterSet):
    order = OlistIdFilter(field_name="order_id")
    payment_type = django_filters.ChoiceFilter(choices=as_choices(PAYMENT_TYPES))
    min_installments = CountFilter(field_name="payment_installments", lookup_expr="gte")

    class Meta:
        model = Payment
        fields = []


class DeliveryFilter(django_filters.FilterSet):
    order = OlistIdFilter(field_name="order_id")
    delivered = BooleanFilter(
        field_name="order_delivered_customer_date",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: delivered to the customer; false: not (yet).",
    )
    estimated_after = django_filters.DateFilter(
        field_name="order_estimated_delivery_date", lookup_expr="gte"
    )
    estimated_before = django_filters.DateFilter(
        field_name="order_estimated_delivery_date", lookup_expr="lt"
    )

    class Meta:
        model = Delivery
        fields = []


class ReviewFilter(django_filters.FilterSet):
    order = OlistIdFilter(field_name="order_id")
    score = django_filters.ChoiceFilter(
        field_name="review_score", choices=[(score, str(score)) for score in range(1, 6)]
    )
    min_score = CountFilter(field_name="review_score", lookup_expr="gte")
    max_score = CountFilter(field_name="review_score", lookup_expr="lte")

    class Meta:
        model = Review
        fields = []
