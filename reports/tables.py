import django_tables2 as tables
from django.utils.html import format_html

from kim_admin.formatting import de_date
from kim_admin.tables import DateColumn, KimTable
from reports.models import PublishedReport


class PublishedReportTable(KimTable):
    title = tables.Column(
        verbose_name="Bericht", linkify=True, attrs={"td": {"style": "min-width: 14rem"}}
    )
    version = tables.Column(verbose_name="Version")
    file_number = tables.Column(verbose_name="Vorlage Nr.")
    paper_date = DateColumn(verbose_name="Datum der Vorlage")
    recipient = tables.Column(verbose_name="Zuwendungsempfänger")
    published_at = tables.Column(verbose_name="Veröffentlicht am")
    published_by = tables.Column(verbose_name="Von")
    download = tables.Column(
        verbose_name="PDF", accessor="pk", orderable=False, exclude_from_export=True
    )

    class Meta:
        model = PublishedReport
        fields = (
            "title",
            "version",
            "file_number",
            "paper_date",
            "recipient",
            "published_at",
            "published_by",
        )
        order_by = ("-published_at",)

    def render_version(self, value, record):
        if record.latest_version > value:
            return format_html(
                '{} <span class="hint">(ersetzt durch Version {})</span>',
                value,
                record.latest_version,
            )
        return value

    def render_published_at(self, value):
        from django.utils import timezone

        local = timezone.localtime(value)
        return f"{de_date(local)}, {local:%H:%M} Uhr"

    def value_published_at(self, value):
        return value

    def render_published_by(self, value):
        return value.get_full_name() or value.username

    def render_download(self, value, record):
        from django.urls import reverse

        return format_html(
            '<a href="{}">herunterladen</a>',
            reverse("reports:publishedreport_download", args=[value]),
        )
