from django.db import migrations


def forwards(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0003_coaching_roleplay")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
