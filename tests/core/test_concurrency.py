"""Many clients editing the same things at the same moment (issue 9, point 3).

Each test starts real concurrent clients: threads, each with its own database connection, that
wait at a barrier and then send requests for a bounded time through Django's test client
against the real PostGIS. The tests are transactional, so that every request commits as it
would in production and the clients see (and race) each other's commits. Afterwards the
committed data is checked: no lost update, no overlap, no duplicate postcode, no duplicate
proof. Each test prints what the clients did, for instance

    features, 2 clients, 2.6 s: 39 writes accepted, 39 conflicts refused
    (412 stale_version: 39), 0 errors

(run pytest with -s to see them). A refusal is a typed answer (409, 412, a 400 naming the
rule); an error is anything else: a 5xx, or an exception such as a deadlock.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import LineString, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from core.roles import Role
from tests.factories import UserFactory, locality_create, town_create

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = [pytest.param(2, id="2-clients"), pytest.param(20, id="20-clients")]
# How long the clients of a scenario keep sending requests. The clients are threads of this
# one process: twenty of them share one interpreter (and two cores with the database), so
# each of them gets through a few requests a second; the figures count refusals and check
# what was kept, they are not the server's throughput.
SECONDS = {2: 2.5, 20: 4.0}
DATA = Path(__file__).resolve().parents[1] / "data"


# -- running clients -------------------------------------------------------------------------


class Tally:
    """What the clients' requests came to, by outcome, counted across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: Counter[tuple[str, int, str]] = Counter()
        self.errors: list[str] = []
        self.elapsed = 0.0

    def add(self, action: str, status: int, code: str = "") -> None:
        with self._lock:
            self.outcomes[(action, status, code)] += 1

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def count(self, *, action: str | None = None, statuses=None) -> int:
        return sum(
            n
            for (a, status, _code), n in self.outcomes.items()
            if (action is None or a == action) and (statuses is None or status in statuses)
        )

    def refusals(self) -> Counter[str]:
        """Refusals by status and code, e.g. {"409 parcel_retired": 12}."""
        found: Counter[str] = Counter()
        for (_action, status, code), n in self.outcomes.items():
            if status >= 400:
                found[f"{status} {code}".strip()] += n
        return found

    def refused_text(self) -> str:
        refusals = self.refusals()
        total = sum(refusals.values())
        detail = ", ".join(f"{key}: {n:,}" for key, n in refusals.most_common())
        return f"{total:,} conflicts refused" + (f" ({detail})" if detail else "")


