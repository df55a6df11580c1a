"""Reads for sign-in: which roles a provider's claims grant, and how sign-in is configured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.roles import Role


@dataclass(frozen=True)
class ClaimRoles:
    roles: frozenset[Role]
    # Claim values no mapping names: logged, never granted.
    unknown: tuple[str, ...]


def claims_roles(*, claims: Mapping[str, Any]) -> ClaimRoles:
    """The platform roles the provider's ``claims`` grant, through ``settings.OIDC_ROLE_MAP``
    (claim value -> role name) applied to the claim ``settings.OIDC_ROLES_CLAIM``.

    The claim may be a list of strings or one space-separated string (both are common); a
    value no mapping names grants nothing. No role at all means a citizen.
    """
    raw = claims.get(settings.OIDC_ROLES_CLAIM)
    if isinstance(raw, str):
        values = raw.split()
    elif isinstance(raw, list | tuple):
        values = [value for value in raw if isinstance(value, str)]
    else:
        values = []
    mapping: Mapping[str, str] = settings.OIDC_ROLE_MAP
    roles: set[Role] = set()
    unknown: list[str] = []
    for value in values:
        role_name = mapping.get(value)
        if role_name is None:
            unknown.append(value[:80])
        else:
            roles.add(Role(role_name))
    return ClaimRoles(roles=frozenset(roles), unknown=tuple(unknown))


@dataclass(frozen=True)
class SignInOptions:
    """What the sign-in page offers."""

    sign_on: bool
    provider_name: str
    local_accounts: bool


def sign_in_options() -> SignInOptions:
    return SignInOptions(
        sign_on=settings.OIDC_ENABLED,
        provider_name=settings.OIDC_PROVIDER_NAME,
        local_accounts=settings.SIGN_IN_LOCAL_ACCOUNTS or not settings.OIDC_ENABLED,
    )
