"""Change tracking shared by every shop table.

The ELT extracts incrementally by ``updated_at``, so the timestamps are kept by the database,
not by Python: ``created_at`` and ``updated_at`` default to ``now()`` on insert (ORM, API and
``COPY`` alike) and a trigger moves ``updated_at`` on every update that changes the row (see
``core.migration_operations.TrackChanges``). A hard delete leaves a row in ``deleted_rows``,
written by a trigger, so an incremental extractor sees deletes too.
"""

from django.db import models
from django.db.models.functions import Now


def zip_prefix_field() -> models.CharField:
    """A 5-digit zip code prefix (``constraints.zip_prefix`` checks it), compared byte by byte.

    Digits sort alike in every collation, and PostgreSQL sorts text about twice as fast under
    "C": no locale rules, abbreviated keys. Building geolocation's unique index, which starts
    with the prefix, over a million rows took 1.2 s against 2.0 s. Under "C" a plain index
    serves ``LIKE 'prefix%'`` too, so the field is indexed with ``Meta.indexes``, not
    ``db_index`` (which adds a ``varchar_pattern_ops`` copy of the index on PostgreSQL).
    """
    return models.CharField(max_length=5, db_collation="C")


class TrackedModel(models.Model):
    created_at = models.DateTimeField(db_default=Now(), db_index=True, editable=False)
    updated_at = models.DateTimeField(db_default=Now(), db_index=True, editable=False)

    class Meta:
        abstract = True


class DeletedRow(models.Model):
    """A tombstone: one hard-deleted row of a tracked table, with its last contents."""

    table_name = models.CharField(max_length=63)
    row_key = models.TextField(help_text="The deleted row's primary key value.")
    row_data = models.JSONField(help_text="The deleted row, as it was.")
    deleted_at = models.DateTimeField(db_default=Now(), db_index=True, editable=False)

    class Meta:
        db_table = "deleted_rows"
        indexes = [models.Index(fields=["table_name", "deleted_at"])]

    def __str__(self) -> str:
        return f"{self.table_name} {self.row_key} deleted at {self.deleted_at:%Y-%m-%d %H:%M}"


class AdminLoginFailure(models.Model):
    """One failed admin login, counted per username and client address to lock guessing out.

    A table, not a per-process cache: gunicorn runs several processes, and an attacker must
    not get a fresh allowance from each of them.
    """

    username = models.CharField(max_length=150)
    ip_address = models.CharField(max_length=45)
    failed_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "admin_login_failures"
        indexes = [models.Index(fields=["username", "ip_address", "failed_at"])]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.failed_at:%Y-%m-%d %H:%M}"
