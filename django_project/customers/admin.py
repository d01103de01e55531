from core.admin import TrackedAdmin
from django.contrib import admin

from customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(TrackedAdmin):
    list_display = (
        "customer_id",
        "customer_unique_id",
        "customer_city",
        "customer_state",
        "customer_zip_code_prefix",
    )
    list_filter = ("customer_state",)
    search_fields = (
        "=customer_id",
        "=customer_unique_id",
        "=customer_zip_code_prefix",
        "customer_city",
    )
