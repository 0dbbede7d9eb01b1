from django.db import migrations

GENESIS_HASH = "0" * 64


def forwards(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)
    head_model = apps.get_model("certificates", "DecisionChainHead")
    if not head_model.objects.exists():
        head_model.objects.create(last_sequence=0, last_hash=GENESIS_HASH)


class Migration(migrations.Migration):
    dependencies = [("certificates", "0002_credentials")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
