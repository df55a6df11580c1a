"""The overlap rule's query goes through the active parcels' spatial index alone. Within one
transaction that registers many parcels (an import, the demo city), the planner would otherwise
plan it on the statistics of a table that looked empty when the transaction began, and AND the
spatial index with the whole partial index of active identifiers (both carry status = 'active'):
every new parcel then reads every active parcel's index entry, and a load goes quadratic (over
200 s for 200,000 parcels, against about 10 s for 100,000 with this setting)."""

from django.db import migrations

FUNCTION = "parcels_overlap_check()"


class Migration(migrations.Migration):
    dependencies = [("parcels", "0004_active_geometry_index")]

    operations = [
        migrations.RunSQL(
            sql=[
                f"ALTER FUNCTION {FUNCTION} SET enable_seqscan = off;",
                f"ALTER FUNCTION {FUNCTION} SET enable_bitmapscan = off;",
            ],
            reverse_sql=[f"ALTER FUNCTION {FUNCTION} RESET ALL;"],
        )
    ]
