"""The SQL functions names and queries are folded with (see addressing.search); the
register's generated search columns depend on them."""

from django.db import migrations

from addressing.search import CREATE_FUNCTIONS, DROP_FUNCTIONS


class Migration(migrations.Migration):
    dependencies = [("core", "0001_extensions")]

    operations = [migrations.RunSQL(sql=CREATE_FUNCTIONS, reverse_sql=DROP_FUNCTIONS)]
