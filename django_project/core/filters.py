"""Query filters that refuse what their OpenAPI schema does not allow.

django-filter's stock filters are lenient: a boolean filter ignores ``maybe``, a number filter
takes ``1.5`` for an integer column, a free-text filter passes a NUL byte on to PostgreSQL.
A client then cannot tell a typo from a filter that matched nothing, and the schema promises
less than the server does. Each filter here validates its value (a 400 naming the parameter
otherwise) and carries the schema that says exactly the same, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from decimal import Decimal

import django_filters
from django import forms
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field

from core.domain import OLIST_ID_PATTERN, ZIP_PREFIX_PATTERN

# Free text of the shop's text columns: at most 100 characters and no NUL byte, which
# PostgreSQL's text cannot hold.
TEXT_PATTERN = "^[^\\u0000]*$"
TEXT_MAX_LENGTH = 100
# A PostgreSQL integer column, and a numeric(12, 2) money column, bound the values worth asking.
INT_MAX = 2_147_483_647
MONEY_MAX = Decimal("9999999999.99")
CATEGORY_NAME_PATTERN = r"^[0-9A-Za-z_-]{1,100}$"


class StrictIntegerField(forms.IntegerField):
    """Digits only: Django's IntegerField would take ``1.0`` and `` 7``."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not re.fullmatch(r"-?[0-9]{1,12}", str(value)):
            raise forms.ValidationError("Enter a whole number.", code="invalid")
        return int(value)


class StrictBooleanField(forms.Field):
    """``true`` or ``false``, as the schema's boolean is written in a query string."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Enter true or false.", code="invalid")


class TextField(forms.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": OLIST_ID_PATTERN})
class OlistIdFilter(django_filters.CharFilter):
    """A 32-hex Olist id."""

    def __init__(self, *args, **kwargs):
        validator = RegexValidator(
            OLIST_ID_PATTERN, "Must be 32 lower-case hexadecimal characters."
        )
        kwargs.setdefault("validators", [validator])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": ZIP_PREFIX_PATTERN})
class ZipPrefixFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [RegexValidator(ZIP_PREFIX_PATTERN, "Must be 5 digits.")])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": CATEGORY_NAME_PATTERN})
class CategoryNameFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        validator = RegexValidator(CATEGORY_NAME_PATTERN, "Must be a category name (a-z, 0-9, _).")
        kwargs.setdefault("validators", [validator])
        super().__init__(*args, **kwargs)


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": TEXT_MAX_LENGTH, "pattern": TEXT_PATTERN}
)
class TextFilter(django_filters.CharFilter):
    """Free text, compared case-insensitively by default (cities)."""

    field_class = TextField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "iexact")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": INT_MAX})
class CountFilter(django_filters.NumberFilter):
    """A bound on a non-negative integer column (weights, instalments, scores)."""

    field_class = StrictIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", INT_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": float(MONEY_MAX)})
class MoneyFilter(django_filters.NumberFilter):
    """A bound on a money column, in reais."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", MONEY_MAX)
        super().__init__(*args, **kwargs)
