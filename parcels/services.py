"""Transactions of the cadastral register. Every change goes through one of these services;
each runs in one database transaction, is recorded as a ParcelTransaction (who, when, why, on
what documents) and leaves the register unchanged when it refuses.

Geometries are WGS 84 (EPSG:4326) polygons and lines; areas are geodesic, in square metres
(the database computes them with ``ST_Area(geom::geography)``; the services check them first
with pyproj's geodesic on the same ellipsoid, to refuse with a precise message before writing).

How rights carry over (LADM's "rights follow the spatial unit"):
- split: every child carries all the parent's current rights, with the same shares (co-owners
  of the parent own each piece in the same proportions; a lease or easement burdens each piece);
- merge: ownership and lease shares in the merged parcel are the parents' shares weighted by
  the parents' areas (whole square metres), so they still add up to one; easements carry over.
  When a parent has no owner on record, the merged parcel gets no ownership rights and the
  transaction says so;
- boundary adjustment: each parcel keeps its own rights;
- retirement: the rights end.
The officer then edits rights with ``parcel_rights_set``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import shapely
from django.contrib.gis.geos import GEOSGeometry, LineString, Polygon
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from pyproj import Geod
from shapely.ops import split as shapely_split

from boundaries.models import Locality, Municipality
from core.errors import Conflict, InvalidInput, PayloadTooLarge, PreconditionFailed
from core.roles import signed_in
from core.text import text_check
from core.tiles import tile_cache_invalidate
from parcels.models import (
    SHARED_KINDS,
    LandUse,
    Parcel,
    ParcelLineage,
    ParcelStatus,
    ParcelTransaction,
    Party,
    Right,
    RightKind,
    SourceDocument,
    SourceDocumentKind,
    TopologyRules,
    TransactionKind,
)

GEOD = Geod(ellps="WGS84")
DOCUMENT_MAX_BYTES = 50 * 1024**2  # a scanned survey plan or deed
TILES = "parcels"  # the collection whose cached tiles a change invalidates
# Shares are kept as fractions of 32-bit integers.
MAX_DENOMINATOR = 2**31 - 1
# What a document may be, by its first bytes (never by the name or type the client gives):
# a scanned or exported survey plan, deed or decision is a PDF or an image.
DOCUMENT_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tif",
    b"MM\x00*": "tif",
}
REASON_MAX_LENGTH = 2000

# The database rules (migration 0002) and how a refusal of each reads over HTTP.
PARCEL_LOCK = 7_246_001  # the advisory lock the overlap rule takes (migration 0002)
DEFERRED_RULES = "parcel_no_overlap, right_shares_add_up"
RULE_ERRORS = {
    "parcel_geometry_valid": InvalidInput,
    "parcel_min_area": InvalidInput,
    "parcel_history_frozen": Conflict,
    "parcel_no_overlap": Conflict,
    "right_shares_add_up": InvalidInput,
    "parcel_unique_active_identifier": Conflict,
}


@contextlib.contextmanager
def register_rules() -> Iterator[None]:
    """Run a write under the register's database rules and turn a refusal into the typed
    error of that rule, with its message (naming the parcels) and details. The deferred
    rules are checked here, not at commit, so that the refusal reaches the caller."""
    try:
        with transaction.atomic():
            yield
            with transaction.get_connection().cursor() as cursor:
                # Checks the changes queued so far, then defers again: a caller's enclosing
                # transaction may make more changes that are only whole at its end.
                cursor.execute(f"SET CONSTRAINTS {DEFERRED_RULES} IMMEDIATE")
                cursor.execute(f"SET CONSTRAINTS {DEFERRED_RULES} DEFERRED")
    except IntegrityError as exc:
        raise rule_error(exc) from exc


def rule_error(exc: IntegrityError) -> Exception:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name not in RULE_ERRORS:
        raise exc
    message = diag.message_primary
    details = {"rule": name}
    if diag.message_detail:
        with contextlib.suppress(ValueError):
            details.update(json.loads(diag.message_detail))
    if name == "parcel_unique_active_identifier":
        message = "An active parcel already has this locality, basin and number."
    return RULE_ERRORS[name](message, code=name, details=details)


def geodesic_area(geom: GEOSGeometry) -> float:
    """The area in m² of an EPSG:4326 polygon on the WGS 84 ellipsoid."""
    area, _perimeter = GEOD.geometry_area_perimeter(_shape(geom))
    return abs(area)


def _shape(geom: GEOSGeometry):
    """A GEOS geometry as a shapely one (shapely's overlay and split are used here)."""
    return shapely.from_wkb(bytes(geom.wkb))


def _geos(shape) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(shape)), srid=4326)


