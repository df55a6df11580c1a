"""The printable parcel extract: identifier, area, zoning and a small map of the parcel among its
neighbours, as an HTML print view and a PDF. Parties and rights appear only on the extracts of
cadastre officers and administrators (parcels.access).

The map is an SVG drawn in the parcel's UTM zone (metres, so the scale bar is true); it needs
no tiles and no network, on screen or on paper. Areas are geodesic square metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from pyproj import Transformer

from core.pdf import html_to_pdf
from parcels.access import user_reads_rights
from parcels.models import Parcel, ParcelStatus, Right
from parcels.selectors import parcel_rights_read

MAP_SIZE = 360  # the SVG's width and height, in CSS pixels
MARGIN_M = 25.0  # neighbourhood shown around the parcel, at least
FONT_DIR = Path(settings.BASE_DIR) / "node_modules" / "@fontsource"


@dataclass(frozen=True)
class MapShape:
    path: str  # SVG path data
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class ExtractMap:
    parcel: MapShape
    neighbours: list[MapShape]
    scale_bar_px: float
    scale_bar_m: int
    size: int = MAP_SIZE


@dataclass(frozen=True)
class Extract:
    parcel: Parcel
    parents: list[Parcel]
    map: ExtractMap
    issued_at: datetime
    shows_rights: bool
    rights: list[Right] = field(default_factory=list)


def parcel_extract(*, parcel: Parcel, user, via: str) -> Extract:
    """What ``user`` may see on the extract of ``parcel`` (opened through ``via``)."""
    shows_rights = user_reads_rights(user)
    return Extract(
        parcel=parcel,
        parents=list(parcel.parents.select_related("locality").order_by("number")),
        map=_map(parcel),
        issued_at=timezone.now(),
        shows_rights=shows_rights,
        rights=parcel_rights_read(parcel=parcel, user=user, via=via) if shows_rights else [],
    )


def _utm(lon: float, lat: float) -> Transformer:
    zone = int((lon + 180) // 6) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return Transformer.from_crs(4326, epsg, always_xy=True)


def _map(parcel: Parcel) -> ExtractMap:
    centre = parcel.geom.centroid
    to_metres = _utm(centre.x, centre.y)
    ring = [to_metres.transform(x, y) for x, y in parcel.geom.exterior_ring.coords]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    margin = max(MARGIN_M, span * 0.4)
    half = span / 2 + margin
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    scale = MAP_SIZE / (2 * half)

    def shape(geom, label: str) -> MapShape:
        paths = []
        for ring_coords in geom:  # the outer ring, then any holes (drawn even-odd)
            points = [to_metres.transform(x, y) for x, y in ring_coords.coords]
            paths.append(
                "M "
                + " L ".join(
                    f"{(x - cx + half) * scale:.1f} {(cy + half - y) * scale:.1f}"
                    for x, y in points
                )
                + " Z"
            )
        inside = geom.point_on_surface
        lx, ly = to_metres.transform(inside.x, inside.y)
        return MapShape(" ".join(paths), label, (lx - cx + half) * scale, (cy + half - ly) * scale)

    window = parcel.geom.envelope.buffer(
        _degrees(margin + span, parcel.geom.centroid.y)
    )  # generous: only for choosing neighbours; the SVG clips the rest
    neighbours = (
        Parcel.objects.filter(status=ParcelStatus.ACTIVE, geom__intersects=window)
        .exclude(pk=parcel.pk)
        .only("geom", "number", "basin")[:60]
    )
    bar_m = _round_length(2 * half / 4)
    return ExtractMap(
        parcel=shape(parcel.geom, str(parcel.number)),
        neighbours=[shape(n.geom, str(n.number)) for n in neighbours],
        scale_bar_px=bar_m * scale,
        scale_bar_m=bar_m,
    )


def _degrees(metres: float, latitude: float) -> float:
    """A buffer in degrees wide enough for ``metres`` in every direction at ``latitude``: only
    to select which neighbours to draw (the drawing itself is in metres)."""
    return metres / (111_320 * max(0.2, math.cos(math.radians(latitude))))


def _round_length(metres: float) -> int:
    """The longest of 1, 2 or 5 times a power of ten not above ``metres``."""
    power = 10 ** math.floor(math.log10(max(metres, 1)))
    return int(max(step * power for step in (1, 2, 5) if step * power <= max(metres, 1)))


def extract_html(*, extract: Extract, for_print: bool, request=None) -> str:
    """The extract as a complete HTML page (for the browser, or for the PDF renderer)."""
    fonts = {
        "arabic": (FONT_DIR / "noto-sans-arabic/files").as_uri(),
        "latin": (FONT_DIR / "noto-sans/files").as_uri(),
    }
    return render_to_string(
        "parcels/extract.html",
        {"extract": extract, "pdf": for_print, "font_files": fonts},
        request=request,
    )


def extract_pdf(*, extract: Extract) -> bytes:
    """The extract as a PDF (A4), laid out by WeasyPrint from the same HTML; fonts are read
    from the platform's own files, never fetched."""
    html = extract_html(extract=extract, for_print=True)
    return html_to_pdf(html=html, base_url=str(settings.BASE_DIR))
