"""The registered report kinds: importing this package registers every kind.

A new kind is a module here with a ``@register``-ed ``ReportKind`` and its template under
``templates/reports/kinds/``; import it below.
"""

from reports.kinds import (  # noqa: F401
    carrier_forecasts,
    cost_overview,
    funding_application,
    positions,
    projection,
    proof_of_use,
    scenario_comparison,
    settlement,
)
