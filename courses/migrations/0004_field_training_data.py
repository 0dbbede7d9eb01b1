from django.db import migrations

GENESIS_HASH = "0" * 64

# The starting list of call types; administrators edit it in the Wagtail admin.
CALL_TYPES = [
    "Behavioral health crisis",
    "Welfare check",
    "Suicidal statement (no weapon)",
    "Intoxicated person (no medical emergency)",
    "Overdose",
    "Neighbor dispute",
    "Noise complaint",
    "Trespass",
    "Unhoused person or encampment concern",
    "Transit disturbance",
    "Youth or family conflict",
    "Group conflict or retaliation risk",
    "Post-shooting community response",
    "Report taking",
]


def forwards(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)
    head_model = apps.get_model("courses", "SignoffChainHead")
    if not head_model.objects.exists():
        head_model.objects.create(last_sequence=0, last_hash=GENESIS_HASH)
    call_type = apps.get_model("courses", "CallType")
    for order, name in enumerate(CALL_TYPES, start=1):
        call_type.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_field_training")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
