from core import constraints
from core.domain import STATE_CODES
from core.models import TrackedModel, zip_prefix_field
from django.db import models


class ProductCategory(TrackedModel):
    """A product category, named in Portuguese; the English name may be missing (as in Olist)."""

    product_category_name = models.CharField(primary_key=True, max_length=100)
    product_category_name_english = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        db_table = "product_categories"
        verbose_name_plural = "product categories"

    def __str__(self) -> str:
        return self.product_category_name


class Seller(TrackedModel):
    seller_id = models.CharField(primary_key=True, max_length=32)
    seller_zip_code_prefix = zip_prefix_field()
    seller_city = models.CharField(max_length=100)
    seller_state = models.CharField(max_length=2, choices=constraints.choices(STATE_CODES))

    class Meta:
        db_table = "sellers"
        indexes = [models.Index(fields=["seller_zip_code_prefix"], name="sellers_zip_prefix")]
        constraints = [
            constraints.olist_id("seller_id", "sellers"),
            constraints.zip_prefix("seller_zip_code_prefix", "sellers"),
            constraints.state_code("seller_state", "sellers"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} ({self.seller_city}/{self.seller_state})"


class Product(TrackedModel):
    """A catalogue product. Olist's release misspells two of these columns ("lenght"); the shop
    spells them right and the loader maps the headers."""

    product_id = models.CharField(primary_key=True, max_length=32)
    product_category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="product_category_name",
        related_name="products",
    )
    product_name_length = models.PositiveIntegerField(null=True, blank=True)
    product_description_length = models.PositiveIntegerField(null=True, blank=True)
    product_photos_qty = models.PositiveIntegerField(null=True, blank=True)
    product_weight_g = models.PositiveIntegerField(null=True, blank=True)
    product_length_cm = models.PositiveIntegerField(null=True, blank=True)
    product_height_cm = models.PositiveIntegerField(null=True, blank=True)
    product_width_cm = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "products"
        constraints = [constraints.olist_id("product_id", "products")]

    def __str__(self) -> str:
        return f"{self.product_id} ({self.product_category_id or 'no category'})"
