"""The raw SQL of routing, in one place: cutting the street register into a graph (ST_Node has
no ORM expression) and finding where a point meets the graph. Values are parameters."""

from __future__ import annotations

from django.db import connection

from addressing.models import DEFAULT_SPEED_KMH

# Node keys: coordinates on a 1e-7 degree grid (about 1 cm), so that ends that meet are one node.
GRID = 10_000_000
# How near (degrees, about 10 cm) a turn restriction's crossing and hints lie to the graph.
HINT_DEG = 1e-6


def _speed_case() -> str:
    cases = " ".join(f"WHEN '{kind}' THEN {kmh}" for kind, kmh in DEFAULT_SPEED_KMH.items())
    return f"coalesce(s.max_speed_kmh, CASE s.street_type {cases} ELSE 30 END)"


def _key(expression: str) -> str:
    return f"round({expression} * {GRID})::bigint"


def _turn_edge(role: str) -> str:
    """The edge of a restriction's ``role`` street (from or to) at its crossing ``n``."""
    return f"""
    SELECT e.id FROM routing_edge e
    WHERE e.street_id = r.{role}_street_id AND n.id IN (e.source, e.target)
      AND ST_DWithin(e.geom, r.{role}_hint, {HINT_DEG})
    ORDER BY e.geom <-> r.{role}_hint LIMIT 1"""  # noqa: S608 - built from constants only


GRAPH_BUILD_SQL = f"""
DROP TABLE IF EXISTS pg_temp.routing_piece, pg_temp.routing_end;
CREATE TEMP TABLE routing_piece ON COMMIT DROP AS
WITH noded AS (
    SELECT (ST_Dump(ST_Node(ST_Collect(geom)))).geom AS geom FROM addressing_street
)
SELECT n.geom, origin.id AS street_id
FROM noded n
CROSS JOIN LATERAL (
    SELECT s.id FROM addressing_street s
    WHERE s.geom && ST_Expand(n.geom, 1e-7)
    ORDER BY s.geom <-> ST_LineInterpolatePoint(n.geom, 0.5)
    LIMIT 1
) origin
WHERE ST_Length(n.geom) > 0;

CREATE TEMP TABLE routing_end ON COMMIT DROP AS
SELECT DISTINCT round(ST_X(p) * {GRID})::bigint AS kx, round(ST_Y(p) * {GRID})::bigint AS ky
FROM (
    SELECT ST_StartPoint(geom) AS p FROM routing_piece
    UNION ALL SELECT ST_EndPoint(geom) FROM routing_piece
) e;

DELETE FROM routing_turn;
DELETE FROM routing_edge;
DELETE FROM routing_node;
INSERT INTO routing_node (id, geom)
SELECT row_number() OVER (ORDER BY kx, ky), ST_SetSRID(ST_MakePoint(kx::float8 / {GRID},
       ky::float8 / {GRID}), 4326)
FROM routing_end;

INSERT INTO routing_edge (street_id, source, target, length_m, cost_s, reverse_cost_s, geom)
SELECT p.street_id, a.id, b.id, len.m,
       CASE WHEN s.oneway = 'backward' THEN -1 ELSE len.m / ({_speed_case()} / 3.6) END,
       CASE WHEN s.oneway = 'forward' THEN -1 ELSE len.m / ({_speed_case()} / 3.6) END,
       p.geom
FROM routing_piece p
JOIN addressing_street s ON s.id = p.street_id
CROSS JOIN LATERAL (SELECT ST_Length(p.geom::geography) AS m) len
JOIN routing_node a ON {_key("ST_X(a.geom)")} = {_key("ST_X(ST_StartPoint(p.geom))")}
                   AND {_key("ST_Y(a.geom)")} = {_key("ST_Y(ST_StartPoint(p.geom))")}
JOIN routing_node b ON {_key("ST_X(b.geom)")} = {_key("ST_X(ST_EndPoint(p.geom))")}
                   AND {_key("ST_Y(b.geom)")} = {_key("ST_Y(ST_EndPoint(p.geom))")};

-- A restriction is placed where its streets meet: the node at its crossing, and on each street
-- the edge that touches that node and passes through the street's hint (its side).
INSERT INTO routing_turn (from_edge_id, via_id, to_edge_id, kind)
SELECT f.id, n.id, t.id, r.kind
FROM addressing_turnrestriction r
CROSS JOIN LATERAL (
    SELECT n.id FROM routing_node n WHERE n.geom && ST_Expand(r.via, {HINT_DEG})
    ORDER BY n.geom <-> r.via LIMIT 1
) n
CROSS JOIN LATERAL ({_turn_edge("from")}) f
CROSS JOIN LATERAL ({_turn_edge("to")}) t;
"""  # noqa: S608 - built from constants only


