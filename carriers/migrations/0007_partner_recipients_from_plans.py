"""Carriers work for the recipients whose positions they employ or whose forwarding
agreements name them: derive the new partner links from the data already stored."""

from django.db import migrations


def link_partners(apps, schema_editor):
    Organisation = apps.get_model("carriers", "Organisation")
    ForwardingAgreement = apps.get_model("carriers", "ForwardingAgreement")
    Position = apps.get_model("staffing", "Position")
    pairs = set(ForwardingAgreement.objects.values_list("carrier_id", "recipient_id"))
    pairs |= set(
        Position.objects.filter(employer__kind="carrier").values_list("employer_id", "recipient_id")
    )
    through = Organisation.partner_recipients.through
    through.objects.bulk_create(
        [through(from_organisation_id=c, to_organisation_id=r) for c, r in sorted(pairs)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0006_organisation_partner_recipients"),
        ("staffing", "0001_initial"),
    ]

    operations = [migrations.RunPython(link_partners, migrations.RunPython.noop)]
