from django.db.models import QuerySet

from catalog.models import Product, ProductCategory, Seller


def category_list() -> QuerySet[ProductCategory]:
    return ProductCategory.objects.all()


def seller_list() -> QuerySet[Seller]:
    return Seller.objects.all()


def product_list() -> QuerySet[Product]:
    """Products with their category (one join), for the category's English name."""
    return Product.objects.select_related("product_category")
