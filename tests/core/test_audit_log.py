"""Every write is in the audit log: feature edits, layer definitions, street creation, building
numbers and postcodes; administrators read it in the admin, nobody else."""

import pytest

from core.models import ChangeRecord
from core.roles import Role
from layers.services import layer_delete, layer_update
from tests.factories import UserFactory, layer_with_points


def test_layer_definitions_are_audited(db):
    planner = UserFactory(role=Role.PLANNER)
    layer = layer_with_points(points=[(35.2, 31.905)], user=planner)
    layer_update(layer=layer, user=planner, title_en="Lamps")
    layer_delete(layer=layer, user=planner)
    records = ChangeRecord.objects.filter(collection="layers", feature_id="streetlights")
    assert [(r.version, r.action, r.username) for r in records] == [
        (1, "create", planner.username),
        (2, "update", planner.username),
        (3, "delete", planner.username),
    ]
    assert records[1].before["properties"]["title_en"] == "Street lights"
    assert records[1].after["properties"]["title_en"] == "Lamps"


@pytest.mark.parametrize(("role", "status"), [(Role.ADMINISTRATOR, 200), (Role.PLANNER, 403)])
def test_only_administrators_read_the_audit_log(client, db, role, status):
    layer_with_points(points=[(35.2, 31.905)])
    client.force_login(UserFactory(role=role))
    assert client.get("/en/admin/core/changerecord/").status_code == status
