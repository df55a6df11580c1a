"""Typos that trigrams miss: one swapped or replaced letter changes most of a short word's
trigrams (an Arabic name is often four or five letters). ``addressing_word_match`` compares
a folded name with the query's words by edit distance (fuzzystrmatch's levenshtein): the
average, over the name's words, of the best 1 - distance / length."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations

CREATE = """
CREATE FUNCTION addressing_word_match(name text, words text[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT coalesce(avg(best), 0) FROM (
    SELECT max(1 - levenshtein(nw, qw)::double precision / greatest(length(nw), length(qw), 1))
           AS best
      FROM unnest(string_to_array(name, ' ')) AS nw, unnest(words) AS qw
     WHERE nw <> ''
     GROUP BY nw) AS per_word
$fn$;
"""
DROP = "DROP FUNCTION IF EXISTS addressing_word_match(text, text[]);"


class Migration(migrations.Migration):
    dependencies = [("addressing", "0003_register_rules")]

    operations = [
        CreateExtension("fuzzystrmatch"),
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
