"""Every read of personal data is in the audit log: who read whose data, when and through
which page or API; reads that show no personal data leave no record. Administrators alone
read the log."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections

from core.models import PersonalDataRead
from core.roles import Role
from tests.factories import UserFactory
from tests.parcels.test_api import client_for, owned  # noqa: F401  (the fixture)


@pytest.mark.parametrize("role", [Role.CADASTRE_OFFICER, Role.ADMINISTRATOR])
def test_each_read_of_owners_is_logged_with_reader_and_route(owned, role, client):  # noqa: F811
    reader = client_for(role)
    pk = owned["parcel"].pk
    reader.get(f"/api/v1/parcels/{pk}")
    reader.get(f"/api/v1/parcels/{pk}/rights")
    document = reader.get(f"/api/v1/parcels/documents/{owned['deed'].pk}/file")
    assert b"".join(document.streaming_content)
    # Close the file as Django's test client does: without ending the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        document.close()
    finally:
        request_finished.connect(close_old_connections)
    officer = UserFactory(role=role)
    client.force_login(officer)
    assert client.get(f"/en/parcels/{pk}/extract").status_code == 200
    reads = list(PersonalDataRead.objects.order_by("id"))
    assert [(r.kind, r.object_id, r.via) for r in reads] == [
        ("parcel_rights", str(pk), f"/api/v1/parcels/{pk}"),
        ("parcel_rights", str(pk), f"/api/v1/parcels/{pk}/rights"),
        (
            "parcel_document",
            str(owned["deed"].pk),
            f"/api/v1/parcels/documents/{owned['deed'].pk}/file",
        ),
        ("parcel_rights", str(pk), f"/en/parcels/{pk}/extract"),
    ]
    assert reads[-1].username == officer.username
    assert len({r.username for r in reads[:3]}) == 1


@pytest.mark.parametrize("role", [None, Role.PLANNER, Role.COURIER])
def test_reads_without_personal_data_leave_no_record(owned, role):  # noqa: F811
    reader = client_for(role)
    pk = owned["parcel"].pk
    assert reader.get(f"/api/v1/parcels/{pk}").status_code == 200
    assert reader.get(f"/api/v1/parcels/{pk}/rights").status_code in (401, 403)
    assert not PersonalDataRead.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMINISTRATOR, 200), (Role.CADASTRE_OFFICER, 403)]
)
def test_only_administrators_read_the_log_of_reads(owned, client, role, status):  # noqa: F811
    client_for(Role.CADASTRE_OFFICER).get(f"/api/v1/parcels/{owned['parcel'].pk}/rights")
    client.force_login(UserFactory(role=role))
    assert client.get("/en/admin/core/personaldataread/").status_code == status
