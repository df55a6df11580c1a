"""The raw SQL of addressing, in one place: what the ORM does too slowly at the register's
scale. Every statement is parameterised; names of tables and columns are constants. The
geocoder's reads use ``read_connection()``: the public's searches may be served by the read
replica (core.routers), and anything inside a transaction still reads the primary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from psycopg2.extras import execute_values

from core.routers import read_connection

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
# Finding the names a query may mean: the trigram indexes find the names that hold one of the
# query's words or one of its corrections (addressing.matching.corrections), nearly or
# exactly; the names holding the most of the query's words, weighted by how near, are read in
# full and compared word by word in Python (addressing.matching). The skeleton columns catch
# transliteration variants (Irsal, Ersal).
MATCH_SETTINGS = (
    "SET LOCAL pg_trgm.word_similarity_threshold = 0.5; "
    # The register's tables are small enough that the planner would rather compare every
    # name with every word; the indexes answer in a fraction of that time.
    "SET LOCAL enable_seqscan = off; "
)
# The names holding the most of the query's words go on to the comparisons; a word many
# names share ("north", "ابن") cannot flood them.
MAX_CANDIDATES = 20

# One kind of named feature each: (kind, table, the municipality column, street type).
_INDEXED = (
    ("street", "addressing_street", "n.municipality_id", "n.street_type"),
    ("area", "addressing_area", "n.municipality_id", "NULL"),
    ("place", "addressing_place", "n.municipality_id", "NULL"),
)
_CANDIDATES = """c_{kind} AS MATERIALIZED (
  SELECT id FROM (
    SELECT x.id, w.source, max(w.weight * x.near) AS near FROM w CROSS JOIN LATERAL (
      -- An Arabic word is looked for among the Arabic names, a Latin one among the Latin
      -- names and their skeletons: half the index scans.
      SELECT id, word_similarity(w.word, search_ar) AS near FROM {table}
       WHERE w.arabic AND search_ar %%> w.word
      UNION ALL SELECT id, word_similarity(w.word, search_en) FROM {table}
       WHERE NOT w.arabic AND search_en %%> w.word
      UNION ALL SELECT id, 0.95 * word_similarity(w.skel, skeleton_en) FROM {table}
       WHERE NOT w.arabic AND skeleton_en %%> w.skel
      ) x
     GROUP BY x.id, w.source) per_word
   GROUP BY id ORDER BY sum(near) DESC, id LIMIT {candidates})"""
_ARM = """SELECT '{kind}', n.id, {municipality}, {detail}, n.search_ar, n.search_en
  FROM c_{kind} JOIN {table} n ON n.id = c_{kind}.id"""
# Built from the constants above only; words are parameters.
NAME_CANDIDATES = (
    "WITH w AS MATERIALIZED (SELECT word, source, weight, "
    "word ~ '[\u0600-\u06ff]' AS arabic, "
    "CASE WHEN word ~ '[\u0600-\u06ff]' THEN '' ELSE addressing_skeleton(word) END AS skel "
    "FROM unnest(%(words)s::text[], %(sources)s::int[], %(weights)s::float8[]) "
    "AS given(word, source, weight)), "
    + ", ".join(
        _CANDIDATES.format(kind=kind, table=table, candidates=MAX_CANDIDATES)
        for kind, table, *_rest in _INDEXED
    )
    + "\n"
    + "\nUNION ALL\n".join(
        _ARM.format(kind=kind, table=table, municipality=municipality, detail=detail)
        for kind, table, municipality, detail in _INDEXED
    )
)
# The register's words, which query words are corrected against, and the towns (the
# municipalities that have streets) with their folded names.
VOCABULARY = """
SELECT DISTINCT word FROM (
  SELECT unnest(string_to_array(search_ar || ' ' || search_en, ' ')) FROM addressing_street
  UNION ALL
  SELECT unnest(string_to_array(search_ar || ' ' || search_en, ' ')) FROM addressing_area
  UNION ALL
  SELECT unnest(string_to_array(search_ar || ' ' || search_en, ' ')) FROM addressing_place
) AS all_words(word) WHERE word <> ''
"""
TOWNS = """
SELECT mu.id, addressing_normalize(mu.name_ar), addressing_normalize(mu.name_en)
  FROM boundaries_municipality mu
 WHERE EXISTS (SELECT 1 FROM addressing_street st WHERE st.municipality_id = mu.id)
