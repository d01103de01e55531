"""The shop's tables in load order, each with the key its rows are ordered by (the loader's
tests compare tables row by row, before and after a load)."""

SHOP_TABLE_KEYS = {
    "geolocation": "id",
    "product_categories": "product_category_name",
    "sellers": "seller_id",
    "products": "product_id",
    "customers": "customer_id",
    "orders": "order_id",
    "deliveries": "order_id",
    "order_items": "order_id, order_item_id",
    "payments": "order_id, payment_sequential",
    "reviews": "review_id, order_id",
}
SHOP_TABLES = tuple(SHOP_TABLE_KEYS)
