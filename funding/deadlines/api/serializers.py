from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from funding.deadlines import selectors


class DeadlineQuerySerializer(serializers.Serializer):
    recipient = serializers.SlugField(
        required=False, help_text=_("Kürzel des Zuwendungsempfängers (nur Administration)")
    )
    status = serializers.ChoiceField(
        choices=["open", *selectors.STATUS_LABELS],
        required=False,
        help_text=_("overdue, due_soon, later, done oder open (alle nicht erledigten)"),
    )


class DeadlineSerializer(serializers.Serializer):
    """One deadline: what, for whom, due when, who must act, its state and a link."""

    key = serializers.CharField(help_text=_("Kennung der Frist"))
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    recipient = serializers.CharField(source="recipient_name")
    party = serializers.CharField(source="party_name", help_text=_("Für wen die Frist gilt"))
    due_on = serializers.DateField()
    actor = serializers.CharField(help_text=_("recipient, coordination oder carrier"))
    actor_label = serializers.CharField()
    status = serializers.CharField(help_text=_("overdue, due_soon, later oder done"))
    wording = serializers.CharField(help_text=_("z. B. „fällig in 14 Tagen“"))
    state_text = serializers.CharField()
    done = serializers.BooleanField()
    url = serializers.CharField()
