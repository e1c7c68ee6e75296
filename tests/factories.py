"""factory_boy factories for the domain model. Defaults build a valid KIM NRW plan."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CostForecast,
    CostSplit,
    CostSplitMember,
    ForecastAttachment,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
)
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    Programme,
    ProgrammeCost,
    Projection,
    RevenueAccount,
    Scenario,
    YearClosing,
)
from kim_admin.models import User
from staffing.models import (
    Occupancy,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)


class _History:
    record = False


# Whether the factories write history records (see ModelFactory).
HISTORY = _History()


class ModelFactory(factory.django.DjangoModelFactory):
    """A row the test starts from, written without a history record.

    The history records what people and services change (``simple_history``); a test's
    starting rows are nobody's change, and writing a history row beside each of them cost
    about a twentieth of the suite's time. What a test then changes through a page, the API
    or a service is recorded as always. A test that reads the history of its starting rows
    carries ``@pytest.mark.history`` (``tests/conftest.py`` then sets ``HISTORY.record``).
    Rows made by ``django_get_or_create`` keep the default path (and their history row).
    """

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if HISTORY.record or cls._meta.django_get_or_create:
            return super()._create(model_class, *args, **kwargs)
        row = model_class(*args, **kwargs)
        # simple_history's own way past its post_save (every model here has a history).
        row.save_without_historical_record(
            force_insert=True, using=cls._get_manager(model_class).db
        )
        return row


class OrganisationFactory(ModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Stadt {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = "county_free_city"


class CountyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Kreis {n}")
    slug = factory.Sequence(lambda n: f"kreis-{n}")
    kind = "county"


class TownFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    slug = factory.Sequence(lambda n: f"gemeinde-{n}")
    kind = "town"
    parent = factory.SubFactory(CountyFactory)


class CarrierFactory(OrganisationFactory):
    """``CarrierFactory(works_for=[recipient])``: a carrier the recipient may name."""

    class Meta:
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Wohlfahrtsverband {n}")
    slug = factory.Sequence(lambda n: f"traeger-{n}")
    kind = "carrier"

    @factory.post_generation
    def works_for(self, create, extracted, **kwargs):
        if create and extracted:
            self.partner_recipients.add(*extracted)


class ProgrammeFactory(ModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("slug",)

    name = "Kommunales Integrationsmanagement NRW"
    slug = "kim-nrw"


class BuildingBlockFactory(ModelFactory):
    class Meta:
        model = BuildingBlock
        django_get_or_create = ("programme", "number")

    programme = factory.SubFactory(ProgrammeFactory)
    number = 2
    name = factory.LazyAttribute(lambda o: f"Baustein {o.number}")


class FundingRateFactory(ModelFactory):
    class Meta:
        model = FundingRate

    programme = factory.SubFactory(ProgrammeFactory)
    block = factory.SubFactory(BuildingBlockFactory, programme=factory.SelfAttribute("..programme"))
    kind = "case_management"
    amount = Decimal("57000.00")
    valid_from = date(2023, 1, 1)
    capped_at_cost = True


class ScenarioFactory(ModelFactory):
    class Meta:
        model = Scenario

    recipient = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Szenario {n}")
    slug = factory.Sequence(lambda n: f"szenario-{n}")


class GrantNoticeFactory(ModelFactory):
    class Meta:
        model = GrantNotice

    recipient = factory.SubFactory(OrganisationFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    issued_on = date(2023, 2, 15)
    period_start = date(2023, 1, 1)
    period_end = None


class GrantNoticeBlockFactory(ModelFactory):
    class Meta:
        model = GrantNoticeBlock

    notice = factory.SubFactory(GrantNoticeFactory)
    block = factory.SubFactory(BuildingBlockFactory)
    approved_fte = Decimal("1")


class PayGradeFactory(ModelFactory):
    class Meta:
        model = PayGrade
        django_get_or_create = ("code",)

    code = "S 12"


class PayGradeCostFactory(ModelFactory):
    class Meta:
        model = PayGradeCost

    pay_grade = factory.SubFactory(PayGradeFactory)
    year = 2024
    employer_gross_per_fte = Decimal("66000.00")


class PositionFactory(ModelFactory):
    class Meta:
        model = Position
        # The post-generation hook writes a relation only: no second save of the row.
        skip_postgeneration_save = True

    recipient = factory.SubFactory(OrganisationFactory)
    block = factory.SubFactory(BuildingBlockFactory)
    funding_kind = "case_management"
    title = factory.Sequence(lambda n: f"Casemanagement {n}")
    fte = Decimal("1")
    employer = factory.SelfAttribute("recipient")
    planned_start = date(2023, 1, 1)

    @factory.post_generation
    def carrier_works_for_recipient(self, create, extracted, **kwargs):
        """A carrier that employs a recipient's position works for it (partner_recipients)."""
        if create and self.employer.kind == "carrier":
            self.employer.partner_recipients.add(self.recipient)


class PositionTownFactory(ModelFactory):
    class Meta:
        model = PositionTown

    position = factory.SubFactory(PositionFactory)
    town = factory.SubFactory(TownFactory)
    share = Decimal("100")


class OccupancyFactory(ModelFactory):
    class Meta:
        model = Occupancy

    position = factory.SubFactory(PositionFactory)
    start = factory.SelfAttribute("position.planned_start")
    end = None
    fte = factory.SelfAttribute("position.fte")


class PositionCostFactory(ModelFactory):
    class Meta:
        model = PositionCost

    position = factory.SubFactory(PositionFactory)
    year = 2024
    status = "planned"
    employer_gross = Decimal("60000.00")