def rules() -> TopologyRules:
    return TopologyRules.objects.get_or_create(pk=1)[0]


# -- documents ---------------------------------------------------------------------------------


def source_document_upload(
    *, kind: str, reference: str, upload: UploadedFile, user
) -> SourceDocument:
    """Store a survey plan, deed or other document a transaction rests on."""
    if kind not in SourceDocumentKind.values:
        raise InvalidInput(f"Unknown document kind {kind[:40]!r}.", code="document_kind")
    reference = text_check(reference, field="reference", max_length=120).strip()
    if not reference:
        raise InvalidInput("A document needs its reference (number or title).")
    if upload.size > DOCUMENT_MAX_BYTES:
        raise PayloadTooLarge(
            f"The document is {upload.size / 1024**2:.1f} MB; the largest accepted is "
            f"{DOCUMENT_MAX_BYTES // 1024**2} MB.",
            details={"limit_bytes": DOCUMENT_MAX_BYTES},
        )
    extension = _document_type(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    # Stored under a name of the platform's own: the client's name could climb out of the
    # folder, carry markup or overflow the column; the file's type is what its bytes say.
    upload.name = f"{uuid.uuid4().hex}.{extension}"
    return SourceDocument.objects.create(
        kind=kind,
        reference=reference,
        file=upload,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )


def _document_type(upload: UploadedFile) -> str:
    """The extension of a PDF, JPEG, PNG or TIFF document, read from its first bytes."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for signature, extension in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    raise InvalidInput(
        "A document is a PDF or a scanned image (JPEG, PNG or TIFF); this file is none of them.",
        code="document_type",
    )


# -- the transaction record --------------------------------------------------------------------


def _record(
    *, kind: str, user, reason: str, documents: Sequence[SourceDocument] = (), details=None
) -> ParcelTransaction:
    if not reason or not reason.strip():
        raise InvalidInput("Every change of the register needs a reason.", code="reason_missing")
    text_check(reason, field="reason", max_length=REASON_MAX_LENGTH, multiline=True)
    record = ParcelTransaction.objects.create(
        kind=kind,
        reason=reason.strip(),
        performed_by=signed_in(user),
        performed_at=timezone.now(),
        details=details or {},
    )
    if documents:
        record.documents.set(documents)
    return record


def _locked(parcels: Sequence[Parcel], versions: Sequence[int] | None) -> list[Parcel]:
    """The parcels, locked for this transaction, checked to be active and (when ``versions``
    are given) unchanged since the caller read them."""
    ids = [p.pk for p in parcels]
    if len(set(ids)) != len(ids):
        raise InvalidInput("The same parcel is named twice.", code="parcel_repeated")
    current = {
        p.pk: p
        # The parcels' rows only (of=self): without it the joined locality's row is locked
        # too, and every transaction of the locality queues on it, while each new parcel's
        # reference to its locality waits for that lock: two officers editing parcels of one
        # locality at once then deadlock (a 500), as the concurrency test found.
        for p in Parcel.objects.select_for_update(of=("self",))
        .select_related("locality")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    locked = [current[pk] for pk in ids]
    for parcel in locked:
        if parcel.status != ParcelStatus.ACTIVE:
            raise Conflict(
                f"Parcel {parcel.identifier} is retired (transaction #{parcel.retired_by_id}).",
                code="parcel_retired",
                details={"parcels": [parcel.pk]},
            )
    if versions is not None:
        for parcel, version in zip(locked, versions, strict=True):
            if parcel.version != version:
                raise PreconditionFailed(
                    f"Parcel {parcel.identifier} changed since it was read (version "
                    f"{version}, now {parcel.version}); reload it and try again.",
                    details={"parcels": [parcel.pk], "version": parcel.version},
                )
    return locked


def _retire(parcels: Sequence[Parcel], record: ParcelTransaction) -> None:
    tile_cache_invalidate(collection_id=TILES, geometries=[p.geom for p in parcels])
    for parcel in parcels:
        parcel.status = ParcelStatus.RETIRED
        parcel.valid_to = record.performed_at
        parcel.retired_by = record
        parcel.version += 1
        parcel.save(update_fields=["status", "valid_to", "retired_by", "version", "updated_at"])


def _child(
    *, like: Parcel, geom: GEOSGeometry, number: int, record: ParcelTransaction, **fields
) -> Parcel:
    tile_cache_invalidate(collection_id=TILES, geometries=[geom])
    return Parcel.objects.create(
        locality=like.locality,
        municipality=like.municipality,
        basin=fields.pop("basin", like.basin),
        number=number,
        geom=geom,
        land_use=fields.pop("land_use", like.land_use),
        registered_area_m2=fields.pop("registered_area_m2", None),
        valid_from=record.performed_at,
        created_by=record,
        is_synthetic=like.is_synthetic,
        **fields,
    )


def _link(parents: Sequence[Parcel], children: Sequence[Parcel], record) -> None:
    ParcelLineage.objects.bulk_create(
        [ParcelLineage(parent=p, child=c, transaction=record) for p in parents for c in children]
    )


def _next_numbers(*, locality: Locality, basin: int, count: int) -> list[int]:
    """Unused parcel numbers of a basin: numbers of retired parcels are never given again, so
    that an old deed's number cannot come to mean another piece of land."""
    # Two transactions of one basin reading the highest number at once would both take the
    # next, and the second be refused at its insert (the identifier is unique) although
    # nothing clashes. The register's lock (the overlap rule's, held until the commit) makes
    # the second wait here and read the first's numbers.
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARCEL_LOCK])
    highest = (
        Parcel.objects.filter(locality=locality, basin=basin).aggregate(n=Max("number"))["n"] or 0
    )
    return list(range(highest + 1, highest + 1 + count))


