from core.views import ReadOnlyResourceViewSet

from customers.filters import CustomerFilter
from customers.selectors import customer_list
from customers.serializers import CustomerSerializer


class CustomerViewSet(ReadOnlyResourceViewSet):
    """Customers: one ``customer_id`` per order, one ``customer_unique_id`` per person."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["customer_city", "customer_state", "customer_zip_code_prefix", "updated_at"]
    ordering = ["customer_id"]

    def get_queryset(self):
        return customer_list()
