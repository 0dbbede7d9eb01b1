"""HR and administrators may search the audit log (`audit.view_auditevent`)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_append_only_on_postgresql"),
        ("accounts", "0005_funding_sources_and_integration_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
