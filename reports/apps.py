from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Berichte"

    def ready(self):
        # The settlement between towns stores each statement's PDF when it is issued; the
        # reports app makes it (the settlement never imports reports).
        from carriers.settlements.services import register_statement_renderer
        from reports.kinds.settlement import render_statement

        register_statement_renderer(render_statement)
