"""File importers, chosen by the file's name from the ``LAYER_IMPORTERS`` setting."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from core.errors import UnsupportedMediaType
from layers.importers.base import Importer, ReadOptions, SourceField, SourceLayer

__all__ = ["Importer", "ReadOptions", "SourceField", "SourceLayer", "importer_for"]


@cache
def importers() -> tuple[Importer, ...]:
    return tuple(import_string(path)() for path in settings.LAYER_IMPORTERS)


def importer_for(path: Path) -> Importer:
    for importer in importers():
        if importer.accepts(path):
            return importer
    known = ", ".join(ext for i in importers() for ext in i.extensions)
    raise UnsupportedMediaType(
        f"{path.name}: the platform imports {known} files.", code="unsupported_format"
    )
