"""What the editor offers a user: the collections they may edit, with the fields of the
attribute form. Geometries are edited in WGS 84 (EPSG:4326)."""

from __future__ import annotations

from django.utils.translation import get_language

from core.collections import User, registry


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
