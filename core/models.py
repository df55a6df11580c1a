"""Models every app shares: the time-stamped base, and the vector tile cache that serves
every registered collection (see core.tiles)."""

from django.conf import settings
from django.contrib.gis.db import models


class TimeStampedModel(models.Model):
    """Adds ``created_at`` and ``updated_at``, both maintained by the database layer."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CachedTile(models.Model):
    """A rendered vector tile. ``influence`` is the tile's envelope grown by the MVT buffer:
    every feature change whose bounding box meets it invalidates the tile."""

    collection = models.CharField(max_length=100)
    audience = models.CharField(max_length=10)  # "public" or "staff": what the tile may show
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    influence = models.PolygonField(srid=3857)
    # Null when the bytes are a file named by the ETag (the "files" engine, core.tiles).
    tile = models.BinaryField(null=True)
    etag = models.CharField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "audience", "z", "x", "y"], name="cached_tile_key"
            )
        ]


class TileInvalidation(models.Model):
    """A record that a transaction changed features inside ``bbox``. A tile rendered from a
    snapshot that could not see that transaction is not cached (see core.tiles)."""

    collection = models.CharField(max_length=100)
    bbox = models.PolygonField(srid=3857)
    xid = models.BigIntegerField(help_text="pg_current_xact_id() of the changing transaction")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["collection"], name="tile_invalidation_collection")]


class ChangeAction(models.TextChoices):
    CREATE = "create", "create"
    UPDATE = "update", "update"
    DELETE = "delete", "delete"
    RESTORE = "restore", "restore"


class ChangeRecord(models.Model):
    """One write to one feature of a collection: who, when, which version it made, and the
    feature before and after ({"geometry": GeoJSON in EPSG:4326, "properties": {...}}; None
    before a creation and after a deletion). Together, a feature's history and the platform's
    audit log of every edit. Rows are only ever added."""

    collection = models.CharField(max_length=100)
    feature_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField(help_text="the version this change made (or deleted)")
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="as it was at the time")
    at = models.DateTimeField(db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["collection", "feature_id", "version"], name="change_feature"),
        ]
        ordering = ["collection", "feature_id", "version", "id"]


class PersonalDataRead(models.Model):
    """One read of personal data (a parcel's owners, a delivery's recipient): who read what,
    when, and through which page or API. Rows are only ever added; administrators read them
    in the admin, and the privacy promise (who can read your data) is checked against them."""

    kind = models.CharField(max_length=40, help_text="parcel_rights, delivery_order, ...")
    object_id = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="as it was at the time")
    roles = models.CharField(
        max_length=200, blank=True, help_text="the reader's roles at the time, comma-separated"
    )
    via = models.CharField(max_length=200, help_text="the page or API that showed it")
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id", "at"], name="personal_read_object")]
        ordering = ["-at", "-id"]
