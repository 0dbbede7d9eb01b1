"""Administrators see the xAPI statements and their forwarding state (`xapi.view_statement`)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from lms.accounts.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("xapi", "0001_initial"),
        ("audit", "0008_mfa_actions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
