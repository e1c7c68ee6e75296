"""Which main navigation entry a page belongs to: ``{% nav_section as section %}``."""

from django import template

from kim_admin.navigation import FUNDING

register = template.Library()

# URL names (without namespace) of the "Prognosen" section, which lives in the carriers app
# (with the carriers' proofs of use; the recipient's own proof of use is "Förderung").
FORECAST_PAGES = (
    "forecast",
    "carrierpayment",
    "yearclosing",
    "carrierproof",
    "proofattachment",
    "proof_tasks",
)
# URL names of the "Abrechnungen" section (the settlement between towns, carriers app).
SETTLEMENT_PAGES = ("settlement", "advancepayment")
# Pages of the "Förderung" section that other apps serve (the pay-grade costs and the
# organisational units: staffing), with the pages of their records ("staffing:
# organisationalunit_detail" belongs where "staffing:organisationalunit_list" is).
FUNDING_PAGES = {tab.url_name for tab in FUNDING.tabs}
FUNDING_RECORDS = {name.removesuffix("_list") for name in FUNDING_PAGES if name.endswith("_list")}


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return ""
    if any(part in (match.url_name or "") for part in SETTLEMENT_PAGES):
        return "settlements"
    if any(part in (match.url_name or "") for part in FORECAST_PAGES):
        return "forecasts"
    if (
        match.app_name in ("funding", "carriers")
        or match.view_name in FUNDING_PAGES
        or match.view_name.rsplit("_", 1)[0] in FUNDING_RECORDS
    ):
        return "funding"
    if match.url_name == "home":
        return "home"
    return match.app_name or ""
