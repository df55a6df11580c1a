"""Reads of the layer registry, and pages of features of any collection (OGC API), filtered
to what the user may see. Geometries are read in EPSG:4326 and sent in the CRS asked for."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.db.models import F, Q, QuerySet

from core.collections import Collection, User
from core.crs import CRS84, KNOWN, srid_of
from core.errors import NotFound
from core.roles import Role, user_has_role, user_roles, user_sees_internal
from layers import sql
from layers.models import AccessLevel, Layer, LayerPermission, Visibility
from layers.ogc import ItemsQuery

EDITOR_ROLES = (Role.PLANNER, Role.ADMINISTRATOR)


def layer_access(*, user: User, layer: Layer) -> int:
    """What ``user`` may do with ``layer`` (an AccessLevel, or 0 for nothing):

    - administrators administer every layer;
    - a public layer is viewed by everyone, an internal one by signed-in staff;
    - a layer with permission rows (set in the admin) gives the roles listed their level,
      and no more than viewing (by its visibility) to anyone else: an internal layer with rows
      is seen only by the roles listed;
    - a layer without rows: planners edit its features and administer it.
    """
    if user_has_role(user, Role.ADMINISTRATOR):
        return AccessLevel.ADMINISTER
    public = AccessLevel.VIEW if layer.visibility == Visibility.PUBLIC else 0
    if not user.is_authenticated:
        return public
    rows = list(LayerPermission.objects.filter(layer=layer).values_list("group__name", "level"))
    roles = {role.value for role in user_roles(user)}
    if rows:
        granted = max((level for name, level in rows if name in roles), default=0)
        return max(granted, public)
    if Role.PLANNER.value in roles:
        return AccessLevel.ADMINISTER
    return max(public, AccessLevel.VIEW if user_sees_internal(user) else 0)


def layer_list(*, user: User) -> QuerySet[Layer]:
    """The layers ``user`` may view (see layer_access)."""
    layers = Layer.objects.all()
    if user_has_role(user, Role.ADMINISTRATOR):
        return layers
    listed = LayerPermission.objects.values("layer_id")
    open_to_staff = Q(visibility=Visibility.PUBLIC) | ~Q(pk__in=listed)
    if not user_sees_internal(user):
        return layers.filter(visibility=Visibility.PUBLIC)
    mine = LayerPermission.objects.filter(
        group__name__in=[r.value for r in user_roles(user)]
    ).values("layer_id")
    return layers.filter(open_to_staff | Q(pk__in=mine))


def layer_get(*, user: User, slug: str) -> Layer:
    layer = layer_list(user=user).filter(slug=slug).first()
    if layer is None:
        raise NotFound(f"There is no layer {slug!r}.", code="layer_not_found")
    return layer


def layer_may_manage(*, user: User) -> bool:
    """Planners and administrators define and change layers."""
    return user_has_role(user, *EDITOR_ROLES)


@dataclass(frozen=True)
class ItemsPage:
    features_json: str  # a JSON array of GeoJSON features
    number_matched: int
    number_returned: int


class FlipCoordinates(GeoFunc):
    function = "ST_FlipCoordinates"


def _geometry_json(*, collection: Collection, crs: int) -> AsGeoJSON:
    """GeoJSON geometry text in ``crs`` (axis order as its EPSG definition says)."""
    geom = F(collection.geometry_field)
    if srid_of(crs) != collection.srid:
        geom = Transform(geom, srid_of(crs))
    if KNOWN[crs].lat_first:
        geom = FlipCoordinates(geom)
    return AsGeoJSON(geom, precision=KNOWN[crs].decimals)


def collection_filtered(*, collection: Collection, user: User, query: ItemsQuery) -> QuerySet:
    """The features of ``collection`` this user may see that match ``query`` (bbox in
    EPSG:4326, datetime interval on the collection's temporal field, property equality)."""
    rows = collection.queryset(user=user)
    if query.bbox is not None:
        if collection.tile_geometry_field:
            # The Web Mercator copy carries the spatial index (a lon/lat box is a box in
            # EPSG:3857 too); the exact test runs on the stored geometry.
            rows = rows.filter(
                **{
                    f"{collection.tile_geometry_field}__bboverlaps": query.bbox.transform(
                        3857, clone=True
                    )
                }
            )
        rows = rows.filter(**{f"{collection.geometry_field}__intersects": query.bbox})
    if query.interval is not None and collection.temporal_field:
        start, end = query.interval
        if start is not None:
            rows = rows.filter(**{f"{collection.temporal_field}__gte": start})
        if end is not None:
            rows = rows.filter(**{f"{collection.temporal_field}__lte": end})
    for name, value in query.filters.items():
        rows = collection.filter_property(rows, name=name, value=value, user=user)
    return rows


def collection_items(*, collection: Collection, user: User, query: ItemsQuery) -> ItemsPage:
    """One page of matching features, in id order, as GeoJSON in ``query.crs``."""
    rows = collection_filtered(collection=collection, user=user, query=query)
    unfiltered = query.bbox is None and query.interval is None and not query.filters
    known = collection.feature_count if unfiltered else None
    matched = known if known is not None else rows.count()
    # Choose the page's ids first (an index scan), then build GeoJSON for those rows only:
    # PostgreSQL would otherwise compute every skipped row's GeoJSON for a deep offset.
    ids = rows.order_by("pk").values("pk")[query.offset : query.offset + query.limit]
    page = (
        collection.queryset(user=user)
        .filter(pk__in=ids)
        .annotate(
            geojson=_geometry_json(collection=collection, crs=query.crs),
            props=collection.properties_expression(user=user),
        )
        .values("pk", "geojson", "props")
    )
    returned = max(0, min(query.limit, matched - query.offset))
    return ItemsPage(sql.features_json(rows=page), matched, returned)


def collection_item(
    *, collection: Collection, user: User, feature_id: str, crs: int = CRS84
) -> str:
    """One feature as GeoJSON text, or NotFound."""
    text = str(feature_id)
    digits = text.isascii() and text.isdigit() and len(text) <= 20
    pk = int(text) if digits and int(text) < 2**63 else None
    rows = collection.queryset(user=user).filter(pk=pk) if pk is not None else None
    if rows is None or not rows.exists():
        raise NotFound(f"{collection.id} has no feature {feature_id!r}.", code="feature_not_found")
    page = rows.annotate(
        geojson=_geometry_json(collection=collection, crs=crs),
        props=collection.properties_expression(user=user),
    ).values("pk", "geojson", "props")
    return sql.features_json(rows=page)[1:-1]