"""

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

# Built from the constants above; values are parameters. The nearest number is found by
# three probes of the (street, number) index (that number, the next above, the next below)
# rather than by sorting every building of the street.
_NUMBER_PROBE = """
    (SELECT x.* FROM addressing_building x
      WHERE x.street_id = wanted.id AND x.status = 'active' AND x.number IS NOT NULL
        AND x.number {compare} %(number)s AND (zone.id IS NULL OR x.zone_id = zone.id)
      ORDER BY x.number {order} LIMIT {limit})"""
BUILDINGS_ON_STREETS = f"""
SELECT {ADDRESS_COLUMNS}
  FROM (SELECT (SELECT z.id FROM addressing_postalzone z WHERE z.code = %(zone)s) AS id) zone
 CROSS JOIN unnest(%(streets)s::bigint[]) AS wanted(id)
 CROSS JOIN LATERAL (
  SELECT * FROM ({_NUMBER_PROBE.format(compare="=", order="", limit="ALL")}
                 UNION ALL {_NUMBER_PROBE.format(compare=">", order="", limit=1)}
                 UNION ALL {_NUMBER_PROBE.format(compare="<", order="DESC", limit=1)}) near
   ORDER BY abs(near.number - %(number)s), near.number_suffix <> %(suffix)s, near.number_suffix
   LIMIT 1
) b
{ADDRESS_JOINS}
"""  # noqa: S608


@dataclass(frozen=True)
class NameCandidate:
    kind: str
    id: int
    municipality_id: int | None
    street_type: str | None
    names: tuple[str, str]  # folded: Arabic, English


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


def query_words(*, text: str) -> tuple[list[str], int]:
    """The words of ``text`` folded as names are (addressing_normalize), and the version of
    the register's names (see migration 0005), in one round trip."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT addressing_normalize(%s), (SELECT last_value FROM addressing_names_version)",
            [text],
        )
        folded, version = cursor.fetchone()
    return (folded or "").split(), int(version)


def vocabulary_read() -> tuple[list[str], list[tuple[int, str, str]]]:
    """The register's folded name words, and the towns as (id, folded Arabic, folded English)."""
    with read_connection().cursor() as cursor:
        cursor.execute(VOCABULARY)
        words = [row[0] for row in cursor.fetchall()]
        cursor.execute(TOWNS)
        towns = cursor.fetchall()
    return words, towns


# Planning these statements costs as much as running them: each database connection prepares
# them once (PREPARE), with a plan that does not depend on the values, and then only executes.
class Prepared:
    """A statement with %(name)s parameters, prepared once per database connection."""

    def __init__(self, name: str, statement: str, params: dict[str, str]) -> None:
        self.name = name
        self.params = list(params)
        body = statement.replace("%%", "%")
        for position, param in enumerate(self.params, start=1):
            body = body.replace(f"%({param})s", f"${position}")
        self.prepare = f"PREPARE {name}({', '.join(params.values())}) AS {body}"
        self.execute = (
            "SET LOCAL plan_cache_mode = force_generic_plan; "
            f"EXECUTE {name}({', '.join(['%s'] * len(params))})"
        )

    def run(self, cursor, values: dict, *, settings: str = "") -> list[tuple]:
        # Prepared on the connection the cursor belongs to (the primary's or the replica's).
        raw = cursor.db.connection
        done = cursor.db.__dict__.setdefault("addressing_prepared", set())
        key = (self.name, id(raw), raw.get_backend_pid())
        if key not in done:
            cursor.execute(self.prepare)
            done.add(key)
        cursor.execute(settings + self.execute, [values[p] for p in self.params])
        return cursor.fetchall()


_NAME_CANDIDATES = Prepared(
    "addressing_name_candidates",
    NAME_CANDIDATES,
    {"words": "text[]", "sources": "int[]", "weights": "float8[]"},
)
_BUILDINGS_ON_STREETS = Prepared(
    "addressing_buildings_on_streets",
    BUILDINGS_ON_STREETS,
    {"streets": "bigint[]", "number": "int", "suffix": "text", "zone": "text"},
)


def name_candidates(
    *, words: Sequence[str], sources: Sequence[int], weights: Sequence[float]
) -> list[NameCandidate]:
    """Streets, areas and places whose folded names hold one of ``words`` (or nearly), at
    most MAX_CANDIDATES of each kind: those holding the most of the query's words, each word
    counted once for its ``source`` (the query word it is or corrects) at its ``weight``."""
    with read_connection().cursor() as cursor:
        rows = _NAME_CANDIDATES.run(
            cursor,
            {"words": list(words), "sources": list(sources), "weights": list(weights)},
            settings=MATCH_SETTINGS,
        )
    return [
        NameCandidate(kind, pk, municipality, street_type, (name_ar or "", name_en or ""))
        for kind, pk, municipality, street_type, name_ar, name_en in rows
    ]


def buildings_on_streets(
    *, streets: Sequence[int], number: int, suffix: str, zone: str | None
) -> list[AddressRow]:
    """On each street, the active building whose number is closest to ``number``."""
    with read_connection().cursor() as cursor:
        rows = _BUILDINGS_ON_STREETS.run(
            cursor, {"streets": list(streets), "number": number, "suffix": suffix, "zone": zone}
        )
    return [AddressRow(*row) for row in rows]


def address_row(*, building_id: int | None = None, postcode: str | None = None):
    """One active building's address row, by id or by postcode."""
    field, value = ("b.id", building_id) if building_id is not None else ("b.postcode", postcode)
    with read_connection().cursor() as cursor:
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
    with read_connection().cursor() as cursor:
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
    with read_connection().cursor() as cursor:
        cursor.execute(FEATURE_SUMMARY[kind], [pk])
        return cursor.fetchone()


def postcode_prefix(*, prefix: str, limit: int) -> list[AddressRow]:
    """Active buildings whose postcode starts with ``prefix`` (P and up to 6 digits), in
    postcode order."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    with read_connection().cursor() as cursor:
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
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SET LOCAL pg_trgm.word_similarity_threshold = 0.5; {AUTOCOMPLETE}",
            {"text": text, "limit": limit},
        )
        return sorted(cursor.fetchall(), key=lambda row: -row[2])
