"""Who may read what of the register. Parties, rights, transaction reasons and source documents
are personal data: only cadastre officers and administrators read them, through any endpoint;
everyone else (the public, planners, other staff) sees a parcel's identifier, area and zoning."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from core.roles import Role, user_has_role

REGISTER_ROLES = (Role.CADASTRE_OFFICER, Role.ADMINISTRATOR)


def user_reads_rights(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` may read parties, rights, reasons and documents."""
    return user_has_role(user, *REGISTER_ROLES)


def user_edits_register(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` may run the register's transactions."""
    return user_has_role(user, *REGISTER_ROLES)
