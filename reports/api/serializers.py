from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kim_admin.api import ScopedModelSerializer, related_value
from reports.forms import FIRST_YEAR, LAST_YEAR, YEAR_MESSAGE
from reports.models import PublishedReport
from reports.registry import COMMITTEE_ROLES, form_kind_choices


class PublishedReportSerializer(ScopedModelSerializer):
    """A published report as the API lists it (never the PDF's bytes: see ``pdf_url``)."""

    recipient = related_value("recipient.slug")
    recipient_name = related_value("recipient.name")
    scenario = related_value("scenario.slug")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    published_by = serializers.SerializerMethodField()
    latest_version = serializers.IntegerField(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = PublishedReport
        fields = [
            "id",
            "kind",
            "kind_label",
            "recipient",
            "recipient_name",
            "year",
            "scenario",
            "version",
            "latest_version",
            "title",
            "file_number",
            "paper_date",
            "subject",
            "header",
            "parameters",
            "sha256",
            "size",
            "page_count",
            "data_as_of",
            "published_by",
            "published_at",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_published_by(self, obj) -> str:
        return obj.published_by.username

    def get_pdf_url(self, obj) -> str:
        from django.urls import reverse

        url = reverse("reports:api-report-pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CommitteeStepSerializer(serializers.Serializer):
    committee = serializers.CharField(max_length=200, label=_("Gremium"))
    meeting_date = serializers.DateField(required=False, allow_null=True, label=_("Sitzung am"))
    role = serializers.ChoiceField(choices=COMMITTEE_ROLES, label=_("Zuständigkeit"))


class HeaderSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=200, label=_("Absender (Körperschaft)"))
    department = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        label=_("Dezernat/Fachbereich/AZ"),
    )
    file_number = serializers.CharField(max_length=60, label=_("Vorlage Nr."))
    paper_date = serializers.DateField(
        required=False, default=date.today, label=_("Datum der Vorlage")
    )
    subject = serializers.CharField(max_length=500, label=_("Betreff"))
    committees = CommitteeStepSerializer(
        many=True, required=False, default=list, label=_("Beratungsfolge")
    )


class PublishSerializer(serializers.Serializer):
    """``POST /api/reports/``: what to publish. The recipient and the scenario by slug."""

    kind = serializers.ChoiceField(choices=form_kind_choices(), label=_("Berichtsart"))
    recipient = serializers.SlugField(label=_("Zuwendungsempfänger (Kürzel)"))
    year = serializers.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
        },
    )
    scenario = serializers.SlugField(
        required=False, allow_null=True, allow_blank=True, label=_("Szenario (Kürzel)")
    )
    header = HeaderSerializer(label=_("Kopf der Vorlage"))
    # The kind's own parameters, e.g. {"compare_scenarios": ["szenario-2"], "last_year": 2028}.
    options = serializers.DictField(required=False, default=dict, label=_("Optionen"))

    default_error_messages = {"recipient": _("Unbekannter Zuwendungsempfänger.")}
