"""How names are compared: one normal form in PostgreSQL, used for the register's generated
search columns and for every query, so that a name and a query are always folded alike.

``addressing_normalize(text)`` folds what varies in how people write a name:
- case and Latin accents (``unaccent``);
- Arabic: the hamza forms of alef (أ إ آ ٱ → ا), hamza seats (ؤ → و, ئ → ي), taa marbuta
  (ة → ه), alef maqsura (ى → ي), diacritics (harakat, shadda, sukun, dagger alef) and tatweel;
- Arabic-Indic and Persian digits (٠-٩, ۰-۹ → 0-9);
- the article (ال, al-, el-) at the start of a word, apostrophes and the ayn signs (ʿ ’ ');
- street-type words (شارع, طريق, street, st, road, ...), which a name may or may not carry.

``addressing_skeleton(text)`` goes further for Latin transliterations of Arabic names: the
consonants only, with doubled letters collapsed and q read as k, so that Irsal, Ersal and
al-Irsal, or Munjed and Munjid, meet (``irsal`` → ``rsl``).

Both are IMMUTABLE so that generated columns and indexes may use them. What is left after folding
(typos, a mistyped article) is compared word by word in addressing.matching.
"""

from __future__ import annotations

from django.db.models import Func, TextField

# Words that name the kind of street or place rather than the place itself.
TYPE_WORDS = (
    "شارع", "ش", "طريق", "دوار", "ميدان", "زقاق", "حي", "عماره", "بنايه",
    "street", "st", "str", "road", "rd", "avenue", "ave", "lane", "ln", "square", "sq",
    "circle", "roundabout", "stairs", "building", "bldg",
)  # fmt: skip

ARABIC_FROM = "أإآٱؤئىة٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
ARABIC_TO = "ااااوييه01234567890123456789"
# Harakat and Quranic marks (U+064B-U+065F), dagger alef (U+0670), tatweel (U+0640).
ARABIC_MARKS = "[\u064b-\u065f\u0670\u0640]"
APOSTROPHES = "['`\u2018\u2019\u02bf\u02be\u02bb]"
# Separators become spaces. Listed rather than [^[:alnum:]], which in a database created with
# the plain C locale would take Arabic letters for separators too.
SEPARATORS = r"[][(){}<>.,;:!?\"/\\|+=*&^%$#@~_\u060c\u061b\u061f\u00ab\u00bb\s-]+"


def _literal(value: str) -> str:
    """A constant as an SQL string literal (standard_conforming_strings: only quotes double)."""
    return "'" + value.replace("'", "''") + "'"


_MARKS = _literal(f"{ARABIC_MARKS}|{APOSTROPHES}")
_SEPARATORS = _literal(SEPARATORS)
_ARTICLE = _literal("(^| )(ال|al |el )")
_TYPE_WORDS = _literal(f"(^| )({'|'.join(TYPE_WORDS)})(?= |$)")

CREATE_FUNCTIONS = f"""
CREATE FUNCTION addressing_normalize(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT btrim(regexp_replace(
    regexp_replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(
            regexp_replace(
             regexp_replace(
              translate(lower(public.unaccent('public.unaccent'::regdictionary, value)),
                        {_literal(ARABIC_FROM)}, {_literal(ARABIC_TO)}),
              {_MARKS}, '', 'g'),
            {_SEPARATORS}, ' ', 'g'),
          {_ARTICLE}, '\\1', 'g'),
        {_ARTICLE}, '\\1', 'g'),
      {_TYPE_WORDS}, '\\1', 'g'),
    {_TYPE_WORDS}, '\\1', 'g'),
  ' +', ' ', 'g'))
$fn$;

CREATE FUNCTION addressing_skeleton(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT btrim(regexp_replace(
    regexp_replace(
      regexp_replace(
        translate(addressing_normalize(value), 'q', 'k'),
        '([aeiou])h(?= |$)', '\\1', 'g'),
      '[aeiou]', '', 'g'),
    '(.)\\1+', '\\1', 'g'))
$fn$;
"""

# pg_restore runs with an empty search_path: a function calling another names its schema, or a
# backup does not restore (the skeleton's index calls it). Migration 0008 puts this in place.
_SKELETON = CREATE_FUNCTIONS[CREATE_FUNCTIONS.index("CREATE FUNCTION addressing_skeleton") :]
SKELETON_UNQUALIFIED = _SKELETON.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
SKELETON_QUALIFIED = SKELETON_UNQUALIFIED.replace(
    "translate(addressing_normalize(", "translate(public.addressing_normalize("
)

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS addressing_skeleton(text);
DROP FUNCTION IF EXISTS addressing_normalize(text);
"""


class Normalized(Func):
    """``addressing_normalize(expression)``: the folded form names are compared in."""

    function = "addressing_normalize"
    output_field = TextField()


class Skeleton(Func):
    """``addressing_skeleton(expression)``: the consonant skeleton of a Latin name."""

    function = "addressing_skeleton"
    output_field = TextField()
