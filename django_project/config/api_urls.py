"""The REST API's routes, one router for every resource."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