def _current_rights(parcels: Sequence[Parcel]) -> dict[int, list[Right]]:
    found: dict[int, list[Right]] = defaultdict(list)
    for right in Right.objects.filter(parcel__in=parcels, valid_to__isnull=True).order_by("pk"):
        found[right.parcel_id].append(right)
    return found


def _end_rights(parcels: Sequence[Parcel], record: ParcelTransaction) -> None:
    Right.objects.filter(parcel__in=parcels, valid_to__isnull=True).update(
        valid_to=record.performed_at, ended_by=record
    )


def _copy_right(right: Right, *, to: Parcel, record, share: Fraction | None = None) -> Right:
    return _right_row(
        parcel=to,
        party_id=right.party_id,
        kind=right.kind,
        share=right.share if share is None else share,
        description=right.description,
        record=record,
    )


def _right_row(
    *, parcel: Parcel, party_id: int, kind: str, share, description: str, record
) -> Right:
    share = Fraction(share) if share is not None else None
    return Right(
        parcel=parcel,
        party_id=party_id,
        kind=kind,
        share_numerator=share.numerator if share is not None else None,
        share_denominator=share.denominator if share is not None else None,
        description=description,
        valid_from=record.performed_at,
        created_by=record,
    )


# -- registration ------------------------------------------------------------------------------


