from django.db import migrations

from addressing.search import SKELETON_QUALIFIED, SKELETON_UNQUALIFIED


class Migration(migrations.Migration):
    dependencies = [("addressing", "0007_turn_restriction")]

    operations = [migrations.RunSQL(SKELETON_QUALIFIED, reverse_sql=SKELETON_UNQUALIFIED)]
