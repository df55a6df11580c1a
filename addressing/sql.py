"""The raw SQL of addressing, in one place: what the ORM does too slowly at the register's
scale. Every statement is parameterised; names of tables and columns are constants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from psycopg2.extras import execute_values

# The columns a batch update may set, with the type each value is cast to.
BUILDING_COLUMNS = {
    "number": "integer",
    "number_suffix": "varchar",
    "side": "varchar",
    "position": "double precision",
    "delivery_point": "smallint",
    "postcode": "varchar",
}


def buildings_update(*, columns: Sequence[str], rows: Sequence[tuple]) -> int:
    """Set ``columns`` of many buildings in one statement; each row is (id, *values).
    ``updated_at`` becomes now(). Django's bulk_update builds a CASE per row and column,
    which costs seconds for a city's buildings."""
    if not rows:
        return 0
    unknown = set(columns) - set(BUILDING_COLUMNS)
    if unknown:
        raise ValueError(f"cannot batch-update {sorted(unknown)}")
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    casts = ", ".join(f"%s::{BUILDING_COLUMNS[c]}" for c in columns)
    # Built from the constants above only; the values travel as parameters.
    statement = (
        f"UPDATE addressing_building AS b SET {assignments}, updated_at = now() "  # noqa: S608
        f"FROM (VALUES %s) AS v(id, {', '.join(columns)}) WHERE b.id = v.id"
    )
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor, statement, rows, template=f"(%s::bigint, {casts})", page_size=2000
        )
        return cursor.cursor.rowcount


# -- geocoding -------------------------------------------------------------------------------
# Name matching, in two steps in one statement: the trigram indexes find the names that hold
# one of the query's words (word similarity, typos allowed), then each of those few names is
# compared with every phrase of one to four consecutive query words (trigram similarity) and
# with the query's words one by one (edit distance, addressing_word_match: a swapped letter
# in a short word). The skeleton columns catch transliteration variants (Irsal, Ersal).
MATCH_SETTINGS = (
    "SET LOCAL pg_trgm.similarity_threshold = 0.3; "
    "SET LOCAL pg_trgm.word_similarity_threshold = 0.5; "
    # The register's tables are small enough that the planner would rather compare every
    # name with every word; the indexes answer in a fraction of that time.
    "SET LOCAL enable_seqscan = off"
)
MAX_PHRASE_WORDS = 4
MIN_SCORE = 0.3
# The names holding the most of the query's words go on to the comparisons; a word many
# names share ("north", "ابن") cannot flood them.
MAX_CANDIDATES = 20
# An edit-distance match counts a little less than a trigram one of the same strength.
EDIT_WEIGHT = 0.9

# One kind of named feature each: (kind, table, the municipality column, street type).
_INDEXED = (
    ("street", "addressing_street", "n.municipality_id", "n.street_type"),
    ("area", "addressing_area", "n.municipality_id", "NULL"),
    ("place", "addressing_place", "n.municipality_id", "NULL"),
)
_EDIT = f"""{EDIT_WEIGHT} * greatest(addressing_word_match(n.search_ar, %(words)s::text[]),
                          addressing_word_match(n.search_en, %(words)s::text[]))"""
_CANDIDATES = """c_{kind} AS MATERIALIZED (
  SELECT n.id, {municipality} AS municipality, {detail} AS detail,
         n.search_ar, n.search_en, n.skeleton_en, {edit} AS edit
    FROM (SELECT x.id FROM w CROSS JOIN LATERAL (
              -- An Arabic word is looked for among the Arabic names, a Latin one among
              -- the Latin names and their skeletons: half the index scans.
              SELECT id FROM {table} WHERE w.arabic AND search_ar %%> w.word
              UNION ALL SELECT id FROM {table} WHERE NOT w.arabic AND search_en %%> w.word
              UNION ALL SELECT id FROM {table} WHERE NOT w.arabic AND skeleton_en %%> w.skel
              ) x
           GROUP BY x.id ORDER BY count(*) DESC, x.id LIMIT {candidates}) c
    JOIN {table} n ON n.id = c.id)"""
