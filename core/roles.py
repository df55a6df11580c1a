"""The platform's roles. Each is a Django group created by migration ``0002_role_groups``;
anonymous visitors are the public and have no group."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLANNER = "planner", _("Planner")
    CADASTRE_OFFICER = "cadastre_officer", _("Cadastre officer")
    ADDRESSING_OFFICER = "addressing_officer", _("Addressing officer")
    DISPATCHER = "dispatcher", _("Dispatcher")
    COURIER = "courier", _("Courier")
    ADMINISTRATOR = "administrator", _("Administrator")


# Staff roles sign in to the internal tools; couriers use only the courier view.
STAFF_ROLES = frozenset(Role) - {Role.COURIER}


def role_group(role: Role) -> Group:
    """The group of ``role``; recreated if someone deleted it."""
    group, _created = Group.objects.get_or_create(name=role.value)
    return group


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles of ``user``; superusers hold every role, the public none."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role)
    names = set(user.groups.values_list("name", flat=True))
    return frozenset(role for role in Role if role.value in names)


def user_has_role(user: AbstractBaseUser | AnonymousUser, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def user_sees_internal(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Internal layers and attributes are for signed-in staff; the public never sees them."""
    return bool(user.is_authenticated and user.is_staff)


def signed_in(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    """``user`` when signed in, else None: what a record of who did something keeps (the
    public and the platform's own jobs are no one)."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


DEMO_USERNAME_PREFIX = "demo-"


def demo_username(role: Role) -> str:
    """The user name of ``role``'s demo account (``manage.py demo_users``)."""
    return DEMO_USERNAME_PREFIX + role.value.replace("_", "-")
