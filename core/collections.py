"""One interface for every kind of geographic data the platform serves.

Parcels, streets, delivery points, boundaries and the features of generic layers are different
models with their own rules; OGC API Features, vector tiles, exports, search and the editor are
written once against :class:`Collection`. Each app registers a :class:`CollectionProvider` in its
``AppConfig.ready`` (pygeoapi's provider registry is the model), and keeps its invariants inside
its own services.

Geometries are stored in WGS 84 (EPSG:4326); a collection may also keep a Web Mercator
(EPSG:3857) copy for tiles (``tile_geometry_field``).
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Expression, F, QuerySet
from django.db.models.functions import JSONObject

from core.errors import InvalidInput, MethodNotAllowed, NotFound
from core.roles import user_sees_internal

User = AbstractBaseUser | AnonymousUser

FIELD_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")


@dataclass(frozen=True)
class Field:
    """An attribute of a collection's features."""

    name: str
    type: str
    title: dict[str, str] = field(default_factory=dict)
    required: bool = False
    choices: tuple[Any, ...] = ()
    internal: bool = False  # never shown to the public


def titled_field(name: str, kind: str, en: str, ar: str, *, internal: bool = False) -> Field:
    """A field of type ``kind`` titled in English and Arabic: how the domains declare theirs."""
    return Field(name=name, type=kind, title={"en": en, "ar": ar}, internal=internal)


class Collection(abc.ABC):
    """A set of features with one geometry type, readable (and maybe editable) by some users."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    geometry_type: str  # "Point", "MultiLineString", "MultiPolygon", ...
    srid: int = 4326
    geometry_field: str = "geom"
    tile_geometry_field: str | None = None  # an EPSG:3857 copy, if the model keeps one
    temporal_field: str | None = "updated_at"
    is_public: bool = False
    is_synthetic: bool = False
    attribution: tuple[dict[str, str], ...] = ()
    version: str = "1"  # changes whenever the collection's data changes (tile cache, ETags)
    feature_count: int | None = None  # the exact count of all features, when kept up to date
    # How a map draws the features, for the public map and its legend: Leaflet path options
    # (color, weight, fillColor, fillOpacity, radius, dashArray), and optionally ``property``
    # with ``classes`` [{"value", "label": {"en", "ar"}, ...options}] to colour by a property.
    # Empty: the map picks a style from the geometry type.
    style: dict[str, Any] = {}
    # The zoom from which a map draws the collection (dense collections wait for close-ups).
    min_zoom: int = 0

    def is_visible_to(self, *, user: User) -> bool:
        """Public collections are for everyone; internal ones for signed-in staff."""
        return self.is_public or user_sees_internal(user)

    @abc.abstractmethod
    def fields(self, *, user: User) -> list[Field]:
        """The attributes this user may see (never internal ones for the public)."""

    @abc.abstractmethod
    def queryset(self, *, user: User) -> QuerySet:
        """The features this user may see; each row has ``pk`` and the geometry field."""

    @abc.abstractmethod
    def properties_expression(self, *, user: User) -> Expression:
        """A ``jsonb`` SQL expression of the properties this user may see."""

    @abc.abstractmethod
    def filter_property(self, queryset: QuerySet, *, name: str, value: str, user: User) -> QuerySet:
        """``queryset`` narrowed to features whose property ``name`` equals ``value``; only
        properties this user may see can be filtered on (InvalidInput otherwise)."""

    # -- editing (OGC API - Features Part 4 and the editor) ------------------------------------
    # A collection that can be edited overrides these, through its app's services (which keep
    # its rules, record history and invalidate tiles). Geometries are EPSG:4326.

    # True when the features change only through the app's own transactions (its API), not
    # through create/update/delete: the editor then offers those transactions instead.
    edits_by_transactions: bool = False

    def may_edit(self, *, user: User) -> bool:
        """Whether ``user`` may create, change and delete this collection's features."""
        return False

    def edit_check(self, *, user: User) -> None:
        """Before a write reads any input: MethodNotAllowed (405) for a collection that is not
        edited through this interface, PermissionDenied (403) for a user who may not edit it.
        A refused client learns nothing about what its request would have hit."""
        raise self._read_only()

    def feature_version(self, *, feature_id: str) -> int | None:
        """The current version of a feature (its ETag), or None if the collection keeps none."""
        return None

    def create(self, *, user: User, geometry, properties: dict) -> tuple[str, int]:
        """Add a feature; returns its id and version."""
        raise self._read_only()

    def update(
        self, *, user: User, feature_id: str, version: int, geometry, properties, replace: bool
    ) -> int:
        """Change a feature that is still at ``version`` (412 otherwise); returns the new
        version. ``replace``: all properties are given (PUT); else only those to change."""
        raise self._read_only()

    def delete(self, *, user: User, feature_id: str, version: int) -> None:
        """Remove a feature that is still at ``version`` (412 otherwise)."""
        raise self._read_only()

    def restore(self, *, user: User, feature_id: str, version: int, to_version: int) -> int:
        """Bring back what version ``to_version`` held, as a new version (the feature must
        still be at ``version``); returns the new version."""
        raise self._read_only()

    def split(self, *, user: User, feature_id: str, version: int, cut_line) -> list[str]:
        """Cut a feature with a line; returns the ids of the pieces (the first is the feature)."""
        raise self._read_only()

    def merge(self, *, user: User, feature_ids: list[str], versions: list[int]) -> str:
        """Merge features into the first; returns its id."""
        raise self._read_only()

    def _read_only(self) -> MethodNotAllowed:
        return MethodNotAllowed(
            f"The collection {self.id} cannot be edited through this interface."
        )


