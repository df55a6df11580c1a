"""The coordinate reference systems the platform accepts, by EPSG code, from an allow-list.

User-supplied CRS text never reaches GDAL/PROJ as a definition: GDAL 3.6 (Debian 12) cannot
block file and network access while parsing spatial references. Clients name a CRS by code or
by its OGC URI; files bring WKT, which is only matched to a known code (see crs_of_wkt).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from core.errors import InvalidInput

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
# CRS84 is WGS 84 with longitude first (GeoJSON's order); it is stored as SRID 4326.
CRS84 = 0


@dataclass(frozen=True)
class KnownCRS:
    code: int
    name: str
    lat_first: bool  # the axis order the EPSG definition mandates
    decimals: int  # coordinate precision worth sending (about 1 cm)


KNOWN: dict[int, KnownCRS] = {
    CRS84: KnownCRS(CRS84, "WGS 84 (longitude, latitude)", False, 7),
    4326: KnownCRS(4326, "WGS 84 (latitude, longitude)", True, 7),
    3857: KnownCRS(3857, "WGS 84 / Pseudo-Mercator", False, 2),
    28191: KnownCRS(28191, "Palestine 1923 / Palestine Grid", False, 2),
    28193: KnownCRS(28193, "Palestine 1923 / Israeli CS Grid", False, 2),
    2039: KnownCRS(2039, "Israel 1993 / Israeli TM Grid", False, 2),
    32636: KnownCRS(32636, "WGS 84 / UTM zone 36N", False, 2),
    4258: KnownCRS(4258, "ETRS89 (latitude, longitude)", True, 7),
    3067: KnownCRS(3067, "ETRS89 / TM35FIN (Finland)", False, 2),
    2154: KnownCRS(2154, "RGF93 v1 / Lambert-93 (France)", False, 2),
}

_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d{1,6})$")
_CURIE = re.compile(r"^\[?EPSG:(\d{1,6})\]?$", re.IGNORECASE)


def crs_uri(code: int) -> str:
    return CRS84_URI if code == CRS84 else EPSG_URI.format(code=code)


def supported_uris() -> list[str]:
    return [crs_uri(code) for code in KNOWN]


def crs_parse(value: str) -> int:
    """The code of a CRS named by OGC URI, ``EPSG:n`` or a bare number; InvalidInput unless
    it is on the allow-list. Returns CRS84 (0) for the OGC CRS84 URI."""
    text = (value or "").strip()
    if text in (CRS84_URI, "CRS84", "OGC:CRS84"):
        return CRS84
    match = _URI.match(text) or _CURIE.match(text) or re.match(r"^(\d{1,6})$", text)
    code = int(match.group(1)) if match else None
    if code is None or code not in KNOWN or code == CRS84:
        allowed = ", ".join(f"EPSG:{c}" for c in KNOWN if c != CRS84)
        raise InvalidInput(
            f"Unsupported coordinate reference system {value!r}; use CRS84 or one of {allowed}.",
            code="unsupported_crs",
        )
    return code


def srid_of(code: int) -> int:
    """The PostGIS SRID that stores coordinates of ``code``."""
    return 4326 if code == CRS84 else code


def crs_of_wkt(wkt: str) -> int:
    """Match a file's WKT to an allowed EPSG code (pyproj, network off); InvalidInput when it
    is unknown or not on the allow-list. PROJ strings are refused outright."""
    from pyproj import CRS, network
    from pyproj.exceptions import CRSError

    text = (wkt or "").strip()
    if not text:
        raise InvalidInput("The file does not say which CRS it uses.", code="missing_crs")
    if text.startswith("+") or "+init" in text or "+proj" in text:
        raise InvalidInput("PROJ strings are not accepted; give an EPSG code.", code="bad_crs")
    network.set_network_enabled(active=False)
    try:
        crs = CRS.from_wkt(text)
    except CRSError:
        raise InvalidInput("The file's CRS definition is not valid WKT.", code="bad_crs") from None
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        for match in crs.list_authority(min_confidence=70):
            if match.auth_name == "EPSG" and int(match.code) in KNOWN:
                code = int(match.code)
                break
    if code is None:
        raise _unsupported(crs.name)
    return crs_check(code)


def _unsupported(named: str) -> InvalidInput:
    return InvalidInput(
        f"The file's CRS ({named}) is not one the platform accepts; reproject it to "
        "EPSG:4326 or one of the local grids (EPSG:28191, 28193, 2039).",
        code="unsupported_crs",
    )


def crs_check(code: int) -> int:
    """``code`` if it is on the allow-list, otherwise InvalidInput naming it."""
    if code not in KNOWN or code == CRS84:
        raise _unsupported(f"EPSG:{code}")
    return code


_local = threading.local()


def transformer(source: int, target: int):
    """A pyproj Transformer (x = longitude/easting first) between two allowed EPSG codes,
    built once per thread (building one costs tens of milliseconds; they are not shared
    between threads)."""
    from pyproj import Transformer

    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = (srid_of(source), srid_of(target))
    if key not in cache:
        cache[key] = Transformer.from_crs(key[0], key[1], always_xy=True)
    return cache[key]