def parcel_create(
    *,
    locality: Locality,
    municipality: Municipality,
    basin: int,
    number: int,
    geom: Polygon,
    user,
    reason: str,
    land_use: str = LandUse.UNZONED,
    registered_area_m2=None,
    documents: Sequence[SourceDocument] = (),
    is_synthetic: bool = False,
) -> Parcel:
    """Register a new parcel (EPSG:4326 polygon). The database refuses an invalid boundary,
    an area below the minimum, an overlap with an active parcel or a taken identifier."""
    if land_use not in LandUse.values:
        raise InvalidInput(f"Unknown land use {land_use!r}.", code="land_use")
    geom = _polygon(geom)
    with register_rules():
        record = _record(
            kind=TransactionKind.CREATE,
            user=user,
            reason=reason,
            documents=documents,
            details={"identifier": f"{basin}/{number}"},
        )
        tile_cache_invalidate(collection_id=TILES, geometries=[geom])
        return Parcel.objects.create(
            locality=locality,
            municipality=municipality,
            basin=basin,
            number=number,
            geom=geom,
            land_use=land_use,
            registered_area_m2=registered_area_m2,
            valid_from=record.performed_at,
            created_by=record,
            is_synthetic=is_synthetic,
        )


@dataclass(frozen=True)
class NewParcel:
    """A parcel to register in bulk (``parcels_register``): an EPSG:4326 polygon."""

    locality: Locality
    municipality: Municipality
    basin: int
    number: int
    geom: Polygon
    land_use: str = LandUse.UNZONED
    registered_area_m2: float | None = None


def parcels_register(
    *,
    parcels: Sequence[NewParcel],
    user,
    reason: str,
    kind: str = TransactionKind.CREATE,
    documents: Sequence[SourceDocument] = (),
    details: dict | None = None,
    is_synthetic: bool = False,
) -> tuple[ParcelTransaction, list[Parcel]]:
    """Register many parcels in one recorded transaction (first registration, an import, the
    demo city). All or nothing: the database checks every row (valid polygon, minimum area,
    no overlap with any active parcel or with one another, unique identifiers)."""
    for new in parcels:
        if new.land_use not in LandUse.values:
            raise InvalidInput(f"Unknown land use {new.land_use!r}.", code="land_use")
        _polygon(new.geom)
    with register_rules():
        record = _record(
            kind=kind,
            user=user,
            reason=reason,
            documents=documents,
            details={"parcels": len(parcels), **(details or {})},
        )
        created = Parcel.objects.bulk_create(
            [
                Parcel(
                    locality=new.locality,
                    municipality=new.municipality,
                    basin=new.basin,
                    number=new.number,
                    geom=new.geom,
                    land_use=new.land_use,
                    registered_area_m2=new.registered_area_m2,
                    valid_from=record.performed_at,
                    created_by=record,
                    is_synthetic=is_synthetic,
                )
                for new in parcels
            ],
            batch_size=2000,
        )
        if parcels:
            # Many parcels: one box over them all invalidates the same tiles far faster.
            tile_cache_invalidate(
                collection_id=TILES,
                geometries=[_extent(parcels)] if len(parcels) > 50 else [p.geom for p in parcels],
            )
    return record, created


def _extent(parcels: Sequence[NewParcel]) -> Polygon:
    xs0, ys0, xs1, ys1 = zip(*(p.geom.extent for p in parcels), strict=True)
    box = Polygon.from_bbox((min(xs0), min(ys0), max(xs1), max(ys1)))
    box.srid = 4326
    return box


def _polygon(geom: GEOSGeometry) -> Polygon:
    if geom is None or geom.geom_type != "Polygon":
        kind = "nothing" if geom is None else f"a {geom.geom_type}"
        raise InvalidInput(f"A parcel's boundary is one polygon, not {kind}.", code="geometry_type")
    if geom.srid not in (None, 4326):
        raise InvalidInput(
            f"Boundaries are given in EPSG:4326 (longitude, latitude), not EPSG:{geom.srid}.",
            code="wrong_crs",
        )
    geom.srid = 4326
    if not geom.valid:
        raise InvalidInput(
            f"The boundary is not a valid polygon ({geom.valid_reason}).",
            code="parcel_geometry_valid",
            details={"reason": geom.valid_reason},
        )
    return geom


