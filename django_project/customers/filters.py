import django_filters
from core.domain import STATE_CODES
from core.filters import OlistIdFilter, TextFilter, ZipPrefixFilter

from customers.models import Customer


class CustomerFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        field_name="customer_state", choices=[(code, code) for code in STATE_CODES]
    )
    city = TextFilter(field_name="customer_city")
    zip_code_prefix = ZipPrefixFilter(field_name="customer_zip_code_prefix")
    customer_unique_id = OlistIdFilter(
        help_text="The person: every customer_id this person ordered with."
    )

    class Meta:
        model = Customer
        fields = []
