from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-number pagination; clients pick ``page_size`` up to a bound that keeps pages cheap.

    DRF's own silently falls back to the default for a ``page_size`` it cannot read and
    answers a malformed ``page`` like a missing one; here both are a 400 naming the parameter,
    so a typo is not mistaken for a result. A larger ``page_size`` than the bound is cut to
    the bound (documented), a page past the last is a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        return min(positive_integer(self.page_size_query_param, value), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        value = request.query_params.get(self.page_query_param)
        if value is not None:
            positive_integer(self.page_query_param, value)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}); more than "
                    f"{self.max_page_size} is cut to {self.max_page_size}."
                )
        return parameters


def positive_integer(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit() and int(value) >= 1):
        raise ValidationError({name: ["Must be a whole number, at least 1."]})
    return int(value)
