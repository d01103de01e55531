"""Fixed vocabularies the cleaning checks against.

Copied from the shop's ``core.domain`` (Glue cannot import Django); a test keeps the copies
equal.
"""

from __future__ import annotations

# Brazil's 26 states and the Federal District (unidades federativas).
STATE_CODES: tuple[str, ...] = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip

ORDER_STATUSES: tuple[str, ...] = (
    "created", "approved", "processing", "invoiced", "shipped", "delivered",
    "canceled", "unavailable",
)  # fmt: skip

PAYMENT_TYPES: tuple[str, ...] = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")

OLIST_ID_PATTERN = r"^[0-9a-f]{32}$"

# Brazil's bounding box, including its Atlantic islands; geolocation points outside are errors.
BRAZIL_LATITUDE = (-33.75, 5.27)
BRAZIL_LONGITUDE = (-73.99, -34.79)

# Olist timestamps are wall-clock times in São Paulo; calendar days are counted there.
OLIST_TIME_ZONE = "America/Sao_Paulo"

# Lower-case accented letters of Portuguese (and a few neighbours) and their plain forms, for
# Spark's ``translate``: city names are matched without accents.
ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñý"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuucny"