class ModelCollection(Collection):
    """A collection of one model's rows, whose properties are some of its columns (``columns``
    maps each property to an ORM path), all public unless listed in ``internal_columns``."""

    model: ClassVar[type]
    field_list: ClassVar[tuple[Field, ...]]
    columns: ClassVar[dict[str, str]]  # property name -> ORM path

    def fields(self, *, user: User) -> list[Field]:
        sees_internal = user_sees_internal(user)
        return [f for f in self.field_list if sees_internal or not f.internal]

    def queryset(self, *, user: User) -> QuerySet:
        return self.model.objects.all()

    def properties_expression(self, *, user: User) -> Expression:
        visible = {f.name for f in self.fields(user=user)}
        return JSONObject(
            **{name: F(path) for name, path in self.columns.items() if name in visible}
        )

    def filter_property(self, queryset: QuerySet, *, name: str, value: str, user: User) -> QuerySet:
        if name not in {f.name for f in self.fields(user=user)}:
            raise InvalidInput(f"{self.id} have no property {name!r}.", code="unknown_property")
        return queryset.filter(**{self.columns[name]: value})


class CollectionProvider(abc.ABC):
    """Supplies the collections of one app (a fixed set, or one per row of a registry)."""

    @abc.abstractmethod
    def collections(self) -> Iterable[Collection]: ...

    def get(self, collection_id: str) -> Collection | None:
        return next((c for c in self.collections() if c.id == collection_id), None)


_COLLECTION_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


class CollectionRegistry:
    def __init__(self) -> None:
        self._providers: list[CollectionProvider] = []

    def register(self, provider: CollectionProvider) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    def all(self) -> list[Collection]:
        return [c for provider in self._providers for c in provider.collections()]

    def visible(self, *, user: User) -> list[Collection]:
        return [c for c in self.all() if c.is_visible_to(user=user)]

    def get(self, collection_id: str, *, user: User) -> Collection:
        """The collection, if it exists and ``user`` may see it; NotFound otherwise (an
        internal collection is as invisible to the public as a missing one)."""
        if not _COLLECTION_ID.fullmatch(collection_id or ""):
            # Ids are slugs; anything else (a NUL byte, a path) never reaches a provider.
            raise NotFound(
                f"There is no collection {collection_id[:60]!r}.", code="collection_not_found"
            )
        for provider in self._providers:
            collection = provider.get(collection_id)
            if collection is not None and collection.is_visible_to(user=user):
                return collection
        raise NotFound(f"There is no collection {collection_id!r}.", code="collection_not_found")


registry = CollectionRegistry()