# -- split ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitResult:
    record: ParcelTransaction
    children: list[Parcel]


def parcel_split(
    *,
    parcel: Parcel,
    cut_lines: Sequence[LineString],
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
    version: int | None = None,
) -> SplitResult:
    """Split ``parcel`` along ``cut_lines`` (EPSG:4326 lines, each crossing the parcel from
    boundary to boundary). The parent is retired; the pieces become children with new numbers
    of the same basin, largest first, each carrying the parent's rights. Refused: a line that
    does not cross the parcel, or a piece below the minimum area (a sliver)."""
    if not cut_lines:
        raise InvalidInput("A split needs at least one cut line.", code="cut_missing")
    with register_rules():
        (parent,) = _locked([parcel], None if version is None else [version])
        pieces = _split_pieces(parent, cut_lines)
        record = _record(
            kind=TransactionKind.SPLIT,
            user=user,
            reason=reason,
            documents=documents,
            details={"parent": parent.identifier, "pieces": len(pieces)},
        )
        rights = _current_rights([parent])[parent.pk]
        _end_rights([parent], record)
        _retire([parent], record)
        numbers = _next_numbers(locality=parent.locality, basin=parent.basin, count=len(pieces))
        children = [
            _child(like=parent, geom=piece, number=number, record=record)
            for piece, number in zip(pieces, numbers, strict=True)
        ]
        _link([parent], children, record)
        Right.objects.bulk_create(
            [_copy_right(r, to=child, record=record) for child in children for r in rights]
        )
        record.details["children"] = [c.identifier for c in children]
        record.save(update_fields=["details"])
    return SplitResult(record, children)


def _split_pieces(parent: Parcel, cut_lines: Sequence[LineString]) -> list[Polygon]:
    polygon = _shape(parent.geom)
    lines = []
    for index, line in enumerate(cut_lines, start=1):
        if line is None or line.geom_type != "LineString" or line.srid not in (None, 4326):
            raise InvalidInput(
                f"Cut line {index} must be a line in EPSG:4326.", code="cut_not_a_line"
            )
        cut = _shape(line)
        if len(shapely_split(polygon, cut).geoms) < 2:
            raise InvalidInput(
                f"Cut line {index} does not cross parcel {parent.identifier} from boundary to "
                "boundary, so it cuts nothing off.",
                code="cut_does_not_cross",
                details={"parcels": [parent.pk], "line": index},
            )
        lines.append(cut)
    pieces = list(shapely_split(polygon, shapely.MultiLineString(lines)).geoms)
    minimum = rules().min_area_m2
    areas = [abs(GEOD.geometry_area_perimeter(p)[0]) for p in pieces]
    small = [a for a in areas if a < minimum]
    if small:
        raise InvalidInput(
            f"The cut would leave a sliver of {min(small):.1f} m² of parcel "
            f"{parent.identifier}, below the minimum parcel area of {minimum:g} m².",
            code="parcel_min_area",
            details={"parcels": [parent.pk], "area_m2": round(min(small), 2)},
        )
    ordered = sorted(zip(areas, pieces, strict=True), key=lambda pair: -pair[0])
    return [_geos(p) for _area, p in ordered]


# -- merge ---------------------------------------------------------------------------------------


