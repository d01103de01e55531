import django_filters
from core.domain import STATE_CODES
from core.filters import BooleanFilter, CategoryNameFilter, CountFilter, TextFilter, ZipPrefixFilter

from catalog.models import Product, ProductCategory, Seller


class ProductCategoryFilter(django_filters.FilterSet):
    translated = BooleanFilter(
        field_name="product_category_name_english",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only categories with an English name; false: only those without.",
    )

    class Meta:
        model = ProductCategory
        fields = []


class SellerFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        field_name="seller_state", choices=[(code, code) for code in STATE_CODES]
    )
    city = TextFilter(field_name="seller_city")
    zip_code_prefix = ZipPrefixFilter(field_name="seller_zip_code_prefix")

    class Meta:
        model = Seller
        fields = []


class ProductFilter(django_filters.FilterSet):
    category = CategoryNameFilter(
        field_name="product_category_id", help_text="The category's (Portuguese) name."
    )
    uncategorized = BooleanFilter(field_name="product_category", lookup_expr="isnull")
    min_weight_g = CountFilter(field_name="product_weight_g", lookup_expr="gte")
    max_weight_g = CountFilter(field_name="product_weight_g", lookup_expr="lte")

    class Meta:
        model = Product
        fields = []
