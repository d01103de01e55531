from core.admin import TrackedAdmin
from django.contrib import admin

from catalog.models import Product, ProductCategory, Seller


@admin.register(ProductCategory)
class ProductCategoryAdmin(TrackedAdmin):
    list_display = ("product_category_name", "product_category_name_english")
    list_filter = (("product_category_name_english", admin.EmptyFieldListFilter),)
    search_fields = ("product_category_name", "product_category_name_english")


@admin.register(Seller)
class SellerAdmin(TrackedAdmin):
    list_display = ("seller_id", "seller_city", "seller_state", "seller_zip_code_prefix")
    list_filter = ("seller_state",)
    search_fields = ("=seller_id", "=seller_zip_code_prefix", "seller_city")


@admin.register(Product)
class ProductAdmin(TrackedAdmin):
    list_display = ("product_id", "product_category", "product_weight_g", "product_photos_qty")
    list_filter = ("product_category",)
    list_select_related = ("product_category",)
    search_fields = ("=product_id", "product_category__product_category_name")
    autocomplete_fields = ("product_category",)
