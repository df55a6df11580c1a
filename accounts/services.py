"""Writes for single sign-on: the platform account behind a provider's identity."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import AccountDisabled, SignOnTokenInvalid
from accounts.models import ExternalIdentity
from accounts.selectors import claims_roles
from core.roles import STAFF_ROLES, Role, role_group

logger = logging.getLogger("accounts.sign_on")

USERNAME_PREFIX = "sso-"


def _username(*, issuer: str, subject: str) -> str:
    # Stable and free of personal data: a hash of the identity, not the person's name or
    # e-mail, and never a name a local account could already hold.
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:24]
    return USERNAME_PREFIX + digest


def _text_claim(claims: Mapping[str, Any], name: str, *, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@transaction.atomic
def identity_sign_on(*, issuer: str, claims: Mapping[str, Any]) -> AbstractBaseUser:
    """The platform user for the provider identity (``issuer``, ``claims["sub"]``), created on
    first sign-on, with its name, e-mail and roles brought up to date from ``claims``.

    The provider is the authority on roles for the accounts it signs in: the role groups are
    set to exactly what the claims grant (``accounts.selectors.claims_roles``), so a role
    withdrawn at the provider is withdrawn here at the next sign-on. No role means a citizen.
    Staff status follows the roles; the administrator role also makes the account a
    superuser, as the local administrator accounts are. A disabled account stays disabled:
    ``AccountDisabled`` (403). An e-mail is kept only when the provider does not say it is
    unverified.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignOnTokenInvalid(_("The sign-on service sent no usable subject (sub) claim."))
    now = timezone.now()
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    user_model = get_user_model()
    if identity is None:
        user = user_model.objects.create_user(_username(issuer=issuer, subject=subject))
        user.set_unusable_password()  # signs in only through the provider
        identity = ExternalIdentity(user=user, issuer=issuer, subject=subject)
        logger.info("sign-on: new account %s for a subject of %s", user.get_username(), issuer)
    user = identity.user
    if not user.is_active:
        raise AccountDisabled(
            _("This account is disabled on the platform. Ask an administrator to enable it.")
        )
    granted = claims_roles(claims=claims)
    if granted.unknown:
        logger.warning(
            "sign-on: %s carries role claims no mapping names (ignored): %s",
            user.get_username(),
            ", ".join(granted.unknown),
        )
    user.first_name = _text_claim(claims, "given_name", limit=150) or _text_claim(
        claims, "name", limit=150
    )
    user.last_name = _text_claim(claims, "family_name", limit=150)
    if claims.get("email_verified") is not False:
        user.email = _text_claim(claims, "email", limit=254)
    user.is_staff = bool(granted.roles & STAFF_ROLES)
    user.is_superuser = Role.ADMINISTRATOR in granted.roles
    user.save()
    _roles_set(user=user, roles=granted.roles)
    identity.last_sign_in_at = now
    identity.save()
    return user


def _roles_set(*, user: AbstractBaseUser, roles: frozenset[Role]) -> None:
    role_names = {role.value for role in Role}
    held = set(user.groups.filter(name__in=role_names).values_list("name", flat=True))
    wanted = {role.value for role in roles}
    if held == wanted:
        return
    user.groups.remove(*user.groups.filter(name__in=held - wanted))
    user.groups.add(*(role_group(Role(name)) for name in wanted - held))
    logger.info(
        "sign-on: roles of %s set by the provider: %s (were: %s)",
        user.get_username(),
        ", ".join(sorted(wanted)) or "none (citizen)",
        ", ".join(sorted(held)) or "none",
    )