# Towns are the municipalities that have streets, folded on the fly (a few rows).
_TOWN_CANDIDATES = """c_town AS MATERIALIZED (
  SELECT n.id, n.id AS municipality, NULL AS detail, n.search_ar, n.search_en,
         n.skeleton_en, {edit} AS edit
    FROM (SELECT id, addressing_normalize(name_ar) AS search_ar,
                 addressing_normalize(name_en) AS search_en,
                 addressing_skeleton(name_en) AS skeleton_en
            FROM boundaries_municipality mu
           WHERE EXISTS (SELECT 1 FROM addressing_street st WHERE st.municipality_id = mu.id)
         ) n)"""
_TRIGRAM = """greatest(similarity(c.search_ar, p.phrase), similarity(c.search_en, p.phrase),
                0.95 * similarity(c.skeleton_en, p.skel))"""
# The best trigram phrase wins among equal scores: it says which words the name explains.
_ARM = """SELECT '{kind}', c.id, p.phrase, greatest({trigram}, c.edit) + 0.001 * {trigram},
       c.municipality, c.detail
  FROM c_{kind} c CROSS JOIN p
 WHERE greatest({trigram}, c.edit) >= {minimum}"""
_KINDS = [kind for kind, *_rest in _INDEXED] + ["town"]
# Built from the constants above only; words and phrases are parameters.
NAME_MATCHES = (
    "WITH p AS (SELECT phrase, addressing_skeleton(phrase) AS skel "  # noqa: S608
    "FROM unnest(%(phrases)s::text[]) AS phrase), "
    "w AS (SELECT word, addressing_skeleton(word) AS skel, "
    "word ~ '[\u0600-\u06ff]' AS arabic FROM unnest(%(words)s::text[]) AS word), "
    + ", ".join(
        [
            _CANDIDATES.format(
                kind=kind,
                table=table,
                municipality=municipality,
                detail=detail,
                edit=_EDIT,
                candidates=MAX_CANDIDATES,
            )
            for kind, table, municipality, detail in _INDEXED
        ]
        + [_TOWN_CANDIDATES.format(edit=_EDIT)]
    )
    + "\n"
    + "\nUNION ALL\n".join(
        _ARM.format(kind=kind, trigram=_TRIGRAM, minimum=MIN_SCORE) for kind in _KINDS
    )
)

ADDRESS_COLUMNS = """
  b.id, b.number, b.number_suffix, b.postcode, ST_X(b.entrance), ST_Y(b.entrance),
  b.is_synthetic, s.name_ar, s.name_en, a.name_ar, a.name_en, m.name_ar, m.name_en,
  b.street_id, b.area_id, s.municipality_id
"""
ADDRESS_JOINS = """
  JOIN addressing_street s ON s.id = b.street_id
  JOIN boundaries_municipality m ON m.id = s.municipality_id
  LEFT JOIN addressing_area a ON a.id = b.area_id
"""

# Built from the constants above; values are parameters.
BUILDINGS_ON_STREETS = f"""
SELECT {ADDRESS_COLUMNS} FROM unnest(%(streets)s::bigint[]) AS wanted(id)
CROSS JOIN LATERAL (
  SELECT * FROM addressing_building x
   WHERE x.street_id = wanted.id AND x.status = 'active' AND x.number IS NOT NULL
     AND (%(zone)s::text IS NULL
          OR x.zone_id = (SELECT z.id FROM addressing_postalzone z WHERE z.code = %(zone)s))
   ORDER BY abs(x.number - %(number)s), x.number_suffix <> %(suffix)s, x.number_suffix
   LIMIT 1
) b
{ADDRESS_JOINS}
"""  # noqa: S608


@dataclass(frozen=True)
class NameMatch:
    kind: str
    id: int
    phrase: str
    score: float
    municipality_id: int | None
    street_type: str | None = None


@dataclass(frozen=True)
class AddressRow:
    id: int
    number: int
    suffix: str
    postcode: str | None
    lon: float
    lat: float
    synthetic: bool
    street_ar: str
    street_en: str
    area_ar: str | None
    area_en: str | None
    town_ar: str
    town_en: str
    street_id: int
    area_id: int | None
    municipality_id: int