def parcel_merge(
    *,
    parcels: Sequence[Parcel],
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
    versions: Sequence[int] | None = None,
    number: int | None = None,
) -> SplitResult:
    """Merge adjacent active parcels of one basin into one new parcel (a new number unless
    ``number`` is given). Refused: parcels that do not share a boundary, or that lie in
    different localities or basins."""
    if len(parcels) < 2:
        raise InvalidInput("A merge needs at least two parcels.", code="merge_too_few")
    with register_rules():
        parents = _locked(parcels, versions)
        places = {(p.locality_id, p.basin) for p in parents}
        if len(places) > 1:
            raise InvalidInput(
                "Only parcels of one basin can be merged: "
                + ", ".join(p.identifier for p in parents)
                + ".",
                code="merge_across_basins",
                details={"parcels": [p.pk for p in parents]},
            )
        union = _union(parents)
        record = _record(
            kind=TransactionKind.MERGE,
            user=user,
            reason=reason,
            documents=documents,
            details={"parents": [p.identifier for p in parents]},
        )
        rights = _current_rights(parents)
        _end_rights(parents, record)
        _retire(parents, record)
        if number is None:
            (number,) = _next_numbers(locality=parents[0].locality, basin=parents[0].basin, count=1)
        child = _child(like=parents[0], geom=union, number=number, record=record)
        _link(parents, [child], record)
        merged, note = _merged_rights(parents, rights, child=child, record=record)
        Right.objects.bulk_create(merged)
        record.details["children"] = [child.identifier]
        if note:
            record.details["rights_note"] = note
        record.save(update_fields=["details"])
    return SplitResult(record, [child])


def _union(parents: Sequence[Parcel]) -> Polygon:
    shapes = [_shape(p.geom) for p in parents]
    union = shapely.unary_union(shapes)
    if union.geom_type != "Polygon":
        # Which parcels stand apart: those not sharing a boundary with the largest group.
        groups = list(union.geoms)
        main = max(groups, key=lambda g: g.area)
        apart = [p for p, s in zip(parents, shapes, strict=True) if not main.contains(s)]
        raise InvalidInput(
            "Parcels that do not share a boundary cannot be merged: "
            + ", ".join(p.identifier for p in apart)
            + " do not touch the others.",
            code="merge_not_adjacent",
            details={"parcels": [p.pk for p in apart]},
        )
    return _geos(union)


def _merged_rights(parents, rights, *, child, record) -> tuple[list[Right], str]:
    areas = {p.pk: Fraction(max(1, round(p.area_m2))) for p in parents}
    total = sum(areas.values())
    merged: list[Right] = []
    notes = []
    for kind in SHARED_KINDS:
        holders = {p.pk: [r for r in rights[p.pk] if r.kind == kind] for p in parents}
        if not any(holders.values()):
            continue
        if not all(holders.values()):
            missing = [p.identifier for p in parents if not holders[p.pk]]
            notes.append(f"No {kind} rights carried over: {', '.join(missing)} had none on record.")
            continue
        shares: dict[tuple[int, str], Fraction] = defaultdict(Fraction)
        first: dict[tuple[int, str], Right] = {}
        for parent in parents:
            for right in holders[parent.pk]:
                key = (right.party_id, right.description)
                shares[key] += right.share * areas[parent.pk] / total
                first.setdefault(key, right)
        for key, share in _fit_shares(shares).items():
            merged.append(_copy_right(first[key], to=child, record=record, share=share))
    for parent in parents:
        for right in rights[parent.pk]:
            if right.kind == RightKind.EASEMENT:
                merged.append(_copy_right(right, to=child, record=record))
    return merged, " ".join(notes)


def _fit_shares(shares: dict) -> dict:
    """Shares as fractions that fit 32-bit integers and still add up to exactly one: rounded
    when they would not fit, the rounding left with the largest holder."""
    if all(s.denominator <= MAX_DENOMINATOR for s in shares.values()):
        return shares
    fitted = {k: s.limit_denominator(10**6) for k, s in shares.items()}
    largest = max(fitted, key=fitted.get)
    fitted[largest] += 1 - sum(fitted.values())
    return fitted


# -- boundary adjustment ---------------------------------------------------------------------------


