"""The sections of the pages and their tabs. Models are named by label, so this module (like
every shared one) imports no app; a tab shows only to users who may see its model
(:class:`kim_admin.sections.Tab`)."""

from django.utils.translation import gettext_lazy as _

from kim_admin.sections import Section, Tab

# "Förderung": the programme's rates and notices, the recipient's plan records, the reference
# data, the scenarios and projections.
FUNDING = Section(
    name="funding",
    tabs=(
        Tab(_("Fördersätze"), "funding:fundingrate_list", "funding.FundingRate"),
        Tab(_("Bescheide"), "funding:grantnotice_list", "funding.GrantNotice"),
        Tab(
            _("Förderantrag"),
            "funding:application",
            "funding.GrantNotice",
            permission="funding.add_grantnotice",
        ),
        Tab(_("Fristen"), "funding:deadline_list", "funding.DeadlineSubmission"),
        Tab(_("Programmkosten"), "funding:programmecost_list", "funding.ProgrammeCost"),
        Tab(_("Mittelabrufe"), "funding:fundscall_list", "funding.FundsCall"),
        Tab(_("Zahlungseingänge"), "funding:fundspayment_list", "funding.FundsPayment"),
        Tab(_("Mittelübersicht"), "funding:funds_overview", "funding.FundsCall"),
        Tab(_("Verwendungsnachweise"), "funding:proofofuse_list", "funding.ProofOfUse"),
        Tab(_("Ertragskonten"), "funding:revenueaccount_list", "funding.RevenueAccount"),
        Tab(
            _("Weiterleitungen"),
            "carriers:forwardingagreement_list",
            "carriers.ForwardingAgreement",
        ),
        Tab(_("Kostenaufteilungen"), "carriers:costsplit_list", "carriers.CostSplit"),
        Tab(_("Organisationen"), "carriers:organisation_list", "carriers.Organisation"),
        Tab(
            _("Organisationseinheiten"),
            "staffing:organisationalunit_list",
            "staffing.OrganisationalUnit",
        ),
        Tab(_("Personalkostensätze"), "staffing:paygradecost_list", "staffing.PayGradeCost"),
        Tab(_("Tariferhöhungen"), "funding:payrise_list", "funding.PayRise"),
        Tab(_("Szenarien"), "funding:scenario_list", "funding.Scenario"),
        Tab(_("Fortschreibungen"), "funding:projection_list", "funding.Projection"),
    ),
    list_template="funding/object_list.html",
)

# "Prognosen": the carriers' cost statements, the recipient's payments, the year closings.
FORECASTS = Section(
    name="forecasts",
    tabs=(
        Tab(_("Prognosen"), "carriers:costforecast_list", "carriers.CostForecast"),
        Tab(_("Aufgaben"), "carriers:forecast_tasks", "carriers.CostForecast"),
        Tab(_("Prognose und Ist"), "carriers:forecast_actuals", "carriers.CostForecast"),
        Tab(_("Zahlungen"), "carriers:carrierpayment_list", "carriers.CarrierPayment"),
        Tab(_("Verwendungsnachweise"), "carriers:carrierproof_list", "carriers.CarrierProof"),
        Tab(_("Nachweise: Aufgaben"), "carriers:proof_tasks", "carriers.CarrierProof"),
        Tab(_("Jahresabschlüsse"), "funding:yearclosing_list", "funding.YearClosing"),
    ),
    list_template="carriers/forecast_section_list.html",
)

# "Abrechnungen": the yearly settlement between the towns of a cost split (seed 003).
SETTLEMENTS = Section(
    name="settlements",
    tabs=(
        Tab(
            _("Abrechnungen"),
            "carriers:settlementstatement_list",
            "carriers.SettlementStatement",
        ),
        Tab(
            _("Abrechnung erstellen"),
            "carriers:settlement_issue",
            "carriers.CostSplit",
            permission="carriers.add_settlementstatement",
        ),
        Tab(
            _("Alle Kommunen (Stapel)"),
            "carriers:settlement_batch",
            "carriers.CostSplit",
            permission="carriers.add_settlementstatement",
        ),
        Tab(_("Abschlagszahlungen"), "carriers:advancepayment_list", "carriers.AdvancePayment"),
    ),
    list_template="carriers/settlement_section_list.html",
)
