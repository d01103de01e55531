from core.filters import CATEGORY_NAME_PATTERN
from core.views import ReadOnlyResourceViewSet

from catalog.filters import ProductCategoryFilter, ProductFilter, SellerFilter
from catalog.selectors import category_list, product_list, seller_list
from catalog.serializers import ProductCategorySerializer, ProductSerializer, SellerSerializer

CATEGORY_NAME_URL_PATTERN = CATEGORY_NAME_PATTERN.strip("^$")


class ProductCategoryViewSet(ReadOnlyResourceViewSet):
    """Product categories, keyed by their Portuguese name."""

    serializer_class = ProductCategorySerializer
    filterset_class = ProductCategoryFilter
    lookup_field = "product_category_name"
    lookup_value_regex = CATEGORY_NAME_URL_PATTERN
    ordering_fields = ["product_category_name", "product_category_name_english", "updated_at"]
    ordering = ["product_category_name"]

    def get_queryset(self):
        return category_list()


class SellerViewSet(ReadOnlyResourceViewSet):
    serializer_class = SellerSerializer
    filterset_class = SellerFilter
    ordering_fields = ["seller_city", "seller_state", "seller_zip_code_prefix", "updated_at"]
    ordering = ["seller_id"]

    def get_queryset(self):
        return seller_list()


class ProductViewSet(ReadOnlyResourceViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = [
        "product_category",
        "product_weight_g",
        "product_photos_qty",
        "product_name_length",
        "product_description_length",
        "updated_at",
    ]
    ordering = ["product_id"]

    def get_queryset(self):
        return product_list()
