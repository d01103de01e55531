from rest_framework import serializers

from catalog.models import Product, ProductCategory, Seller


class ProductCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = [
            "product_category_name",
            "product_category_name_english",
            "created_at",
            "updated_at",
        ]


class SellerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Seller
        fields = [
            "seller_id",
            "seller_zip_code_prefix",
            "seller_city",
            "seller_state",
            "created_at",
            "updated_at",
        ]


class ProductSerializer(serializers.ModelSerializer):
    product_category_name = serializers.CharField(
        source="product_category_id", read_only=True, allow_null=True
    )
    product_category_name_english = serializers.CharField(
        source="product_category.product_category_name_english", read_only=True, allow_null=True
    )

    class Meta:
        model = Product
        fields = [
            "product_id",
            "product_category_name",
            "product_category_name_english",
            "product_name_length",
            "product_description_length",
            "product_photos_qty",
            "product_weight_g",
            "product_length_cm",
            "product_height_cm",
            "product_width_cm",
            "created_at",
            "updated_at",
        ]
