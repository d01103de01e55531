import django_filters
from core.domain import STATE_CODES

from customers.models import Customer


class CustomerFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        field_name="customer_state", choices=[(code, code) for code in STATE_CODES]
    )
    city = django_filters.CharFilter(field_name="customer_city", lookup_expr="iexact")
    zip_code_prefix = django_filters.CharFilter(field_name="customer_zip_code_prefix")
    customer_unique_id = django_filters.CharFilter(
        help_text="The person: every customer_id this person ordered with."
    )

    class Meta:
        model = Customer
        fields = []