def text_normalize(*, text: str) -> str:
    """``text`` in the folded form names are compared in (addressing_normalize)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT addressing_normalize(%s)", [text])
        return cursor.fetchone()[0] or ""


# Planning the statement costs as much as running it: each database connection prepares it
# once (PREPARE) and then only executes it.
_PREPARED = "addressing_name_matches"
_PREPARE = f"PREPARE {_PREPARED}(text[], text[]) AS " + NAME_MATCHES.replace(
    "%(phrases)s", "$1"
).replace("%(words)s", "$2").replace("%%", "%")


def _prepared_once(cursor) -> None:
    raw = connection.connection
    done = connection.__dict__.setdefault("addressing_prepared", set())
    key = (id(raw), raw.get_backend_pid())
    if key not in done:
        cursor.execute(_PREPARE)
        done.add(key)


def name_matches(*, phrases: Sequence[str], words: Sequence[str]) -> list[NameMatch]:
    """Streets, areas, places and towns whose names hold one of ``words`` and are similar
    to one of ``phrases`` (all folded), each with the phrase it matched best."""
    with connection.cursor() as cursor:
        _prepared_once(cursor)
        cursor.execute(
            f"{MATCH_SETTINGS}; EXECUTE {_PREPARED}(%s::text[], %s::text[])",
            [list(phrases), list(words)],
        )
        rows = cursor.fetchall()
    best: dict[tuple[str, int], NameMatch] = {}
    for kind, pk, phrase, score, municipality, street_type in rows:
        match = NameMatch(kind, pk, phrase, float(score), municipality, street_type)
        if (kind, pk) not in best or match.score > best[(kind, pk)].score:
            best[(kind, pk)] = match
    return sorted(best.values(), key=lambda m: -m.score)


def buildings_on_streets(
    *, streets: Sequence[int], number: int, suffix: str, zone: str | None
) -> list[AddressRow]:
    """On each street, the active building whose number is closest to ``number``."""
    with connection.cursor() as cursor:
        cursor.execute(
            BUILDINGS_ON_STREETS,
            {"streets": list(streets), "number": number, "suffix": suffix, "zone": zone},
        )
        return [AddressRow(*row) for row in cursor.fetchall()]


def address_row(*, building_id: int | None = None, postcode: str | None = None):
    """One active building's address row, by id or by postcode."""
    field, value = ("b.id", building_id) if building_id is not None else ("b.postcode", postcode)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ADDRESS_COLUMNS} FROM addressing_building b {ADDRESS_JOINS} "  # noqa: S608
            f"WHERE {field} = %s AND b.status = 'active'",
            [value],
        )
        row = cursor.fetchone()
    return AddressRow(*row) if row else None


def nearest_address(*, lon: float, lat: float, radius_m: float):
    """The active building whose entrance is nearest (on the ellipsoid) to lon/lat, within
    ``radius_m`` metres, with its distance; None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH near AS (
              -- The point is written out (not taken from a CTE) so that the GiST index
              -- answers the nearest-neighbour ordering.
              SELECT x.id FROM addressing_building x
               WHERE x.status = 'active'
               ORDER BY x.entrance <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 8
            ),
            here AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS pt)
            SELECT {ADDRESS_COLUMNS}, ST_Distance(b.entrance::geography, here.pt)
              FROM near JOIN addressing_building b ON b.id = near.id {ADDRESS_JOINS}, here
             WHERE ST_DWithin(b.entrance::geography, here.pt, %s)
             ORDER BY 17 LIMIT 1
            """,  # noqa: S608 - constants only
            [lon, lat, lon, lat, radius_m],
        )
        row = cursor.fetchone()
    return (AddressRow(*row[:16]), float(row[16])) if row else None


