"""Factories for test records. Geometry-bearing factories will join them as the apps grow."""

import factory
from django.contrib.auth import get_user_model

from core.roles import STAFF_ROLES, Role, role_group

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.PLANNER)`` puts them in that role's group."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted: Role | None, **kwargs) -> None:
        if not (create and extracted):
            return
        self.is_staff = extracted in STAFF_ROLES
        self.is_superuser = extracted is Role.ADMINISTRATOR
        self.save(update_fields=["is_staff", "is_superuser"])
        self.groups.add(role_group(extracted))


def layer_with_points(
    *, slug: str = "streetlights", visibility: str = "public", points=(), user=None
):
    """A point layer with a public ``lamp`` field and an internal ``asset_no`` field, holding
    one feature per (lon, lat) in ``points`` (EPSG:4326)."""
    from django.contrib.gis.geos import Point

    from layers.services import feature_create, layer_create

    layer = layer_create(
        slug=slug,
        title_en="Street lights",
        title_ar="إنارة الشوارع",
        geometry_type="Point",
        visibility=visibility,
        user=user,
        schema=[
            {"name": "lamp", "type": "string", "choices": ["LED", "sodium"], "required": True},
            {"name": "asset_no", "type": "integer", "internal": True},
        ],
    )
    for number, (lon, lat) in enumerate(points, start=1):
        feature_create(
            layer=layer,
            geometry=Point(lon, lat, srid=4326),
            properties={"lamp": "LED", "asset_no": number},
            user=user,
        )
    return layer
