from core import constraints
from core.domain import STATE_CODES
from core.models import TrackedModel, zip_prefix_field
from django.db import models


class Customer(TrackedModel):
    """A customer as Olist records one: a ``customer_id`` per order, a ``customer_unique_id``
    per person (the same person ordering twice has two ``customer_id``)."""

    customer_id = models.CharField(primary_key=True, max_length=32)
    customer_unique_id = models.CharField(max_length=32, db_index=True)
    customer_zip_code_prefix = zip_prefix_field()
    customer_city = models.CharField(max_length=100)
    customer_state = models.CharField(max_length=2, choices=constraints.choices(STATE_CODES))

    class Meta:
        db_table = "customers"
        indexes = [models.Index(fields=["customer_zip_code_prefix"], name="customers_zip_prefix")]
        constraints = [
            constraints.olist_id("customer_id", "customers"),
            constraints.olist_id("customer_unique_id", "customers"),
            constraints.zip_prefix("customer_zip_code_prefix", "customers"),
            constraints.state_code("customer_state", "customers"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.customer_city}/{self.customer_state})"