def graph_build() -> tuple[int, int, int, int]:
    """Replace the graph with the street register's, cut where streets cross or meet, with its
    turn restrictions; returns (nodes, edges, turns placed, turns not placed). Runs inside the
    caller's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(GRAPH_BUILD_SQL)
        cursor.execute(
            "SELECT (SELECT count(*) FROM routing_node), (SELECT count(*) FROM routing_edge), "
            "(SELECT count(*) FROM routing_turn), (SELECT count(*) FROM addressing_turnrestriction)"
        )
        nodes, edges, turns, restrictions = cursor.fetchone()
        cursor.execute("ANALYZE routing_edge")
        cursor.execute("ANALYZE routing_node")
    return nodes, edges, turns, restrictions - turns


def routing_state() -> tuple[int | None, object, int]:
    """What the engine checks on every request, in one round trip: the latest graph build,
    and when the closures last changed and how many there are."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(id) FROM routing_graphbuild), "
            "(SELECT max(updated_at) FROM routing_closure), (SELECT count(*) FROM routing_closure)"
        )
        return cursor.fetchone()


STATE_CHANNEL = "routing_state"  # NOTIFYed by the triggers of migration 0002


class StateListener:
    """A connection of its own that LISTENs on ``routing_state``, so the engine can tell whether
    the closures or the graph changed without a query: reading what the server already sent is
    a non-blocking read of the socket. Not thread-safe: the engine holds its lock around it."""

    def __init__(self) -> None:
        self._connection = None

    def changed(self) -> bool:
        """Whether the routing state may have changed since the last call: when a change was
        notified, and also on the first call and after the connection was lost, when a change
        may have gone unheard (the connection is then opened again at once)."""
        if self._connection is not None:
            try:
                self._connection.poll()
                # A server that ends the session (restart, pg_terminate_backend) first sends a
                # FATAL notice; the broken socket only shows at the next read.
                lost = bool(self._connection.notices)
            except connection.Database.Error:
                lost = True
            if not lost:
                heard = bool(self._connection.notifies)
                self._connection.notifies.clear()
                return heard
            self.close()
        try:
            self._connection = connection.Database.connect(**connection.get_connection_params())
            self._connection.autocommit = True
            with self._connection.cursor() as cursor:
                cursor.execute(f"LISTEN {STATE_CHANNEL}")
        except connection.Database.Error:
            # The state query that follows meets the same failure and reports it.
            self.close()
        return True

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()  # psycopg2 closes a broken connection without complaint
            self._connection = None


def closures_open(*, at) -> list[tuple[object, object, list[int]]]:
    """(starts_at, ends_at, edge ids) of every closure not ended at ``at``, with the edges its
    geometry touches."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.starts_at, c.ends_at, array_agg(e.id)
            FROM routing_closure c
            JOIN routing_edge e ON ST_Intersects(e.geom, c.geom)
            WHERE c.ends_at IS NULL OR c.ends_at > %s
            GROUP BY c.id, c.starts_at, c.ends_at
            """,
            [at],
        )
        return cursor.fetchall()
