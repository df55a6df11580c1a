"""A version number for the register's names, so that the geocoder's word list (the words of
every street, area, place and town name, which typos are corrected against; see
addressing.matching) is rebuilt after any name changes and never otherwise.

The version is a sequence, bumped twice for every change: at once (so that the transaction
making the change reads its own new words) and again when the transaction commits (so that
other sessions, which may have rebuilt their word list while the change was still invisible to
them, rebuild it once more). Sequences are not transactional: a rolled-back change bumps it too,
which only costs one needless rebuild.

``addressing_word_match`` (edit distance in SQL) is dropped: the comparison moved to Python,
where the optimal string alignment distance is a hundred times cheaper per pair."""

from importlib import import_module

from django.db import migrations

_word_match = import_module("addressing.migrations.0004_word_match")

TABLES = {
    "addressing_street": "name_ar, name_en",
    "addressing_area": "name_ar, name_en",
    "addressing_place": "name_ar, name_en",
    # Towns are searched by name too; the trigger reaches into boundaries on purpose.
    "boundaries_municipality": "name_ar, name_en",
}

FUNCTION = """
CREATE SEQUENCE addressing_names_version;
CREATE FUNCTION addressing_names_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM nextval('addressing_names_version');
  RETURN NULL;
END $fn$;
"""
TRIGGERS = "".join(
    f"""
CREATE TRIGGER {table}_names_now AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF {columns}
  ON {table} FOR EACH STATEMENT EXECUTE FUNCTION addressing_names_bump();
CREATE CONSTRAINT TRIGGER {table}_names_commit AFTER INSERT OR DELETE OR UPDATE OF {columns}
  ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  EXECUTE FUNCTION addressing_names_bump();
"""
    for table, columns in TABLES.items()
)
DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS {table}_names_now ON {table};"
        f"DROP TRIGGER IF EXISTS {table}_names_commit ON {table};"
        for table in TABLES
    )
    + "DROP FUNCTION IF EXISTS addressing_names_bump();"
    + "DROP SEQUENCE IF EXISTS addressing_names_version;"
)


class Migration(migrations.Migration):
    dependencies = [
        ("addressing", "0004_word_match"),
        ("boundaries", "0001_administrative_boundaries"),
    ]

    operations = [
        migrations.RunSQL(sql=FUNCTION + TRIGGERS, reverse_sql=DROP),
        migrations.RunSQL(sql=_word_match.DROP, reverse_sql=_word_match.CREATE),
    ]
