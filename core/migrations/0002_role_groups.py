"""Data migration: one Django group per platform role (see core.roles)."""

from django.db import migrations

ROLE_GROUPS = (
    "planner",
    "cadastre_officer",
    "addressing_officer",
    "dispatcher",
    "courier",
    "administrator",
)


def create_groups(apps, schema_editor):
    group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_extensions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
