"""Reads of the layer registry, filtered to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from core.collections import User
from core.errors import NotFound
from core.roles import Role, user_has_role
from layers.models import Layer, Visibility

EDITOR_ROLES = (Role.PLANNER, Role.ADMINISTRATOR)


def layer_list(*, user: User) -> QuerySet[Layer]:
    """Public layers for everyone; internal ones too for staff."""
    layers = Layer.objects.all()
    if user.is_authenticated and user.is_staff:
        return layers
    return layers.filter(visibility=Visibility.PUBLIC)


def layer_get(*, user: User, slug: str) -> Layer:
    layer = layer_list(user=user).filter(slug=slug).first()
    if layer is None:
        raise NotFound(f"There is no layer {slug!r}.", code="layer_not_found")
    return layer


def layer_may_manage(*, user: User) -> bool:
    """Planners and administrators define and change layers."""
    return user_has_role(user, *EDITOR_ROLES)