# What a candidate of each kind shows: names, a point, whether it is synthetic, and for
# polygons their outline (GeoJSON) and the town a street or area is in.
FEATURE_SUMMARY = {
    "street": """
      SELECT s.name_ar || '، ' || m.name_ar, s.name_en || ', ' || m.name_en,
             ST_X(ST_LineInterpolatePoint(s.geom, 0.5)), ST_Y(ST_LineInterpolatePoint(s.geom, 0.5)),
             s.is_synthetic, NULL
        FROM addressing_street s JOIN boundaries_municipality m ON m.id = s.municipality_id
       WHERE s.id = %s""",
    "place": """
      SELECT p.name_ar, coalesce(nullif(p.name_en, ''), p.name_ar), ST_X(p.geom), ST_Y(p.geom),
             p.is_synthetic, NULL
        FROM addressing_place p WHERE p.id = %s""",
    "area": """
      SELECT a.name_ar || '، ' || m.name_ar, a.name_en || ', ' || m.name_en,
             ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom)), a.is_synthetic,
             ST_AsGeoJSON(a.geom, 6)
        FROM addressing_area a JOIN boundaries_municipality m ON m.id = a.municipality_id
       WHERE a.id = %s""",
    "zone": """
      SELECT 'المنطقة البريدية P' || z.code, 'Postal zone P' || z.code,
             ST_X(ST_PointOnSurface(z.geom)), ST_Y(ST_PointOnSurface(z.geom)), z.is_synthetic,
             ST_AsGeoJSON(z.geom, 6)
        FROM addressing_postalzone z WHERE z.id = %s""",
    "town": """
      SELECT m.name_ar, m.name_en, ST_X(ST_PointOnSurface(m.geom)),
             ST_Y(ST_PointOnSurface(m.geom)), false, NULL
        FROM boundaries_municipality m WHERE m.id = %s""",
}


def feature_summary(*, kind: str, pk: int):
    """(name_ar, name_en, lon, lat, synthetic, outline GeoJSON or None) of one feature."""
    with connection.cursor() as cursor:
        cursor.execute(FEATURE_SUMMARY[kind], [pk])
        return cursor.fetchone()


def postcode_prefix(*, prefix: str, limit: int) -> list[AddressRow]:
    """Active buildings whose postcode starts with ``prefix`` (P and up to 6 digits), in
    postcode order."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ADDRESS_COLUMNS} FROM addressing_building b {ADDRESS_JOINS} "  # noqa: S608
            "WHERE b.postcode >= %s AND b.postcode < %s AND b.status = 'active' "
            "ORDER BY b.postcode LIMIT %s",
            [prefix, upper, limit],
        )
        return [AddressRow(*row) for row in cursor.fetchall()]


AUTOCOMPLETE = """
WITH q AS (SELECT addressing_normalize(%(text)s) AS t)
(SELECT 'street', s.id, word_similarity(q.t, s.search_ar) + word_similarity(q.t, s.search_en)
   FROM addressing_street s, q
  WHERE q.t <%% s.search_ar OR q.t <%% s.search_en
  ORDER BY 3 DESC LIMIT %(limit)s)
UNION ALL
(SELECT 'place', p.id, word_similarity(q.t, p.search_ar) + word_similarity(q.t, p.search_en)
   FROM addressing_place p, q
  WHERE q.t <%% p.search_ar OR q.t <%% p.search_en
  ORDER BY 3 DESC LIMIT %(limit)s)
UNION ALL
(SELECT 'area', a.id, word_similarity(q.t, a.search_ar) + word_similarity(q.t, a.search_en)
   FROM addressing_area a, q
  WHERE q.t <%% a.search_ar OR q.t <%% a.search_en
  ORDER BY 3 DESC LIMIT %(limit)s)
"""


def autocomplete_matches(*, text: str, limit: int) -> list[tuple[str, int, float]]:
    """Streets, places and areas whose names contain a word that starts like ``text`` (or
    nearly), best first: (kind, id, score)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET LOCAL pg_trgm.word_similarity_threshold = 0.5; {AUTOCOMPLETE}",
            {"text": text, "limit": limit},
        )
        return sorted(cursor.fetchall(), key=lambda row: -row[2])