def parcel_boundary_adjust(
    *,
    parcel: Parcel,
    neighbour: Parcel,
    geom: Polygon,
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
    versions: Sequence[int] | None = None,
) -> SplitResult:
    """Move the boundary ``parcel`` shares with ``neighbour``: ``parcel`` takes the polygon
    ``geom`` (EPSG:4326) and ``neighbour`` keeps the rest of the land the two held together,
    so the total area is unchanged. Both are retired and replaced by new versions with the
    same identifiers and rights; lineage links each to both parents."""
    geom = _polygon(geom)
    with register_rules():
        first, second = _locked([parcel, neighbour], versions)
        together = shapely.unary_union([_shape(first.geom), _shape(second.geom)])
        if together.geom_type != "Polygon":
            raise InvalidInput(
                f"Parcels {first.identifier} and {second.identifier} do not share a boundary.",
                code="adjust_not_adjacent",
                details={"parcels": [first.pk, second.pk]},
            )
        wanted = _shape(geom)
        outside = wanted.difference(together)
        tolerance = rules().overlap_tolerance_m2
        outside_m2 = abs(GEOD.geometry_area_perimeter(outside)[0]) if not outside.is_empty else 0
        if outside_m2 > tolerance:
            raise InvalidInput(
                f"The new boundary of {first.identifier} takes {outside_m2:.1f} m² of land "
                f"that belongs to neither {first.identifier} nor {second.identifier}.",
                code="adjust_outside",
                details={"parcels": [first.pk, second.pk], "outside_m2": round(outside_m2, 2)},
            )
        wanted = wanted.intersection(together)
        rest = together.difference(wanted)
        if rest.geom_type != "Polygon":
            raise InvalidInput(
                f"The new boundary would cut parcel {second.identifier} into pieces.",
                code="adjust_splits_neighbour",
                details={"parcels": [second.pk]},
            )
        record = _record(
            kind=TransactionKind.ADJUST,
            user=user,
            reason=reason,
            documents=documents,
            details={"parcels": [first.identifier, second.identifier]},
        )
        rights = _current_rights([first, second])
        _end_rights([first, second], record)
        _retire([first, second], record)
        children = [
            _child(
                like=old,
                geom=_geos(shape),
                number=old.number,
                record=record,
            )
            for old, shape in ((first, wanted), (second, rest))
        ]
        _link([first, second], children, record)
        Right.objects.bulk_create(
            [
                _copy_right(r, to=child, record=record)
                for old, child in zip((first, second), children, strict=True)
                for r in rights[old.pk]
            ]
        )
    return SplitResult(record, children)


# -- retirement and rights ---------------------------------------------------------------------


def parcel_retire(
    *,
    parcel: Parcel,
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
    version: int | None = None,
) -> ParcelTransaction:
    """Retire a parcel without successor (expropriation into a road, an error of
    registration); its rights end. It stays in the register's history."""
    with register_rules():
        (current,) = _locked([parcel], None if version is None else [version])
        record = _record(
            kind=TransactionKind.RETIRE,
            user=user,
            reason=reason,
            documents=documents,
            details={"parcel": current.identifier},
        )
        _end_rights([current], record)
        _retire([current], record)
    return record


@dataclass(frozen=True)
class RightSpec:
    """A right to record: ``share`` for ownership and lease (a Fraction), None for easement."""

    party: Party
    kind: str
    share: Fraction | None = None
    description: str = ""


def _shares_check(parcel: Parcel, rights: Sequence[RightSpec]) -> None:
    """Ownership shares, and lease shares, each add up to exactly one; easements have none."""
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for spec in rights:
        if spec.kind not in RightKind.values:
            raise InvalidInput(f"Unknown kind of right {spec.kind[:40]!r}.", code="right_kind")
        text_check(spec.description, field="description", max_length=300)
        if spec.kind in SHARED_KINDS:
            if spec.share is None or not (0 < spec.share <= 1):
                raise InvalidInput(
                    f"A {spec.kind} right needs a share above 0 and at most 1 ({spec.party}).",
                    code="right_share",
                )
            totals[spec.kind] += Fraction(spec.share)
        elif spec.share is not None:
            raise InvalidInput(f"An {spec.kind} has no share ({spec.party}).", code="right_share")
    wrong = {kind: total for kind, total in totals.items() if total != 1}
    if wrong:
        said = ", ".join(f"{kind} shares add up to {total}" for kind, total in wrong.items())
        raise InvalidInput(
            f"The rights of parcel {parcel.identifier} do not add up: {said}, not 1.",
            code="right_shares_add_up",
            details={"parcels": [parcel.pk], "totals": {k: str(v) for k, v in wrong.items()}},
        )


