"""Building numbers, postcodes and new streets are in the audit log, with who gave them."""

from addressing.services import building_numbering_apply, postcodes_assign
from core.models import ChangeRecord
from core.roles import Role
from tests.factories import UserFactory, buildings_beside


def test_numbers_and_postcodes_are_audited(irsal, zone):
    officer = UserFactory(role=Role.ADDRESSING_OFFICER)
    first, _second = buildings_beside(street=irsal, fractions_left=(0.2, 0.6))
    building_numbering_apply(street=irsal, user=officer)
    postcodes_assign(zone=zone, user=officer)
    records = ChangeRecord.objects.filter(collection="addresses", feature_id=str(first.pk))
    assert [(r.version, r.after["properties"]) for r in records] == [
        (1, {"number": "1"}),
        (2, {"postcode": records[1].after["properties"]["postcode"]}),
    ]
    assert records[1].after["properties"]["postcode"].startswith("P600")
    assert {r.username for r in records} == {officer.username}
    assert ChangeRecord.objects.filter(collection="streets", action="create").count() == 1
