"""What every file importer produces, and the checks every upload passes first.

An importer turns a file into :class:`SourceLayer`s: geometries (shapely, in the file's CRS)
and attribute columns. The import service (layers.services.imports) does the rest:
reprojection, geometry and schema checks, and the all-or-nothing write.
"""

from __future__ import annotations

import abc
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import InvalidInput, PayloadTooLarge

# A ZIP may expand to at most this much, and this many times its own size (ZIP bombs).
ZIP_MAX_UNCOMPRESSED = 2 * 1024**3
ZIP_MAX_RATIO = 200
ZIP_MAX_MEMBERS = 10_000


@dataclass
class SourceField:
    name: str  # as in the file
    type: str  # one of core.collections.FIELD_TYPES


@dataclass
class SourceLayer:
    """One layer of a file: geometries (shapely, numpy object array), the EPSG code of their
    CRS (None when the file does not say), and the attribute columns."""

    name: str
    geometries: np.ndarray
    crs: int | None
    fields: list[SourceField]
    columns: dict[str, list[Any]]
    source_ids: list[Any] = field(default_factory=list)
    # Records the reader itself dropped or cut, with the reason (e.g. clipped OSM ways).
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass(frozen=True)
class ReadOptions:
    layer: str | None = None  # which layer of a multi-layer file
    crs: int | None = None  # for files that do not say (CSV), or to override
    x_column: str | None = None
    y_column: str | None = None
    wkt_column: str | None = None


class Importer(abc.ABC):
    """Reads one family of files."""

    name: str
    extensions: tuple[str, ...]

    def accepts(self, path: Path) -> bool:
        return path.name.lower().endswith(self.extensions)

    def check(self, path: Path, *, options: ReadOptions) -> None:
        """The quick checks of an upload, run before its import job is started (so a file
        that cannot be imported is refused at once): InvalidInput with the reason. Reads
        the file's structure, not its features. Nothing to check unless overridden."""
        return None

    @abc.abstractmethod
    def read(self, path: Path, *, options: ReadOptions) -> list[SourceLayer]:
        """The layers of ``path`` (all of them, or the one ``options.layer`` names).
        Raises InvalidInput with the reason when the file cannot be read."""


def zip_check(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a ZIP upload after refusing what could hurt: unreadable archives, path
    traversal or absolute names, links, too many members and ZIP bombs."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InvalidInput("The file is not a readable ZIP archive.", code="bad_zip") from None
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise InvalidInput("The ZIP archive holds too many files.", code="bad_zip")
        total = 0
        for member in members:
            name = member.filename
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or ":" in name.split("/")[0]:
                raise InvalidInput(
                    f"The ZIP archive holds an unsafe path ({name!r}).", code="unsafe_zip"
                )
            if (member.external_attr >> 16) & 0o170000 == 0o120000:
                raise InvalidInput(f"The ZIP archive holds a link ({name!r}).", code="unsafe_zip")
            total += member.file_size
        compressed = max(1, sum(m.compress_size for m in members))
        if total > ZIP_MAX_UNCOMPRESSED or total > ZIP_MAX_RATIO * compressed:
            raise PayloadTooLarge(
                "The ZIP archive expands to more than the platform accepts.", code="zip_bomb"
            )
        return members


def sanitize_name(name: str, taken: set[str]) -> str:
    """A schema field name (lower-case identifier) for a column called ``name``."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)
    cleaned = cleaned.strip("_").lower()[:60] or "field"
    if not cleaned[0].isalpha():
        cleaned = f"f_{cleaned}"[:60]
    candidate, n = cleaned, 2
    while candidate in taken:
        candidate, n = f"{cleaned}_{n}", n + 1
    taken.add(candidate)
    return candidate


def type_of_dtype(dtype: np.dtype) -> str:
    kind = np.dtype(dtype).kind
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "integer"
    if kind == "f":
        return "number"
    if kind == "M":
        return "date" if np.datetime_data(dtype)[0] == "D" else "datetime"
    return "string"


def source_check(source: SourceLayer, path: Path) -> SourceLayer:
    """``source`` if it holds features and says its CRS; InvalidInput naming the file if not."""
    if len(source) == 0:
        raise InvalidInput(f"{path.name} holds no features.", code="empty_file")
    if source.crs is None:
        raise InvalidInput(
            f"{path.name} does not say which coordinate reference system it uses; give it "
            "(an EPSG code such as 4326, 28191, 28193 or 2039).",
            code="missing_crs",
        )
    return source
