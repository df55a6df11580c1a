"""The register's topology rules start at their defaults (see TopologyRules)."""

from django.db import migrations


def rules_create(apps, schema_editor):
    apps.get_model("parcels", "TopologyRules").objects.get_or_create(pk=1)


def rules_delete(apps, schema_editor):
    apps.get_model("parcels", "TopologyRules").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("parcels", "0002_topology_rules")]

    operations = [migrations.RunPython(rules_create, rules_delete)]