def clients_run(
    count: int,
    client: Callable[[int, float, Tally], None],
    *,
    seconds: float,
    warm_up: Callable[[], object] | None = None,
):
    """Run ``client(index, deadline, tally)`` in ``count`` threads that start together (a
    barrier) and send requests until ``deadline`` (time.monotonic()). An exception escaping a
    client (a 500 raised by the test client, a deadlock) is an error; each thread closes its
    database connection when it ends, so that the test database can be dropped.

    ``warm_up`` (a request) runs once before, untimed: the first request of the process
    imports the views and builds the URL resolver, which takes a second or two."""
    if warm_up is not None:
        warm_up()
    tally = Tally()
    clock: dict[str, float] = {}

    def start() -> None:  # once every client is at the barrier, before any goes
        clock["start"] = time.monotonic()
        clock["deadline"] = clock["start"] + seconds

    barrier = threading.Barrier(count + 1, action=start)

    def main(index: int) -> None:
        try:
            connection.ensure_connection()  # connected before the start, not in the race
            barrier.wait(timeout=60)
            client(index, clock["deadline"], tally)
        except Exception:
            tally.error(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=main, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    for thread in threads:
        thread.join(timeout=seconds + 120)
    tally.elapsed = time.monotonic() - clock["start"]
    assert not any(t.is_alive() for t in threads), "a client never finished"
    return tally


def recorded(tally: Tally, action: str, send: Callable[[], object]):
    """Send one request and count its outcome; a 5xx (or an exception the test client raised
    for one) is an error, with what the server said."""
    try:
        response = send()
    except Exception as exc:
        tally.error(f"{action}: {exc.__class__.__name__}: {exc}\n{traceback.format_exc()}")
        return None
    code = ""
    if response.status_code >= 400:
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = "?"
    if response.status_code >= 500:
        tally.error(f"{action}: {response.status_code} {response.content[:500]!r}")
    tally.add(action, response.status_code, code)
    return response


def service_call(tally: Tally, action: str, call: Callable[[], object]):
    """Call a service as the API would, counting a typed refusal by its HTTP status."""
    try:
        result = call()
    except DomainError as exc:
        tally.add(action, exc.status_code, exc.code)
        return None
    except Exception as exc:
        tally.error(f"{action}: {exc.__class__.__name__}: {exc}\n{traceback.format_exc()}")
        return None
    tally.add(action, 201)
    return result


@pytest.fixture(autouse=True)
def _refusals_unlogged():
    """Thousands of refusals are expected here: django.request's warning for each 4xx would
    bury the figures the tests print (an error is counted, and its traceback kept, by the
    test itself)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_no_errors(tally: Tally) -> None:
    assert not tally.errors, f"{len(tally.errors)} errors, the first:\n{tally.errors[0]}"


def sql_one(query: str, params=()) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


# -- 1. features: no lost update ---------------------------------------------------------------


@pytest.mark.parametrize("clients", CLIENTS)
def test_clients_editing_one_feature_lose_no_update(clients):
    """Each client reads the feature (its ETag and its counter ``asset_no``) and writes the
    counter plus one with If-Match. A lost update would leave the counter below the number of
    writes accepted; a write based on a stale read must be refused (412), never applied."""
    from core.models import ChangeRecord
    from layers.models import Feature
    from tests.factories import layer_with_points

    town_create()
    layer = layer_with_points(points=[(35.2000, 31.9050)])
    feature = Feature.objects.get(layer=layer)
    url = f"/ogcapi/collections/{layer.slug}/items/{feature.pk}"
    start = feature.properties["asset_no"]
    planners = [signed_in(UserFactory(role=Role.PLANNER)) for _ in range(clients)]
    accepted: list[tuple[int, int]] = []  # (version made, counter written)
    accepted_lock = threading.Lock()

    def client(index: int, deadline: float, tally: Tally) -> None:
        api = planners[index]
        while time.monotonic() < deadline:
            read = recorded(tally, "read", lambda: api.get(f"{url}?f=json"))
            if read is None or read.status_code != 200:
                continue
            counter = read.json()["properties"]["asset_no"]
            body = {"type": "Feature", "properties": {"asset_no": counter + 1}}
            etag = read["ETag"]
            written = recorded(
                tally,
                "write",
                lambda body=body, etag=etag: api.patch(
                    url, body, format="json", HTTP_IF_MATCH=etag
                ),
            )
            if written is not None and written.status_code == 200:
                with accepted_lock:
                    accepted.append((int(written["ETag"].strip('"')), counter + 1))

    tally = clients_run(
        clients,
        client,
        seconds=SECONDS[clients],
        warm_up=lambda: planners[0].get(f"{url}?f=json"),
    )
    writes = tally.count(action="write", statuses={200})
    print(
        f"\nfeatures, {clients} clients, {tally.elapsed:.1f} s: {writes:,} writes accepted, "
        f"{tally.refused_text()}, {len(tally.errors)} errors"
    )
    assert_no_errors(tally)
    assert writes > 0
    refused = tally.count(action="write") - writes
    assert refused == tally.count(action="write", statuses={409, 412})
    versions = sorted(v for v, _counter in accepted)
    assert len(set(versions)) == len(versions) == writes  # each accepted write made its version
    assert versions == list(range(2, 2 + writes))
    feature.refresh_from_db()
    assert feature.version == 1 + writes
    # No lost update: every accepted write saw the one before it.
    assert feature.properties["asset_no"] == start + writes
    assert sorted(c for _v, c in accepted) == list(range(start + 1, start + 1 + writes))
    # One change record per accepted write, each starting where the one before it ended.
    history = list(
        ChangeRecord.objects.filter(collection=layer.slug, feature_id=str(feature.pk)).order_by(
            "version"
        )
    )
    assert [r.version for r in history] == list(range(1, 2 + writes))
    assert [r.action for r in history[1:]] == ["update"] * writes
    for previous, record in itertools.pairwise(history):
        assert record.before == previous.after
        assert (
            record.after["properties"]["asset_no"] == previous.after["properties"]["asset_no"] + 1
        )


# -- 2. parcels: no overlap slips through ------------------------------------------------------

# A strip of parcels along a parallel, west to east, in basin 1; a gap between two blocks of
# basin 2, further north. Shared edges use the same floating-point numbers on both sides.
STRIP_WEST, STRIP_SOUTH, STRIP_NORTH = 35.2000, 31.9000, 31.9002
STRIP_XS = [STRIP_WEST + k * 0.0002 for k in range(5)]  # four squares of about 420 m²
GAP_SOUTH, GAP_NORTH = 31.9010, 31.9012
GAP_XS = [35.2000, 35.2002, 35.2008, 35.2010]  # west block, the gap (about 57 m), east block
REASON = "Concurrent editing test"
# What a refusal of a parcels transaction may be: stale (412), retired meanwhile or a rule of
# the register (409), or a rule of the register checked before writing (400, named).
PARCEL_REFUSALS = {
    (412, "stale_version"),
    (409, "parcel_retired"),
    (409, "parcel_no_overlap"),
    (409, "parcel_unique_active_identifier"),
    (400, "parcel_min_area"),
    (400, "adjust_not_adjacent"),
    (400, "adjust_outside"),
    (400, "adjust_splits_neighbour"),
    (400, "merge_not_adjacent"),
    (400, "cut_does_not_cross"),
}


def box(west: float, south: float, east: float, north: float) -> Polygon:
    polygon = Polygon.from_bbox((west, south, east, north))
    polygon.srid = 4326
    return polygon


def geojson(geom) -> dict:
    return json.loads(geom.geojson)


@pytest.fixture
def register(db):
    """The town, its locality, a cadastre officer and two parties."""
    from parcels.models import PartyKind
    from parcels.services import party_create

    town = town_create()
    return {
        "town": town,
        "locality": locality_create(town=town),
        "officer": UserFactory(role=Role.CADASTRE_OFFICER),
        "parties": [
            party_create(kind=PartyKind.PERSON, name_ar=f"مالك {n}", name_en=f"Owner {n}")
            for n in (1, 2)
        ],
    }


def _registered(register, *, basin: int, xs, south: float, north: float, numbers=None):
    from parcels.services import RightSpec, parcel_create, parcels_rights_register

    parcels = [
        parcel_create(
            locality=register["locality"],
            municipality=register["town"],
            basin=basin,
            number=numbers[k] if numbers else k + 1,
            geom=box(west, south, east, north),
            user=register["officer"],
            reason="Registered for the concurrency test",
        )
        for k, (west, east) in enumerate(xs)
    ]
    owner = register["parties"][0]
    parcels_rights_register(
        entries=[(p, [RightSpec(party=owner, kind="ownership", share=1)]) for p in parcels],
        user=register["officer"],
        reason="First rights",
    )
    return parcels


def _active(basin: int) -> list[tuple[int, int, tuple[float, float, float, float]]]:
    """(id, version, extent) of the active parcels of ``basin``, west to east."""
    from parcels.models import Parcel

    rows = Parcel.objects.filter(status="active", basin=basin).values_list("pk", "version", "geom")
    return sorted(((pk, version, geom.extent) for pk, version, geom in rows), key=lambda r: r[2])


def assert_register_whole(*, basin: int, expected_area_m2: float, expected_union) -> None:
    """Checked in SQL on the committed register: no two active parcels overlap, their areas
    add up to the land they cover, and every transaction's lineage is consistent. An overlap
    is shared area beyond the register's survey tolerance (TopologyRules, 0.5 m²), which the
    database rule admits by design: two pieces read at once may close a gap with a sliver of
    overlap below it (0.27 m² once, under load), and a merged parcel's union can leave its
    vertices a rounding error off the old edge."""
    from parcels.models import TopologyRules

    tolerance = (TopologyRules.objects.filter(pk=1).first() or TopologyRules()).overlap_tolerance_m2
    overlaps = sql_one(
        """
        SELECT count(*) FROM parcels_parcel a JOIN parcels_parcel b
          ON a.id < b.id AND a.geom && b.geom
         WHERE a.status = 'active' AND b.status = 'active' AND a.basin = %s AND b.basin = %s
           AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > %s
        """,
        [basin, basin, tolerance],
    )[0]
    worst, shared = sql_one(
        """
        SELECT coalesce(max(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0),
               coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0)
          FROM parcels_parcel a JOIN parcels_parcel b ON a.id < b.id AND a.geom && b.geom
         WHERE a.status = 'active' AND b.status = 'active' AND a.basin = %s AND b.basin = %s
        """,
        [basin, basin],
    )
    print(f"largest area shared by two active parcels: {worst:.3g} m²")
    assert overlaps == 0, f"{overlaps} pairs of active parcels overlap, the largest by {worst} m²"
    total, union, outside = sql_one(
        """
        SELECT sum(ST_Area(geom::geography)), ST_Area(ST_Union(geom)::geography),
               ST_Area(ST_Difference(ST_Union(geom), ST_GeomFromEWKT(%s))::geography)
          FROM parcels_parcel WHERE status = 'active' AND basin = %s
        """,
        [expected_union.ewkt, basin],
    )
    # No area counted twice, beyond the slivers under the tolerance that the rule admits.
    assert abs(total - union - shared) < 0.01
    assert outside < 0.01  # no land taken from outside
    assert abs(total - expected_area_m2) < 0.05, (total, expected_area_m2)
    # Lineage: each retired parcel was retired by a transaction that names it as a parent;
    # each parcel a transaction made is its child; each transaction keeps the land it took.
    orphans = sql_one(
        """
        SELECT count(*) FROM parcels_parcel p WHERE p.basin = %s AND (
          (p.status = 'retired' AND NOT EXISTS (
             SELECT 1 FROM parcels_parcellineage l
              WHERE l.parent_id = p.id AND l.transaction_id = p.retired_by_id))
          OR (p.status = 'active' AND p.created_by_id IN (
                SELECT id FROM parcels_parceltransaction WHERE kind IN ('split', 'merge', 'adjust'))
              AND NOT EXISTS (
                SELECT 1 FROM parcels_parcellineage l
                 WHERE l.child_id = p.id AND l.transaction_id = p.created_by_id)))
        """,
        [basin],
    )[0]
    assert orphans == 0, f"{orphans} parcels without their lineage"
    unbalanced = sql_one(
        """
        WITH parents AS (
          SELECT l.transaction_id t, ST_Union(DISTINCT p.geom) g, count(DISTINCT p.id) n
            FROM parcels_parcellineage l JOIN parcels_parcel p ON p.id = l.parent_id
           WHERE p.basin = %s GROUP BY 1),
        children AS (
          SELECT l.transaction_id t, ST_Union(DISTINCT c.geom) g, count(DISTINCT c.id) n
            FROM parcels_parcellineage l JOIN parcels_parcel c ON c.id = l.child_id
           WHERE c.basin = %s GROUP BY 1)
        SELECT count(*) FROM parents JOIN children USING (t)
         WHERE ST_Area(ST_SymDifference(parents.g, children.g)::geography) > 0.01
        """,
        [basin, basin],
    )[0]
    assert unbalanced == 0, f"{unbalanced} transactions changed the land they covered"
    shares = sql_one(
        """
        SELECT count(*) FROM parcels_parcel p WHERE p.status = 'active' AND p.basin = %s
           AND (SELECT sum(r.share_numerator::numeric / r.share_denominator)
                  FROM parcels_right r
                 WHERE r.parcel_id = p.id AND r.valid_to IS NULL AND r.kind = 'ownership') <> 1
        """,
        [basin],
    )[0]
    assert shares == 0, f"{shares} active parcels whose ownership does not add up to one"


def assert_parcel_refusals(tally: Tally) -> None:
    assert_no_errors(tally)
    for (_action, status, code), _n in tally.outcomes.items():
        assert status < 300 or (status, code) in PARCEL_REFUSALS, (status, code)


@pytest.mark.parametrize("clients", CLIENTS)
def test_clients_splitting_merging_and_adjusting_the_same_parcels_break_no_rule(clients, register):
    """A strip of four parcels; every client reads the active parcels with their versions and
    splits one, merges two neighbours, moves the boundary between two neighbours or replaces a
    parcel's rights, with the versions it read. Clients constantly work on the same parcels:
    the first to commit wins, the others are refused (retired meanwhile, or stale)."""
    from parcels.models import ParcelTransaction

    strip = list(itertools.pairwise(STRIP_XS))
    _registered(register, basin=1, xs=strip, south=STRIP_SOUTH, north=STRIP_NORTH)
    officers = [signed_in(UserFactory(role=Role.CADASTRE_OFFICER)) for _ in range(clients)]
    owners = [p.pk for p in register["parties"]]
    area = sql_one(
        "SELECT sum(ST_Area(geom::geography)) FROM parcels_parcel WHERE status = 'active'"
    )[0]

    def client(index: int, deadline: float, tally: Tally) -> None:
        api, rng = officers[index], random.Random(index)
        while time.monotonic() < deadline:
            parcels = _active(basin=1)
            actions = ["rights", "adjust"]
            if len(parcels) < 8:
                actions.append("split")
            if len(parcels) > 2:
                actions.append("merge")
            action = rng.choice(actions)
            if action == "rights":
                pk, version, _extent = rng.choice(parcels)
                shares = rng.choice(
                    [[(owners[0], "1/1")], [(owners[0], "1/2"), (owners[1], "1/2")]]
                )
                body = {
                    "reason": REASON,
                    "rights": [{"party": p, "kind": "ownership", "share": s} for p, s in shares],
                }
                recorded(
                    tally,
                    action,
                    lambda pk=pk, body=body, version=version: api.put(
                        f"/api/v1/parcels/{pk}/rights",
                        body,
                        format="json",
                        HTTP_IF_MATCH=f'"{version}"',
                    ),
                )
            elif action == "split":
                pk, version, (west, _s, east, _n) = rng.choice(parcels)
                if east - west < 0.00005:
                    continue
                x = west + (east - west) * rng.uniform(0.3, 0.7)
                line = LineString((x, STRIP_SOUTH - 0.00001), (x, STRIP_NORTH + 0.00001))
                body = {"reason": REASON, "cut_lines": [geojson(line)], "version": version}
                recorded(
                    tally,
                    action,
                    lambda pk=pk, body=body: api.post(
                        f"/api/v1/parcels/{pk}/split", body, format="json"
                    ),
                )
            else:
                k = rng.randrange(len(parcels) - 1)
                (left, v_left, (west, _s, _e, _n)), (right, v_right, (_w, _s2, east, _n2)) = (
                    parcels[k],
                    parcels[k + 1],
                )
                if action == "merge":
                    url = "/api/v1/parcels/merge"
                    body = {
                        "reason": REASON,
                        "parcels": [left, right],
                        "versions": [v_left, v_right],
                    }
                else:
                    x = rng.uniform(west + 0.00002, east - 0.00002)
                    url = f"/api/v1/parcels/{left}/adjust"
                    body = {
                        "reason": REASON,
                        "neighbour": right,
                        "geometry": geojson(box(west, STRIP_SOUTH, x, STRIP_NORTH)),
                        "versions": [v_left, v_right],
                    }
                recorded(
                    tally, action, lambda url=url, body=body: api.post(url, body, format="json")
                )

    tally = clients_run(
        clients,
        client,
        seconds=SECONDS[clients],
        warm_up=lambda: officers[0].get(f"/api/v1/parcels/{_active(basin=1)[0][0]}"),
    )
    accepted = tally.count(statuses={200, 201})
    by_action = ", ".join(
        f"{a} {tally.count(action=a, statuses={200, 201})}"
        for a in ("split", "merge", "adjust", "rights")
    )
    print(
        f"\nparcels (split, merge, adjust, rights), {clients} clients, {tally.elapsed:.1f} s: "
        f"{accepted:,} transactions accepted ({by_action}), {tally.refused_text()}, "
        f"{len(tally.errors)} errors"
    )
    assert_parcel_refusals(tally)
    assert accepted > 0
    for kind in ("split", "merge", "adjust"):
        assert ParcelTransaction.objects.filter(kind=kind).count() == tally.count(
            action=kind, statuses={201}
        )
    assert_register_whole(
        basin=1,
        expected_area_m2=area,
        expected_union=box(STRIP_XS[0], STRIP_SOUTH, STRIP_XS[-1], STRIP_NORTH),
    )
    unowned = sql_one(
        """
        SELECT count(*) FROM parcels_parcel p WHERE p.status = 'active' AND NOT EXISTS (
          SELECT 1 FROM parcels_right r WHERE r.parcel_id = p.id AND r.valid_to IS NULL
             AND r.kind = 'ownership')
        """
    )[0]
    assert unowned == 0  # every right carried over to the parcels that replaced its parcel


@pytest.mark.parametrize("clients", CLIENTS)
def test_clients_growing_two_parcels_into_the_same_gap_never_make_an_overlap(clients, register):
    """Two blocks of land with a gap between them. Each client reads the edge of the west or
    the east block and registers a piece of the gap from there (the register has no HTTP
    endpoint for a registration: the officers' import calls the same service), then merges it
    into the block over HTTP. Each piece alone is valid; two read at the same time overlap,
    and the database's overlap rule must refuse the second whatever the interleaving."""
    from parcels.models import ParcelTransaction
    from parcels.services import parcel_create

    blocks = [(GAP_XS[0], GAP_XS[1]), (GAP_XS[2], GAP_XS[3])]
    _registered(register, basin=2, xs=blocks, south=GAP_SOUTH, north=GAP_NORTH)
    officers = [UserFactory(role=Role.CADASTRE_OFFICER) for _ in range(clients)]
    apis = [signed_in(user) for user in officers]
    # Officers give a registration its number; merges take the basin's highest plus one.
    numbers = itertools.count(999_999, -1)
    numbers_lock = threading.Lock()

    def client(index: int, deadline: float, tally: Tally) -> None:
        api, rng = apis[index], random.Random(1000 + index)
        while time.monotonic() < deadline:
            parcels = _active(basin=2)
            # The west block is the westernmost parcel, the east block the easternmost.
            grow_west = rng.random() < 0.5
            pk, version, (west, _s, east, _n) = parcels[0] if grow_west else parcels[-1]
            width = rng.uniform(0.00002, 0.0001)
            if grow_west:
                piece = box(east, GAP_SOUTH, east + width, GAP_NORTH)
            else:
                piece = box(west - width, GAP_SOUTH, west, GAP_NORTH)
            with numbers_lock:
                number = next(numbers)
            new = service_call(
                tally,
                "register",
                lambda piece=piece, number=number: parcel_create(
                    locality=register["locality"],
                    municipality=register["town"],
                    basin=2,
                    number=number,
                    geom=piece,
                    user=officers[index],
                    reason=REASON,
                ),
            )
            if new is None:
                continue
            body = {"reason": REASON, "parcels": [pk, new.pk], "versions": [version, new.version]}
            recorded(
                tally,
                "merge",
                lambda body=body: api.post("/api/v1/parcels/merge", body, format="json"),
            )

    tally = clients_run(
        clients,
        client,
        seconds=SECONDS[clients],
        warm_up=lambda: apis[0].get(f"/api/v1/parcels/{_active(basin=2)[0][0]}"),
    )
    registered = tally.count(action="register", statuses={201})
    merges = tally.count(action="merge", statuses={201})
    print(
        f"\nparcels (gap), {clients} clients, {tally.elapsed:.1f} s: {registered:,} pieces "
        f"registered and {merges:,} merged into a block, {tally.refused_text()}, "
        f"{len(tally.errors)} errors"
    )
    assert_parcel_refusals(tally)
    assert registered > 0
    assert ParcelTransaction.objects.filter(kind="create").count() == 2 + registered
    assert ParcelTransaction.objects.filter(kind="merge").count() == merges
    covered = sql_one(
        "SELECT sum(ST_Area(geom::geography)) FROM parcels_parcel WHERE status = 'active'"
    )[0]
    assert_register_whole(
        basin=2,
        expected_area_m2=covered,
        expected_union=box(GAP_XS[0], GAP_SOUTH, GAP_XS[-1], GAP_NORTH),
    )


# -- 3. postcodes: never issued twice ------------------------------------------------------------

ADDRESS_STREETS = [  # (code, latitude): two streets of postal zone P600, 470 m long
    ("RAM-0001", 31.9050),
    ("RAM-0002", 31.9070),
]


@pytest.mark.parametrize("clients", CLIENTS)
def test_clients_adding_addresses_on_the_same_street_get_distinct_postcodes(clients):
    """Addressing officers add building entrances along the same two streets of one postal
    zone at the same moment; each new building is numbered on its street and given its
    postcode. No postcode, delivery point or active house number may be given twice."""
    from addressing.models import Building
    from addressing.services import building_numbering_apply, postal_zone_create, postcodes_assign
    from tests.factories import TOWN_BOX, buildings_beside, street_along

    town = town_create()
    zone = postal_zone_create(
        code="600", governorate=town.governorate, municipality=town, geom=box(*TOWN_BOX)
    )
    # Each side already has ten numbered buildings (1, 3, ... 19 and 2, 4, ... 20), as a
    # street in town has: new ones mostly fall between two numbers and take letters (7A).
    spread = [(k + 0.5) / 10 for k in range(10)]
    for code, lat in ADDRESS_STREETS:
        street = street_along(
            town=town,
            code=code,
            name_ar=f"شارع {code}",
            name_en=f"Street {code}",
            start=(35.200, lat),
            end=(35.205, lat),
        )
        buildings_beside(street=street, fractions_left=spread, fractions_right=spread)
        building_numbering_apply(street=street)
    postcodes_assign(zone=zone)
    existing = Building.objects.count()
    officers = [signed_in(UserFactory(role=Role.ADDRESSING_OFFICER)) for _ in range(clients)]
    answers: list[dict] = []
    answers_lock = threading.Lock()

    def client(index: int, deadline: float, tally: Tally) -> None:
        api, rng = officers[index], random.Random(2000 + index)
        while time.monotonic() < deadline:
            _code, lat = rng.choice(ADDRESS_STREETS)
            point = {
                "lon": round(rng.uniform(35.2002, 35.2048), 7),
                "lat": lat + rng.choice((0.0001, -0.0001)),
            }
            response = recorded(
                tally,
                "add",
                lambda point=point: api.post("/api/v1/addresses", point, format="json"),
            )
            if response is not None and response.status_code == 201:
                with answers_lock:
                    answers.append(response.json())

    tally = clients_run(
        clients,
        client,
        seconds=SECONDS[clients],
        warm_up=lambda: officers[0].get("/api/v1/addresses/0"),
    )
    added = tally.count(action="add", statuses={201})
    print(
        f"\npostcodes, {clients} clients, {tally.elapsed:.1f} s: {added:,} addresses added, "
        f"{tally.refused_text()}, {len(tally.errors)} errors"
    )
    assert_no_errors(tally)
    assert added > 0
    buildings = list(Building.objects.filter(zone=zone))
    assert len(buildings) == existing + added
    assert added == len(answers)
    postcodes = [b.postcode for b in buildings]
    assert None not in postcodes
    assert len(set(postcodes)) == len(postcodes)
    points = [b.delivery_point for b in buildings]
    assert len(set(points)) == len(points)
    numbers = [(b.street_id, b.number, b.number_suffix) for b in buildings]
    assert None not in [n for _s, n, _x in numbers]
    assert len(set(numbers)) == len(numbers)
    # What each officer was told is what the register holds.
    held = {b.pk: (b.postcode, b.house_number) for b in buildings}
    assert {a["id"]: (a["postcode"], a["number"]) for a in answers} == {
        a["id"]: held[a["id"]] for a in answers
    }


# -- 4. proofs of delivery: one per order ----------------------------------------------------------


@pytest.fixture
def round_under_way(db):
    """A courier's round of six stops, under way, on a small grid town with its routing graph."""
    from delivery.models import Round
    from delivery.services import round_plan, round_start
    from routing.engines import router_forget
    from tests.factories import courier_make, delivery_grid_city, home_order_make

    router_forget()
    office, buildings = delivery_grid_city(streets=2, per_side=4)
    day = timezone.localdate() + timezone.timedelta(days=1)
    courier = courier_make(office=office, username="phones")
    for i in range(6):
        home_order_make(building=buildings[i * 2], office=office, day=day)
    plan = round_plan(office=office, day=day)
    yield round_start(round_=Round.objects.get(plan=plan), user=courier.user)
    router_forget()


def _stored_files(client_ids: set[str]) -> list[Path]:
    """The files under MEDIA_ROOT named after one of ``client_ids``."""
    root = Path(settings.MEDIA_ROOT) / "delivery"
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file() and p.name[:36] in client_ids]


@pytest.mark.parametrize("clients", CLIENTS)
def test_phones_sending_the_same_proofs_at_once_store_one_proof_per_order(clients, round_under_way):
    """The courier's phones send the round's proofs at once: each phone goes through the
    stops in its own order (all start with the first stop) and sends each record twice (its
    offline queue resending after a lost answer). Half the phones send the courier's record
    (the same client_id, as one phone retrying); the others each their own record of the same
    stop. One proof per order is stored with its photo and signature once; a resend of the
    stored record answers 200 with it; any other record of a recorded stop is refused (409)."""
    from delivery.models import DeliveryEvent, ProofOfDelivery, RoundStatus

    round_ = round_under_way
    stops = list(round_.stops.select_related("order__building").order_by("sequence"))
    shared = {stop.pk: str(uuid.uuid4()) for stop in stops}
    own = {(i, stop.pk): str(uuid.uuid4()) for i in range(clients) for stop in stops}
    used_ids = set(shared.values()) | set(own.values())
    phones = [signed_in(round_.courier.user) for _ in range(clients)]
    photo = (DATA / "delivery" / "doorstep.jpg").read_bytes()
    signature = (DATA / "delivery" / "signature.png").read_bytes()
    sent: dict[str, list[int]] = {}
    sent_lock = threading.Lock()

    def client(index: int, _deadline: float, tally: Tally) -> None:
        api, rng = phones[index], random.Random(3000 + index)
        order = [stops[0], *rng.sample(stops[1:], len(stops) - 1)]
        for stop in order:
            client_id = shared[stop.pk] if index % 2 == 0 else own[(index, stop.pk)]
            for _attempt in range(2):
                record = {
                    "client_id": client_id,
                    "order": stop.order_id,
                    "outcome": "delivered",
                    "recipient_name": f"Recipient {index}",
                    "recorded_at": timezone.now().isoformat(),
                    "lon": stop.order.building.entrance.x,
                    "lat": stop.order.building.entrance.y,
                    "accuracy_m": "8",
                    "photo": SimpleUploadedFile("doorstep.jpg", photo, "image/jpeg"),
                    "signature": SimpleUploadedFile("signature.png", signature, "image/png"),
                }
                response = recorded(
                    tally,
                    "proof",
                    lambda record=record: api.post("/api/v1/delivery/proofs", record),
                )
                if response is not None:
                    with sent_lock:
                        sent.setdefault(client_id, []).append(response.status_code)

    tally = clients_run(
        clients, client, seconds=0, warm_up=lambda: phones[0].get("/api/v1/delivery/courier/round")
    )
    stored = tally.count(statuses={201})
    replays = tally.count(statuses={200})
    print(
        f"\nproofs, {clients} clients, {tally.elapsed:.1f} s, {len(stops)} orders: "
        f"{stored:,} proofs stored, {replays:,} resends answered with the stored proof (200), "
        f"{tally.refused_text()}, {len(tally.errors)} errors"
    )
    assert_no_errors(tally)
    assert set(tally.refusals()) <= {"409 proof_exists"}
    assert stored == len(stops)
    proofs = list(ProofOfDelivery.objects.all())
    assert sorted(p.stop_id for p in proofs) == sorted(s.pk for s in stops)
    for proof in proofs:
        statuses = sent[str(proof.client_id)]
        assert statuses.count(201) == 1  # the stored record was created once, then replayed
        assert set(statuses) <= {201, 200}
        assert Path(proof.photo.path).is_file()
        assert Path(proof.signature.path).is_file()
        assert (
            DeliveryEvent.objects.filter(order_id=proof.stop.order_id, status="delivered").count()
            == 1
        )
    # Every record not stored was refused every time, with nothing kept.
    for client_id, statuses in sent.items():
        if client_id not in {str(p.client_id) for p in proofs}:
            assert set(statuses) == {409}
    files = _stored_files(used_ids)
    assert len(files) == 2 * len(proofs), sorted(p.name for p in files)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.FINISHED  # the last proof saw all the others
    for path in files:
        path.unlink()
