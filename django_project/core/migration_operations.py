"""A migration operation that attaches the change-tracking triggers to a table."""

from django.db.migrations.operations.base import Operation


class TrackChanges(Operation):
    """Touch ``updated_at`` on real changes and record hard deletes in ``deleted_rows``.

    The update trigger fires only ``when (old.* is distinct from new.*)``: an upsert that
    rewrites identical values (a loader rerun) leaves ``updated_at`` alone, so reloading the
    same files is invisible to the incremental extract.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, key_column: str):
        self.table = table
        self.key_column = key_column

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        t, key = self.table, self.key_column
        schema_editor.execute(
            f"create trigger {t}_touch_updated_at before update on {t} for each row "
            f"when (old.* is distinct from new.*) execute function shop_touch_updated_at()"
        )
        schema_editor.execute(
            f"create trigger {t}_record_deletion after delete on {t} for each row "
            f"execute function shop_record_deletion('{key}')"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.execute(
            f"drop trigger if exists {self.table}_touch_updated_at on {self.table}"
        )
        schema_editor.execute(
            f"drop trigger if exists {self.table}_record_deletion on {self.table}"
        )

    def describe(self):
        return f"Track changes and deletes of {self.table}"

    def deconstruct(self):
        return self.__class__.__name__, [self.table, self.key_column], {}
