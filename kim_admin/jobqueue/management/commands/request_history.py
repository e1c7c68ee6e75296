from django.core.management.base import BaseCommand

from kim_admin.jobqueue.models import HistoryRequest


class Command(BaseCommand):
    help = (
        "Zeigt die Verlaufseinträge (Änderungshistorie), die eine Anfrage geschrieben hat; die "
        "Anfrage-ID steht in jeder Protokollzeile und in der Antwort (X-Request-ID)."
    )

    def add_arguments(self, parser):
        parser.add_argument("request_id")

    def handle(self, *args, request_id, **options):
        rows = HistoryRequest.objects.filter(request_id=request_id).select_related("content_type")
        if not rows:
            self.stdout.write(f"Keine Verlaufseinträge zur Anfrage {request_id}.")
            return
        for row in rows.order_by("content_type_id", "history_id"):
            model = row.content_type.model_class()
            entry = model.objects.filter(pk=row.history_id).select_related("history_user").first()
            if entry is None:
                continue
            who = entry.history_user.get_username() if entry.history_user else "-"
            self.stdout.write(
                f"{entry.history_date:%d.%m.%Y %H:%M:%S} {entry.history_type} "
                f"{model._meta.verbose_name} #{getattr(entry, 'id', '?')} von {who}: {entry}"
            )
