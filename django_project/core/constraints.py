"""Check constraints shared by several shop tables, so each rule is written once."""

from django.db import models
from django.db.models import Q

from core.domain import OLIST_ID_PATTERN, STATE_CODES, ZIP_PREFIX_PATTERN


def olist_id(field: str, table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__regex": OLIST_ID_PATTERN}), name=f"{table}_{field}_is_olist_id"
    )


def zip_prefix(field: str, table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__regex": ZIP_PREFIX_PATTERN}), name=f"{table}_{field}_5_digits"
    )


def state_code(field: str, table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": STATE_CODES}), name=f"{table}_{field}_valid_uf"
    )


def non_negative(field: str, table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}), name=f"{table}_{field}_non_negative"
    )


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ")) for v in values]
