"""The orders API: read everything, place an order, move it through its lifecycle, review it."""

from core.views import SURROGATE_ID_URL_PATTERN, ReadOnlyResourceViewSet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from orders import services
from orders.filters import (
    DeliveryFilter,
    OrderFilter,
    OrderItemFilter,
    PaymentFilter,
    ReviewFilter,
)
from orders.selectors import (
    delivery_list,
    order_get,
    order_item_list,
    order_list,
    payment_list,
    review_list,
)
from orders.serializers import (
    DeliverySerializer,
    OrderDetailSerializer,
    OrderItemSerializer,
    OrderListSerializer,
    OrderPlacementSerializer,
    PaymentSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
)

CONFLICT = OpenApiResponse(description="The order's status does not allow this step.")
INVALID = OpenApiResponse(description="Field errors, shaped like the request; nothing written.")


def lifecycle_step(name: str, service, summary: str):
    """A ``POST /orders/{id}/<name>/`` action that applies one lifecycle service."""

    def step(self, request, pk=None):
        service(order_id=pk)
        return Response(OrderDetailSerializer(order_get(pk)).data)

    # The router finds an action's handler by its name, so it must be set before decorating.
    step.__name__ = name
    documented = extend_schema(
        request=None,
        responses={200: OrderDetailSerializer, 404: None, 409: CONFLICT},
        summary=summary,
    )(step)
    return action(detail=True, methods=["post"])(documented)


class OrderViewSet(ReadOnlyResourceViewSet):
    """Orders. The list is flat; the detail nests customer, delivery, items, payments and
    reviews."""

    filterset_class = OrderFilter
    ordering_fields = [
        "order_purchase_timestamp",
        "order_approved_at",
        "order_status",
        "created_at",
        "updated_at",
    ]
    ordering = ["-order_purchase_timestamp"]

    def get_queryset(self):
        return order_list()

    def get_object(self):
        order = order_get(self.kwargs["pk"])
        self.check_object_permissions(self.request, order)
        return order

    def get_serializer_class(self):
        return OrderListSerializer if self.action == "list" else OrderDetailSerializer

    @extend_schema(
        request=OrderPlacementSerializer,
        responses={201: OrderDetailSerializer, 400: INVALID},
        summary="Place an order",
    )
    def create(self, request):
        placement = OrderPlacementSerializer(data=request.data)
        placement.is_valid(raise_exception=True)
        data = placement.validated_data
        order = services.order_place(
            customer=data["customer"],
            items=data["items"],
            payments=data["payments"],
            estimated_delivery_date=data.get("order_estimated_delivery_date"),
        )
        return Response(OrderDetailSerializer(order).data, status=status.HTTP_201_CREATED)

    approve = lifecycle_step("approve", services.order_approve, "created → approved")
    invoice = lifecycle_step("invoice", services.order_invoice, "approved or processing → invoiced")
    ship = lifecycle_step("ship", services.order_ship, "invoiced → shipped (to the carrier)")
    deliver = lifecycle_step("deliver", services.order_deliver, "shipped → delivered")
    cancel = lifecycle_step(
        "cancel", services.order_cancel, "created, approved, processing or invoiced → canceled"
    )

    @extend_schema(
        request=ReviewInputSerializer,
        responses={201: ReviewSerializer, 400: INVALID, 404: None, 409: CONFLICT},
        summary="Review a delivered order",
    )
    @action(detail=True, methods=["post"])
    def reviews(self, request, pk=None):
        review_input = ReviewInputSerializer(data=request.data)
        review_input.is_valid(raise_exception=True)
        data = review_input.validated_data
        review = services.review_create(
            order_id=pk,
            score=data["review_score"],
            title=data.get("review_comment_title"),
            message=data.get("review_comment_message"),
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class OrderItemViewSet(ReadOnlyResourceViewSet):
    serializer_class = OrderItemSerializer
    filterset_class = OrderItemFilter
    lookup_value_regex = SURROGATE_ID_URL_PATTERN
    ordering_fields = ["order_id", "order_item_id", "price", "freight_value", "updated_at"]
    ordering = ["order_id", "order_item_id"]

    def get_queryset(self):
        return order_item_list()


class PaymentViewSet(ReadOnlyResourceViewSet):
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    lookup_value_regex = SURROGATE_ID_URL_PATTERN
    ordering_fields = ["order_id", "payment_value", "payment_installments", "updated_at"]
    ordering = ["order_id", "payment_sequential"]

    def get_queryset(self):
        return payment_list()


class DeliveryViewSet(ReadOnlyResourceViewSet):
    """Deliveries, keyed by their order's id."""

    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    ordering_fields = [
        "order_estimated_delivery_date",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "updated_at",
    ]
    ordering = ["order_id"]

    def get_queryset(self):
        return delivery_list()


class ReviewViewSet(ReadOnlyResourceViewSet):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    lookup_value_regex = SURROGATE_ID_URL_PATTERN
    ordering_fields = ["review_score", "review_creation_date", "review_answer_timestamp"]
    ordering = ["-review_creation_date"]

    def get_queryset(self):
        return review_list()
