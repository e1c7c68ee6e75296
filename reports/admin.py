from django.contrib import admin

from kim_admin.admin import ReadOnlyAdminMixin, ScopedHistoryAdmin
from reports.models import PublishedReport


@admin.register(PublishedReport)
class PublishedReportAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    """Published reports never change (a correction is a new version): shown, not edited."""

    list_display = ("title", "recipient", "year", "version", "file_number", "published_at")
    list_filter = ("kind", "year")
    list_select_related = ("recipient",)
    exclude = ("pdf",)
