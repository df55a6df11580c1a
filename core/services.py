"""Writes that belong to no single domain: user accounts for the roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from core.roles import STAFF_ROLES, Role, role_group

DEMO_USERNAME_PREFIX = "demo-"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str | None  # only when this call set it: it is never stored in clear


def demo_username(role: Role) -> str:
    return DEMO_USERNAME_PREFIX + role.value.replace("_", "-")


@transaction.atomic
def demo_users_ensure(*, reset_passwords: bool = False) -> list[DemoAccount]:
    """Make sure one demo account exists per role.

    A new account (or, with ``reset_passwords``, every account) gets a fresh random password
    that is returned once and never stored in clear; existing accounts keep theirs. Demo
    accounts are labelled "(demo)" in their display name so nobody mistakes them for staff.
    """
    user_model = get_user_model()
    accounts: list[DemoAccount] = []
    for role in Role:
        username = demo_username(role)
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": str(role.label), "last_name": "(demo)"},
        )
        user.is_staff = role in STAFF_ROLES
        user.is_superuser = role is Role.ADMINISTRATOR
        password = None
        if created or reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
        user.save()
        user.groups.add(role_group(role))
        accounts.append(DemoAccount(username=username, role=role, password=password))
    return accounts