class ProgrammeCostFactory(ModelFactory):
    class Meta:
        model = ProgrammeCost

    recipient = factory.SubFactory(OrganisationFactory)
    block = factory.SubFactory(BuildingBlockFactory, number=1)
    year = 2024
    category = "events"
    status = "planned"
    amount = Decimal("49000.00")


class RevenueAccountFactory(ModelFactory):
    class Meta:
        model = RevenueAccount

    recipient = factory.SubFactory(OrganisationFactory)
    category = "personnel"
    ledger_account = "414101"


class ForwardingAgreementFactory(ModelFactory):
    class Meta:
        model = ForwardingAgreement
        # The post-generation hook writes a relation only: no second save of the row.
        skip_postgeneration_save = True

    recipient = factory.SubFactory(OrganisationFactory)
    carrier = factory.SubFactory(CarrierFactory)
    valid_from = date(2022, 1, 1)
    coverage_policy = "all"

    @factory.post_generation
    def carrier_works_for_recipient(self, create, extracted, **kwargs):
        if create:
            self.carrier.partner_recipients.add(self.recipient)


class CostSplitFactory(ModelFactory):
    class Meta:
        model = CostSplit

    recipient = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"Region {n}")
    method = "equal"
    valid_from = date(2022, 1, 1)


class CostSplitMemberFactory(ModelFactory):
    class Meta:
        model = CostSplitMember

    split = factory.SubFactory(CostSplitFactory)
    organisation = factory.SubFactory(TownFactory)


class UserFactory(ModelFactory):
    """``UserFactory(role="finance", organisation=org)`` puts the user in the role's group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("geheim-123")
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not (create and extracted):
            return
        # Part of the starting row: no history record either (see ModelFactory).
        if not HISTORY.record:
            self.skip_history_when_saving = True
        try:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == "admin":
                self.is_superuser = True
                self.is_staff = True
                self.save()
        finally:
            self.__dict__.pop("skip_history_when_saving", None)


# --- Carriers' cost statements (issue 4) ---------------------------------------------------------


class CostForecastFactory(ModelFactory):
    """A statement written straight to the table (no workflow): ``state`` as given. Versions of
    the same carrier, year and kind need distinct ``number``s."""

    class Meta:
        model = CostForecast
        # The post-generation hook writes a relation only: no second save of the row.
        skip_postgeneration_save = True

    recipient = factory.SubFactory(OrganisationFactory)
    carrier = factory.SubFactory(CarrierFactory)
    year = 2025
    kind = "forecast"
    number = 1
    state = "draft"

    @factory.post_generation
    def carrier_works_for_recipient(self, create, extracted, **kwargs):
        if create:
            self.carrier.partner_recipients.add(self.recipient)


class ForecastLineFactory(ModelFactory):
    class Meta:
        model = ForecastLine

    forecast = factory.SubFactory(CostForecastFactory)
    position = factory.SubFactory(
        PositionFactory,
        recipient=factory.SelfAttribute("..forecast.recipient"),
        employer=factory.SelfAttribute("..forecast.carrier"),
    )
    employer_gross = Decimal("70000.00")
    material = Decimal("5000.00")
    overhead = Decimal("3000.00")
    months_filled = Decimal("12")


# The smallest file the attachment check takes for a PDF.
def _one_page_pdf() -> bytes:
    """A real one-page PDF (attachments must parse as PDF, not merely start with %PDF-)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = _one_page_pdf()


class ForecastAttachmentFactory(ModelFactory):
    class Meta:
        model = ForecastAttachment

    forecast = factory.SubFactory(CostForecastFactory)
    name = "Personalkosten.pdf"
    content_type = "application/pdf"
    content = PDF_BYTES
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())


class CarrierPaymentFactory(ModelFactory):
    class Meta:
        model = CarrierPayment
        # The post-generation hook writes a relation only: no second save of the row.
        skip_postgeneration_save = True

    recipient = factory.SubFactory(OrganisationFactory)
    carrier = factory.SubFactory(CarrierFactory)
    year = 2024
    paid_on = date(2024, 6, 30)
    amount = Decimal("10000.00")
    purpose = "Abschlag"

    @factory.post_generation
    def carrier_works_for_recipient(self, create, extracted, **kwargs):
        if create:
            self.carrier.partner_recipients.add(self.recipient)


class YearClosingFactory(ModelFactory):
    class Meta:
        model = YearClosing

    recipient = factory.SubFactory(OrganisationFactory)
    year = 2024
    closed_on = date(2025, 4, 30)


class AdvancePaymentFactory(ModelFactory):
    """An advance of a member town of a split of a county (the split's employer town is
    another town); the recipient is the split's, as AdvancePayment.clean sets it."""

    class Meta:
        model = AdvancePayment
        skip_postgeneration_save = True

    split = factory.SubFactory(CostSplitFactory, employer_town=factory.SubFactory(TownFactory))
    recipient = factory.SelfAttribute("split.recipient")
    town = factory.SubFactory(TownFactory, parent=factory.SelfAttribute("..split.recipient"))
    year = 2023
    paid_on = date(2023, 7, 1)
    amount = Decimal("2000.00")

    @factory.post_generation
    def member(self, create, extracted, **kwargs):
        """The town takes part in the split (else the advance would be refused)."""
        if create and not self.split.members.filter(organisation=self.town).exists():
            CostSplitMember.objects.create(split=self.split, organisation=self.town)


class ProjectionFactory(ModelFactory):
    class Meta:
        model = Projection

    recipient = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Fortschreibung {n}")
    base_year = 2024
    last_year = 2026
