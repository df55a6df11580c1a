"""The tile cache is a cache: unlogged (no WAL, emptied after a crash, which is correct since
renders in flight die too), and tiles stored uncompressed (MVT gains little from pglz and
the compression would cost every cold tile)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0003_tile_cache")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE core_tileinvalidation SET UNLOGGED",
                "ALTER TABLE core_cachedtile SET UNLOGGED",
                "ALTER TABLE core_cachedtile ALTER COLUMN tile SET STORAGE EXTERNAL",
            ],
            reverse_sql=[
                "ALTER TABLE core_cachedtile ALTER COLUMN tile SET STORAGE EXTENDED",
                "ALTER TABLE core_cachedtile SET LOGGED",
                "ALTER TABLE core_tileinvalidation SET LOGGED",
            ],
        )
    ]
