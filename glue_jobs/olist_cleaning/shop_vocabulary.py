"""The shop's vocabularies, for the cleaning job.

Generated from django_project/core/domain.py by `make glue-vocabulary`; do not edit by hand.
"""

# Brazil's 26 states and the Federal District (unidades federativas).
STATE_CODES: tuple[str, ...] = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip

# Olist's order statuses, in lifecycle order (canceled and unavailable end a lifecycle early).
ORDER_STATUSES: tuple[str, ...] = (
    "created", "approved", "processing", "invoiced", "shipped", "delivered",
    "canceled", "unavailable",
)  # fmt: skip

PAYMENT_TYPES: tuple[str, ...] = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")

OLIST_ID_PATTERN = r"^[0-9a-f]{32}$"
ZIP_PREFIX_PATTERN = r"^[0-9]{5}$"
