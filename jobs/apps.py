from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Betrieb: Aufträge im Hintergrund, Anfragen der Verlaufseinträge"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules
        from simple_history.signals import post_create_historical_record

        from jobs.models import record_history_request

        # Every audit-history entry remembers the request (or job) that wrote it.
        post_create_historical_record.connect(
            record_history_request, dispatch_uid="jobs.history_request"
        )

        # Each app's ``jobs`` module registers its kinds of job (jobs.services.handler).
        autodiscover_modules("jobs")
