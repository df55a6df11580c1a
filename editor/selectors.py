"""What the editor offers a user: the collections they may edit, with the fields of the
attribute form. Geometries are edited in WGS 84 (EPSG:4326)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import get_language

from boundaries.models import Locality
from core.collections import User, registry
from core.crs import KNOWN
from layers.selectors import layer_may_manage
from layers.services.exports import FORMATS
from parcels.access import user_edits_register


def editor_collections(*, user: User) -> list[dict]:
    """The editable collections ``user`` may edit, with their attribute forms' fields."""
    lang = "ar" if (get_language() or "").startswith("ar") else "en"
    offered = []
    for collection in registry.visible(user=user):
        if not collection.may_edit(user=user):
            continue
        offered.append(
            {
                "id": collection.id,
                "title": collection.title.get(lang) or collection.title["en"],
                "geometry_type": collection.geometry_type,
                "transactions": collection.edits_by_transactions,
                "fields": [
                    {
                        "name": f.name,
                        "type": f.type,
                        "label": f.title.get(lang) or f.title.get("en") or f.name,
                        "required": f.required,
                        "choices": list(f.choices),
                        "internal": f.internal,
                    }
                    for f in collection.fields(user=user)
                ],
            }
        )
    return sorted(offered, key=lambda c: c["title"])


# Drawn under the edited layer for context and snapping, when the user may see them.
REFERENCES = ("parcels", "streets", "addresses")


def editor_references(*, user: User) -> list[str]:
    """The reference collections ``user`` may see."""
    visible = {c.id for c in registry.visible(user=user)}
    return [c for c in REFERENCES if c in visible]


def job_start_choices(*, user: User) -> dict:
    """What the jobs page lets ``user`` start: exports of the collections they see (in the
    allowed CRSs), tile seeding of public collections (planners and administrators) and
    topology audits of the localities with parcels (cadastre officers and administrators)."""
    lang = "ar" if (get_language() or "").startswith("ar") else "en"
    public = AnonymousUser()

    def titled(collections) -> list[dict]:
        return [{"id": c.id, "title": c.title.get(lang) or c.title["en"]} for c in collections]

    collections = registry.visible(user=user)
    localities = []
    if user_edits_register(user):
        with_parcels = Locality.objects.filter(parcels__isnull=False).distinct()
        localities = [
            {"id": loc.pk, "name": loc.name_ar if lang == "ar" else loc.name_en}
            for loc in with_parcels.order_by("name_en")
        ]
    return {
        "exports": titled(collections),
        "formats": list(FORMATS),
        "crss": [(code, known.name) for code, known in KNOWN.items() if code != 4326],
        "seedable": titled(c for c in collections if c.is_visible_to(user=public))
        if layer_may_manage(user=user)
        else [],
        "localities": localities,
        "audits": user_edits_register(user),
    }
