"""Writes that belong to no single domain: user accounts for the roles, and the history of
every feature's changes (each domain's services call ``change_record`` inside their own
transaction, so a change and its record commit or roll back together)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.models import ChangeRecord, PersonalDataRead
from core.roles import STAFF_ROLES, Role, demo_username, role_group, signed_in, user_roles


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str | None  # only when this call set it: it is never stored in clear


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


# -- feature history ---------------------------------------------------------------------------


def feature_snapshot(*, geometry: GEOSGeometry | None, properties: dict[str, Any]) -> dict:
    """A feature as history keeps it (geometry as GeoJSON, EPSG:4326)."""
    return {
        "geometry": json.loads(geometry.geojson) if geometry is not None else None,
        "properties": dict(properties),
    }


def change_record(
    *,
    collection: str,
    feature_id: object,
    version: int,
    action: str,
    user,
    before: dict | None,
    after: dict | None,
) -> ChangeRecord:
    """Record one write (inside the writing transaction)."""
    actor = signed_in(user)
    return ChangeRecord.objects.create(
        collection=collection,
        feature_id=str(feature_id),
        version=version,
        action=action,
        user=actor,
        username=actor.get_username() if actor is not None else "",
        at=timezone.now(),
        before=before,
        after=after,
    )


def personal_data_read_record(*, kind: str, object_ids: Iterable[object], user, via: str) -> None:
    """Log that ``user`` read the personal data of ``kind`` on each of ``object_ids`` through
    ``via`` (a path or a page's name). Every read of owners or recipients goes through here."""
    actor = signed_in(user)
    now = timezone.now()
    # The roles as they are now: a reader promoted or moved later must not rewrite what the
    # citizen is told about who looked.
    roles = ",".join(sorted(role.value for role in user_roles(actor))) if actor else ""
    PersonalDataRead.objects.bulk_create(
        PersonalDataRead(
            kind=kind,
            object_id=str(object_id),
            user=actor,
            username=actor.get_username() if actor is not None else "",
            roles=roles,
            via=via[:200],
            at=now,
        )
        for object_id in dict.fromkeys(object_ids)
    )


def changes_record(
    *,
    collection: str,
    action: str,
    user,
    changes: Sequence[tuple[object, dict | None, dict | None]],
) -> int:
    """Record many writes of one kind at once, each (feature id, before, after), with the
    next version of each feature (for records that keep no version of their own: a building's
    number, a layer's definition). Inside the writing transaction."""
    if not changes:
        return 0
    actor = signed_in(user)
    ids = [str(feature_id) for feature_id, _b, _a in changes]
    last = dict(
        ChangeRecord.objects.filter(collection=collection, feature_id__in=ids)
        .values("feature_id")
        .annotate(top=Max("version"))
        .values_list("feature_id", "top")
    )
    now = timezone.now()
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                collection=collection,
                feature_id=feature_id,
                version=last.get(feature_id, 0) + 1,
                action=action,
                user=actor,
                username=actor.get_username() if actor is not None else "",
                at=now,
                before=before,
                after=after,
            )
            for feature_id, (_id, before, after) in zip(ids, changes, strict=True)
        ],
        batch_size=5000,
    )
    return len(changes)
