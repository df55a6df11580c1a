"""The PostgreSQL extensions the platform relies on.

On the project-local cluster ``./platform`` creates them too; on an existing server the
database owner may need a superuser to run this once (see README, "Existing PostGIS server").
"""

from django.contrib.postgres.operations import CreateExtension, TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        CreateExtension("postgis"),
        CreateExtension("pgrouting"),
        TrigramExtension(),
        UnaccentExtension(),
    ]
