from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Aufträge im Hintergrund"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app's ``jobs`` module registers its kinds of job (jobs.services.handler).
        autodiscover_modules("jobs")
