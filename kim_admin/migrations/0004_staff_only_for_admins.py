"""The Django admin is the administration's tool: only admins keep the staff flag."""

from django.db import migrations


def staff_only_for_admins(apps, schema_editor):
    User = apps.get_model("kim_admin", "User")
    User.objects.filter(is_superuser=False).exclude(groups__name="admin").update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [("kim_admin", "0003_user_oidc_subject")]

    operations = [migrations.RunPython(staff_only_for_admins, migrations.RunPython.noop)]
