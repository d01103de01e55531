"""The REST API's routes, one router for every resource."""

from catalog.apis import ProductCategoryViewSet, ProductViewSet, SellerViewSet
from customers.apis import CustomerViewSet
from geo.apis import GeolocationViewSet
from orders.apis import (
    DeliveryViewSet,
    OrderItemViewSet,
    OrderViewSet,
    PaymentViewSet,
    ReviewViewSet,
)
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("sellers", SellerViewSet, basename="seller")
router.register("categories", ProductCategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("order-items", OrderItemViewSet, basename="order-item")
router.register("payments", PaymentViewSet, basename="payment")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("reviews", ReviewViewSet, basename="review")
router.register("geolocations", GeolocationViewSet, basename="geolocation")

urlpatterns = router.urls
