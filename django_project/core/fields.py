"""Input serializer fields that take only the JSON type their schema declares.

DRF's fields coerce: a CharField takes ``5`` as ``"5"``, an IntegerField takes ``"5"`` and
``5.0``, a DecimalField takes a JSON number. The OpenAPI schema (and so every client
generator) says string, integer, decimal string; the server now means the same, so a client
bug shows up as a 400 instead of being guessed at.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

NO_NUL_PATTERN = "^[^\\u0000]*$"
MONEY_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"


class StrictCharField(serializers.CharField):
    """A string, kept as sent (no trimming: the schema's lengths count every character)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        # A blank string is refused unless allowed; say so in the schema too (minLength).
        if not kwargs.get("allow_blank", False):
            kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": NO_NUL_PATTERN})
class TextField(StrictCharField):
    """Free text; PostgreSQL cannot store a NUL byte, so the schema excludes it."""


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_PATTERN})
class MoneyField(serializers.DecimalField):
    """Reais as a decimal string (``"58.90"``): a JSON number would lose cents to binary floats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(MONEY_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)
