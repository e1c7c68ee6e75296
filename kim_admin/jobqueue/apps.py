from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The job queue lives inside kim_admin (the project's shape has five apps); its label
    stays "jobs" (tables, URL namespace, templates)."""

    name = "kim_admin.jobqueue"
    label = "jobs"
    verbose_name = "Betrieb: Aufträge im Hintergrund, Anfragen der Verlaufseinträge"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules
        from simple_history.signals import post_create_historical_record

        from kim_admin.jobqueue.models import record_history_request

        # Every audit-history entry remembers the request (or job) that wrote it.
        post_create_historical_record.connect(
            record_history_request, dispatch_uid="jobs.history_request"
        )

        # Each app's ``jobs`` module registers its kinds of job (kim_admin.jobqueue.services.handler).
        autodiscover_modules("jobs")
