"""The printable run sheet of a round, for couriers without a phone: the stops in order with
their addresses, windows and contacts, a sketch of the route, and boxes to sign. Laid out by
WeasyPrint from the platform's own fonts (never fetched)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.pdf import html_to_pdf
from delivery.models import FailureReason, Round
from delivery.selectors import round_view

FONT_DIR = Path(settings.BASE_DIR) / "node_modules" / "@fontsource"
SKETCH_W, SKETCH_H, SKETCH_PAD = 640.0, 300.0, 16.0


def _sketch(view: dict[str, Any]) -> dict[str, Any] | None:
    """The route and its stops projected into a box, in a local metric frame (equirectangular
    at the round's latitude, north up) so that distances look right."""
    line = (view["geometry"] or {}).get("coordinates") or []
    stops = [(s["lon"], s["lat"], s["sequence"]) for s in view["stops"] if s["lon"] is not None]
    office = (view["office"]["lon"], view["office"]["lat"])
    points = [*line, office, *((x, y) for x, y, _n in stops)]
    if len(points) < 2:
        return None
    k = math.cos(math.radians(sum(p[1] for p in points) / len(points)))
    xs, ys = [p[0] * k for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min((SKETCH_W - 2 * SKETCH_PAD) / span, (SKETCH_H - 2 * SKETCH_PAD) / span)

    def at(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(SKETCH_PAD + (lon * k - min(xs)) * scale, 1),
            round(SKETCH_H - SKETCH_PAD - (lat - min(ys)) * scale, 1),
        )

    return {
        "width": SKETCH_W,
        "height": SKETCH_H,
        "path": " ".join(f"{x},{y}" for x, y in (at(*c) for c in line)),
        "office": tuple(v - 5 for v in at(*office)),  # the 10 x 10 square's corner
        "stops": [(*at(x, y), n) for x, y, n in stops],
    }


def round_sheet_html(*, round_: Round, language: str) -> str:
    """The run sheet as an HTML page in ``language`` (``ar`` or ``en``)."""
    with translation.override(language):
        view = round_view(round_, with_phone=True)
        return render_to_string(
            "delivery/run_sheet.html",
            {
                "round": view,
                "sketch": _sketch(view),
                "reasons": FailureReason.choices,
                "printed_at": timezone.localtime(),
                "font_files": {
                    "arabic": (FONT_DIR / "noto-sans-arabic/files").as_uri(),
                    "latin": (FONT_DIR / "noto-sans/files").as_uri(),
                },
                "lang": language,
            },
        )


def round_sheet_pdf(*, round_: Round, language: str) -> bytes:
    """The run sheet as an A4 PDF."""
    html = round_sheet_html(round_=round_, language=language)
    return html_to_pdf(html=html, base_url=str(settings.BASE_DIR))
