from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-number pagination; clients pick ``page_size`` up to a bound that keeps pages cheap."""

    page_size_query_param = "page_size"
    max_page_size = 500
