from django.contrib import admin

from core.models import DeletedRow


class TrackedAdmin(admin.ModelAdmin):
    """Defaults for the shop's tables: large tables, so no full COUNT(*) on every page."""

    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("created_at", "updated_at")


class TrackedInline:
    """Defaults for inlines of the shop's tables: no blank extra forms, timestamps read-only."""

    extra = 0
    readonly_fields = ("created_at", "updated_at")


@admin.register(DeletedRow)
class DeletedRowAdmin(admin.ModelAdmin):
    """Tombstones are written by the database; the admin only shows them."""

    list_display = ("table_name", "row_key", "deleted_at")
    list_filter = ("table_name", ("deleted_at", admin.DateFieldListFilter))
    search_fields = ("row_key",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