def parcel_rights_set(
    *,
    parcel: Parcel,
    rights: Sequence[RightSpec],
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
    version: int | None = None,
) -> ParcelTransaction:
    """Replace the current rights of ``parcel`` with ``rights``: the current ones end now and
    the new ones begin. Ownership shares, and lease shares, must each add up to exactly one."""
    _shares_check(parcel, rights)
    with register_rules():
        (current,) = _locked([parcel], None if version is None else [version])
        record = _record(
            kind=TransactionKind.RIGHTS,
            user=user,
            reason=reason,
            documents=documents,
            details={"parcel": current.identifier, "rights": len(rights)},
        )
        _end_rights([current], record)
        Right.objects.bulk_create([_new_right(current, spec, record) for spec in rights])
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
    return record


def parcels_rights_register(
    *,
    entries: Sequence[tuple[Parcel, Sequence[RightSpec]]],
    user,
    reason: str,
    documents: Sequence[SourceDocument] = (),
) -> ParcelTransaction:
    """Record the first rights of many parcels that have none yet (after a first registration
    or an import), in one transaction; each parcel's ownership and lease shares must add up to
    exactly one."""
    for parcel, rights in entries:
        _shares_check(parcel, rights)
    with register_rules():
        record = _record(
            kind=TransactionKind.RIGHTS,
            user=user,
            reason=reason,
            documents=documents,
            details={"parcels": len(entries)},
        )
        held = set(
            Right.objects.filter(
                parcel__in=[p for p, _r in entries], valid_to__isnull=True
            ).values_list("parcel_id", flat=True)
        )
        if held:
            raise Conflict(
                f"{len(held)} of these parcels already have rights; change them one by one.",
                code="rights_exist",
                details={"parcels": sorted(held)[:20]},
            )
        Right.objects.bulk_create(
            [_new_right(parcel, spec, record) for parcel, rights in entries for spec in rights],
            batch_size=5000,
        )
    return record


def _new_right(parcel: Parcel, spec: RightSpec, record: ParcelTransaction) -> Right:
    return _right_row(
        parcel=parcel,
        party_id=spec.party.pk,
        kind=spec.kind,
        share=spec.share,
        description=spec.description,
        record=record,
    )


@dataclass(frozen=True)
class NewParty:
    kind: str
    name_ar: str
    name_en: str = ""
    national_id: str = ""


def parties_register(*, parties: Sequence[NewParty], is_synthetic: bool = False) -> list[Party]:
    """Register many parties at once (an import, the demo city)."""
    return Party.objects.bulk_create(
        [
            Party(
                kind=p.kind,
                name_ar=p.name_ar,
                name_en=p.name_en,
                national_id=p.national_id,
                is_synthetic=is_synthetic,
            )
            for p in parties
        ],
        batch_size=5000,
    )


def party_create(
    *, kind: str, name_ar: str, name_en: str = "", national_id: str = "", is_synthetic=False
) -> Party:
    """A person or an organisation that may hold rights."""
    for field, value in (("name_ar", name_ar), ("name_en", name_en)):
        text_check(value, field=field, max_length=200)
    text_check(national_id, field="national_id", max_length=30)
    if not name_ar.strip() and not name_en.strip():
        raise InvalidInput("A party needs a name.", code="party_name")
    if national_id and Party.objects.filter(kind=kind, national_id=national_id).exists():
        raise Conflict(
            f"A {kind} with the ID {national_id} is already registered.", code="party_exists"
        )
    return Party.objects.create(
        kind=kind,
        name_ar=name_ar.strip(),
        name_en=name_en.strip(),
        national_id=national_id.strip(),
        is_synthetic=is_synthetic,
    )
